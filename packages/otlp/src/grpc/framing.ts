// gRPC length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length, the message.
// @grpc/grpc-js frames messages itself; `otlpGrpcMethod` gives it raw (identity) serializers so
// request bytes reach the view untouched. The framing helpers serve raw HTTP/2 or gRPC-Web.
import { OtlpDecodeError } from '../wire/errors.js';
import { DEFAULT_LIMITS } from '../wire/limits.js';
import type { Signal } from '../schema/otlp.js';

/** Prefixes `message` with the 5-byte gRPC header. */
export function frameGrpcMessage(message: Uint8Array, compressed = false): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = compressed ? 1 : 0;
  new DataView(out.buffer).setUint32(1, message.length, false);
  out.set(message, 5);
  return out;
}

export interface GrpcMessage {
  readonly compressed: boolean;
  /** A view over the input (no copy). */
  readonly message: Uint8Array;
}

/**
 * Appends the whole frames at the start of `buf` to `out` and returns where the first incomplete
 * one (header or body) starts: `buf.length` when none is. Throws OTLP_GRPC_FRAME on a bad flag
 * or a frame longer than `maxMessageBytes`, once its header is complete.
 */
function scanFrames(buf: Uint8Array, maxMessageBytes: number, out: GrpcMessage[]): number {
  let pos = 0;
  while (buf.length - pos >= 5) {
    const flag = buf[pos]!;
    if (flag > 1) throw new OtlpDecodeError('OTLP_GRPC_FRAME', pos, `compressed flag is ${flag}`);
    const len = ((buf[pos + 1]! << 24) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 8) | buf[pos + 4]!) >>> 0;
    if (len > maxMessageBytes) throw new OtlpDecodeError('OTLP_GRPC_FRAME', pos, `frame of ${len} bytes exceeds ${maxMessageBytes}`);
    if (buf.length - pos - 5 < len) break;
    out.push({ compressed: flag === 1, message: buf.subarray(pos + 5, pos + 5 + len) });
    pos += 5 + len;
  }
  return pos;
}

/**
 * Splits a buffer holding whole gRPC frames. Throws OTLP_GRPC_FRAME on a bad flag, a frame
 * longer than `maxMessageBytes` or a partial frame at the end.
 */
export function unframeGrpcMessages(buf: Uint8Array, maxMessageBytes = DEFAULT_LIMITS.maxMessageBytes): GrpcMessage[] {
  const out: GrpcMessage[] = [];
  const pos = scanFrames(buf, maxMessageBytes, out);
  if (pos < buf.length) {
    throw new OtlpDecodeError('OTLP_GRPC_FRAME', pos, pos + 5 > buf.length ? 'partial gRPC frame header' : 'partial gRPC frame body');
  }
  return out;
}

/** Incremental deframer for a stream of chunks. */
export class GrpcFrameDecoder {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxMessageBytes = DEFAULT_LIMITS.maxMessageBytes) {}

  /** Adds a chunk; returns the messages it completed. */
  push(chunk: Uint8Array): GrpcMessage[] {
    const joined = new Uint8Array(this.pending.length + chunk.length);
    joined.set(this.pending);
    joined.set(chunk, this.pending.length);
    const out: GrpcMessage[] = [];
    this.pending = joined.subarray(scanFrames(joined, this.maxMessageBytes, out));
    return out;
  }

  /** Bytes of an incomplete frame still waiting for more input. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

/** The shape @grpc/grpc-js expects for one method of a service definition. */
export interface RawGrpcMethod {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: false;
  readonly originalName: 'export';
  readonly requestSerialize: (value: Uint8Array) => Uint8Array;
  readonly requestDeserialize: (bytes: Uint8Array) => Uint8Array;
  readonly responseSerialize: (value: Uint8Array) => Uint8Array;
  readonly responseDeserialize: (bytes: Uint8Array) => Uint8Array;
}

const identity = (b: Uint8Array): Uint8Array => b;
type BufferFrom = (buf: ArrayBufferLike, offset: number, length: number) => Uint8Array;
const bufferFrom = (globalThis as { Buffer?: { from: BufferFrom } }).Buffer?.from;
// grpc-js writes what the serializer returns as a Node Buffer: wrap (no copy) when on Node.
const toBuffer = (b: Uint8Array): Uint8Array => (bufferFrom === undefined ? b : bufferFrom(b.buffer, b.byteOffset, b.byteLength));

/**
 * The OTLP Export method of `signal` with raw serializers, for
 * `server.addService({ Export: otlpGrpcMethod('traces') }, { Export: handler })` in @grpc/grpc-js:
 * the handler receives the request bytes and answers with response bytes.
 */
export function otlpGrpcMethod(signal: Signal): RawGrpcMethod {
  return {
    path: SERVICES[signal], requestStream: false, responseStream: false, originalName: 'export',
    requestSerialize: toBuffer, requestDeserialize: identity, responseSerialize: toBuffer, responseDeserialize: identity,
  };
}
