// A processing thread: decodes, authorizes, routes and applies the data strategy with
// BatchProcessor. The main thread keeps the sockets and the queue; this thread does the CPU work.
// The strategy arrives as plain data (functions cannot cross threads) and is compiled here; a
// reload message swaps it between two batches, since messages are handled one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { WriterBuffers } from '@cairn/otlp';
import type { GatewayConfig } from '../config/types.js';
import { BatchProcessor, type ProcessRequest } from '../pipeline/process.js';
import type { StrategyContent } from '../strategy/content.js';
import { useStrategy } from '../strategy/use.js';
import { transferList } from './transfer.js';

export interface WorkerInit {
  config: GatewayConfig;
  content: StrategyContent;
}

const init = workerData as WorkerInit;
// Rewritten requests are written into reused buffers: postMessage copies each output, and then
// every buffer is free again (WriterBuffers). They are never transferred.
const buffers = new WriterBuffers();
const processor = new BatchProcessor(init.config, { writerBuffers: buffers });
useStrategy(processor, init.content);

type Message = { id: number; request: ProcessRequest } | { id: number; strategy: StrategyContent };

parentPort!.on('message', (message: Message) => {
  try {
    if ('strategy' in message) {
      useStrategy(processor, message.strategy);
      parentPort!.postMessage({ id: message.id, reloaded: true });
      return;
    }
    const result = processor.process(message.request);
    const bodies = result.ok ? result.outputs.map((o) => o.body).filter((b) => !buffers.owns(b.buffer)) : [];
    parentPort!.postMessage({ id: message.id, result, conditionErrors: processor.routeConditionErrors }, transferList(bodies));
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  } finally {
    buffers.releaseAll();
  }
});
