// A processing thread: decodes, authorizes and routes batches with BatchProcessor. The main
// thread keeps the sockets and the queue; this thread does the CPU work.
import { parentPort, workerData } from 'node:worker_threads';
import type { GatewayConfig } from '../config/types.js';
import { BatchProcessor, type ProcessRequest } from '../pipeline/process.js';
import { transferList } from './transfer.js';

const processor = new BatchProcessor(workerData as GatewayConfig);

parentPort!.on('message', (message: { id: number; request: ProcessRequest }) => {
  try {
    const result = processor.process(message.request);
    const buffers = result.ok ? result.outputs.map((o) => o.body) : [];
    parentPort!.postMessage({ id: message.id, result, conditionErrors: processor.routeConditionErrors }, transferList(buffers));
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  }
});
