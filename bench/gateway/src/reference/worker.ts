// The reference's processing thread, as Cairn has one: protobufjs decode → the same checks →
// encode. The main thread keeps the sockets and the SQLite queue.
import { parentPort, workerData } from 'node:worker_threads';
import { ExportTraceServiceRequest } from '../../../otlp/dist/reference.js';
import { checkRequest, compilePatterns, type TracesRequest } from './checks.js';

const owns = compilePatterns((workerData as { services: string[] }).services);

export type WorkerReply =
  | { id: number; ok: true; body: Uint8Array; items: number; refused: number }
  | { id: number; ok: false; message: string };

parentPort!.on('message', ({ id, body }: { id: number; body: Uint8Array }) => {
  let reply: WorkerReply;
  try {
    const message = ExportTraceServiceRequest.decode(body);
    const checked = checkRequest(message as unknown as TracesRequest, owns);
    if (!checked.ok) reply = { id, ok: false, message: checked.message };
    else reply = { id, ok: true, body: ExportTraceServiceRequest.encode(message).finish(), items: checked.items, refused: checked.refused };
  } catch (error) {
    reply = { id, ok: false, message: `decode: ${(error as Error).message}` };
  }
  // protobufjs's writer returns a view of a fresh buffer; move it instead of copying when it spans it whole.
  const transfer = reply.ok && reply.body.byteOffset === 0 && reply.body.byteLength === reply.body.buffer.byteLength ? [reply.body.buffer as ArrayBuffer] : [];
  parentPort!.postMessage(reply, transfer);
});
