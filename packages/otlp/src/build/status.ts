// google.rpc.Status, the body of OTLP/HTTP error responses (google/rpc/status.proto:
// code = 1 int32, message = 2 string, details = 3 repeated Any).
import { ProtoWriter, WireType } from '../wire/writer.js';

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

export interface RpcStatus {
  code: number;
  message: string;
}

/** The protobuf encoding of a google.rpc.Status. */
export function encodeRpcStatus(status: RpcStatus): Uint8Array {
  const w = new ProtoWriter(16 + status.message.length * 3);
  if (status.code !== 0) {
    w.tag(1, WireType.Varint);
    w.varint(status.code);
  }
  if (status.message) w.stringField(2, status.message);
  return w.finish();
}

/** The proto3 JSON encoding of a google.rpc.Status. */
export function encodeRpcStatusJson(status: RpcStatus): string {
  return JSON.stringify({ code: status.code, message: status.message });
}
