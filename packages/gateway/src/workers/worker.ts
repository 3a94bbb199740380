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
import { spansWhole, transferList } from './transfer.js';

export interface WorkerInit {
  config: GatewayConfig;
  content: StrategyContent;
}

const init = workerData as WorkerInit;
// Rewritten requests are written into reused buffers (WriterBuffers), released after each batch.
// An output that does not span its whole buffer (one in a reused buffer, or in any writer's
// buffer with room left) is copied out to an exact-size buffer, which is transferred: a structured
// clone of a view copies its whole ArrayBuffer, so posting the view itself would carry the rest of
// the buffer (for a reused one up to 8 MB, and earlier batches' bytes, the normalized request
// before redaction among them) to the main thread, where the queue keeps it while it holds the body.
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
    if (result.ok) for (const output of result.outputs) if (!spansWhole(output.body)) output.body = output.body.slice();
    const bodies = result.ok ? result.outputs.map((o) => o.body) : [];
    parentPort!.postMessage({ id: message.id, result, conditionErrors: processor.routeConditionErrors }, transferList(bodies));
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  } finally {
    buffers.releaseAll();
  }
});
