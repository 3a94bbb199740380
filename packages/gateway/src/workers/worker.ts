// A processing thread: decodes, authorizes, routes and applies the data strategy with
// BatchProcessor. The main thread keeps the sockets and the queue; this thread does the CPU work.
// The strategy arrives as plain data (functions cannot cross threads) and is compiled here; a
// reload message swaps it between two batches, since messages are handled one at a time.
import { parentPort, workerData } from 'node:worker_threads';
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
// A rewritten request is a buffer of exactly its size (Rewriter), transferred as it is. Any other
// output that does not span its whole buffer (a view into a larger one) is copied out to an
// exact-size buffer first: a structured clone of a view copies its whole ArrayBuffer, so posting
// the view itself would carry the rest of the buffer to the main thread, where the queue keeps it
// while it holds the body.
const processor = new BatchProcessor(init.config);
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
  }
});
