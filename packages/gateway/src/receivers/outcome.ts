import { RpcCode } from '@cairn/otlp';
import type { IngestOutcome } from '../pipeline/ingest.js';

/** How each ingest outcome maps to HTTP and gRPC, per the OTLP specification. */
export const HTTP_STATUS: Record<Exclude<IngestOutcome['kind'], 'accepted'>, number> = {
  invalid: 400,
  forbidden: 403,
  unavailable: 503,
  overloaded: 429,
};

export const RPC_CODE: Record<Exclude<IngestOutcome['kind'], 'accepted'>, number> = {
  invalid: RpcCode.InvalidArgument,
  forbidden: RpcCode.PermissionDenied,
  unavailable: RpcCode.Unavailable,
  overloaded: RpcCode.ResourceExhausted,
};
