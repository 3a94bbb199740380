// The small messages around an export: the response's partial_success, google.rpc.Status (the
// body of OTLP/HTTP errors, gRPC's grpc-status-details-bin) and google.rpc.RetryInfo
// (google/rpc/status.proto, google/rpc/error_details.proto). Receivers write them, exporters
// read them back. Tolerant readers: bytes that are not such a message read as undefined.
import { ProtoWriter, WireType } from '../wire/writer.js';
import { OtlpDecodeError } from '../wire/errors.js';
import { WireReader } from '../batch/read.js';

export interface PartialSuccess {
  /** rejected_spans / rejected_log_records / rejected_data_points. */
  readonly rejected: number;
  readonly errorMessage: string;
}

export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  /** Milliseconds from a google.rpc.RetryInfo detail, when the server sent one. */
  readonly retryDelayMs?: number;
}

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const utf8 = new TextDecoder('utf-8', { fatal: false });

interface Field {
  no: number;
  /** Varint value (wire type 0), else undefined. */
  int?: number;
  /** Body of a length-delimited field (wire type 2), else undefined. */
  bytes?: Uint8Array;
}

/** The top-level fields of a message; undefined when the bytes are not protobuf. */
function fields(buf: Uint8Array): Field[] | undefined {
  const out: Field[] = [];
  const r = new WireReader().reset(buf);
  let pos = 0;
  try {
    while (pos < buf.length) {
      const tag = r.varint(pos);
      pos = r.pos;
      if (tag < 8) return undefined;
      const no = Math.floor(tag / 8);
      const wire = tag & 7;
      if (wire === 0) {
        out.push({ no, int: r.varint(pos) });
        pos = r.pos;
      } else if (wire === 2) {
        const len = r.varint(pos);
        pos = r.pos;
        if (pos + len > buf.length) return undefined;
        out.push({ no, bytes: buf.subarray(pos, pos + len) });
        pos += len;
      } else if (wire === 1 || wire === 5) {
        pos += wire === 1 ? 8 : 4;
        if (pos > buf.length) return undefined;
      } else return undefined;
    }
  } catch (error) {
    if (error instanceof OtlpDecodeError) return undefined; // a varint cut short or overlong
    throw error;
  }
  return out;
}

/** `partial_success` (field 1) of an Export*ServiceResponse; undefined for a full success or unreadable bytes. */
export function decodePartialSuccess(response: Uint8Array): PartialSuccess | undefined {
  const top = fields(response);
  const body = top?.find((f) => f.no === 1)?.bytes;
  if (body === undefined) return undefined;
  const inner = fields(body) ?? [];
  return {
    rejected: inner.find((f) => f.no === 1)?.int ?? 0,
    errorMessage: utf8.decode(inner.find((f) => f.no === 2)?.bytes ?? new Uint8Array(0)),
  };
}

/** google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3 }. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus | undefined {
  const top = fields(bytes);
  if (top === undefined) return undefined;
  let retryDelayMs: number | undefined;
  for (const f of top) {
    if (f.no !== 3 || f.bytes === undefined) continue;
    const any = fields(f.bytes) ?? [];
    const typeUrl = utf8.decode(any.find((a) => a.no === 1)?.bytes ?? new Uint8Array(0));
    const value = any.find((a) => a.no === 2)?.bytes;
    if (typeUrl === RETRY_INFO && value !== undefined) retryDelayMs = decodeRetryInfo(value);
  }
  const status = {
    code: top.find((f) => f.no === 1)?.int ?? 0,
    message: utf8.decode(top.find((f) => f.no === 2)?.bytes ?? new Uint8Array(0)),
  };
  return retryDelayMs === undefined ? status : { ...status, retryDelayMs };
}

/** RetryInfo { google.protobuf.Duration retry_delay = 1 }, Duration { int64 seconds = 1; int32 nanos = 2 }. */
function decodeRetryInfo(bytes: Uint8Array): number | undefined {
  const delay = fields(bytes)?.find((f) => f.no === 1)?.bytes;
  if (delay === undefined) return undefined;
  const d = fields(delay) ?? [];
  return (d.find((f) => f.no === 1)?.int ?? 0) * 1000 + Math.round((d.find((f) => f.no === 2)?.int ?? 0) / 1e6);
}

/** Encodes a google.rpc.Status, with a RetryInfo detail when `retryDelayMs` is given. */
export function encodeRpcStatus(status: RpcStatus): Uint8Array {
  const w = new ProtoWriter(64);
  if (status.code) { w.tag(1, WireType.Varint); w.varint(status.code); }
  if (status.message) w.stringField(2, status.message);
  if (status.retryDelayMs !== undefined) {
    const seconds = Math.floor(status.retryDelayMs / 1000);
    const nanos = (status.retryDelayMs % 1000) * 1e6;
    w.tag(3, WireType.Len); // Any { type_url = 1; value = 2 }
    const any = w.begin(64);
    w.stringField(1, RETRY_INFO);
    w.tag(2, WireType.Len);
    const retryInfo = w.begin(16);
    w.tag(1, WireType.Len);
    const duration = w.begin(16);
    if (seconds) { w.tag(1, WireType.Varint); w.varint(seconds); }
    if (nanos) { w.tag(2, WireType.Varint); w.varint(nanos); }
    w.end(duration);
    w.end(retryInfo);
    w.end(any);
  }
  return w.finish().slice(); // a buffer of its own, exactly the message's size
}

/** gRPC status codes that OTLP uses (google/rpc/code.proto). */
export const RpcCode = {
  Ok: 0,
  Cancelled: 1,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  Aborted: 10,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
} as const;

/** The proto3 JSON encoding of a google.rpc.Status (RetryInfo details are left out). */
export function encodeRpcStatusJson(status: RpcStatus): string {
  return JSON.stringify({ code: status.code, message: status.message });
}
