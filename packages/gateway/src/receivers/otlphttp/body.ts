// Reads an OTLP/HTTP request body, inflating gzip/deflate as it arrives. Every inflated chunk is
// charged to the request's in-flight reservation before it is kept, so a few KB of gzip cannot
// become gigabytes of memory across concurrent requests: the request that would pass the budget is
// refused mid-inflate, the rest of its body is never inflated.
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import type { LimitsConfig } from '../../config/types.js';

export type BodyRefusal =
  /** Over max_request_size, max_decompressed_size or max_gzip_ratio: 413, not retryable as is. */
  | { kind: 'too_large'; message: string }
  /** The in-flight budget is spent by other requests: 429, retry later. */
  | { kind: 'over_budget'; message: string }
  /** Not valid gzip/deflate: 400. */
  | { kind: 'corrupt'; message: string };

/** Smallest decompression cap, whatever the ratio: tiny compressed bodies may expand this far. */
const MIN_INFLATE_CAP = 64 * 1024;

/**
 * The body (inflated), or why it was refused. `grow` reserves inflated bytes against the budget
 * and returns false to refuse; the compressed bytes were reserved at admission.
 */
export function readBody(req: IncomingMessage, encoding: string, limits: LimitsConfig, declared: number, grow: (bytes: number) => boolean): Promise<Buffer | BodyRefusal> {
  return new Promise((resolve, reject) => {
    const inflater: Gunzip | Inflate | undefined = encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : undefined;
    const chunks: Buffer[] = [];
    let raw = 0;
    let size = 0;
    let settled = false;
    const finish = (value: Buffer | BodyRefusal | Error): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      chunks.length = value instanceof Buffer ? chunks.length : 0;
      if (inflater) {
        inflater.off('data', onOutput);
        inflater.destroy();
      }
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    // The ratio applies to the whole body when its length is declared; a chunked body is judged
    // by what has arrived so far.
    const capOf = (): number => Math.min(limits.maxDecompressedBytes, Math.max((Number.isFinite(declared) ? declared : raw) * limits.maxGzipRatio, MIN_INFLATE_CAP));
    const onOutput = (chunk: Buffer): void => {
      size += chunk.length;
      const cap = capOf();
      if (size > cap) {
        finish({ kind: 'too_large', message: `decompressed body exceeds ${cap} bytes (limit ${limits.maxDecompressedBytes}, ratio ${limits.maxGzipRatio}:1)` });
        return;
      }
      if (!grow(chunk.length)) {
        finish({ kind: 'over_budget', message: 'too much data in flight (limits.max_in_flight_size, counted after decompression); retry later' });
        return;
      }
      chunks.push(chunk);
    };
    const onData = (chunk: Buffer): void => {
      raw += chunk.length;
      if (raw > limits.maxRequestBytes) {
        finish({ kind: 'too_large', message: `request body exceeds the limit of ${limits.maxRequestBytes} bytes` });
        return;
      }
      if (!inflater) {
        chunks.push(chunk);
        return;
      }
      // Backpressure: a bomb's output is charged chunk by chunk before more input goes in.
      if (!inflater.write(chunk)) {
        req.pause();
        inflater.once('drain', () => req.resume());
      }
    };
    const done = (): void => finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    if (inflater) {
      inflater.on('data', onOutput);
      inflater.once('end', done);
      inflater.once('error', (error: Error) => finish({ kind: 'corrupt', message: `body is not valid ${encoding}: ${error.message}` }));
    }
    req.on('data', onData);
    req.once('end', () => (inflater ? inflater.end() : done()));
    req.once('error', (error) => finish(error));
    req.once('aborted', () => finish(new Error('client aborted the request')));
  });
}
