import { RpcCode, type ExportResult } from '@cairn/otlp';
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

/** The export response body for an accepted request: partial success when items were rejected. */
export function exportResult(outcome: Extract<IngestOutcome, { kind: 'accepted' }>): ExportResult {
  return outcome.rejectedItems > 0 ? { rejected: outcome.rejectedItems, errorMessage: outcome.message ?? '' } : {};
}

/** Seconds to wait before retrying, for the outcomes that ask for a retry. */
export function retryAfterOf(outcome: Exclude<IngestOutcome, { kind: 'accepted' }>): number | undefined {
  return outcome.kind === 'unavailable' || outcome.kind === 'overloaded' ? outcome.retryAfterSeconds : undefined;
}

/** The 401 / UNAUTHENTICATED message for a refused credential. */
export function authMessage(reason: 'missing' | 'malformed' | 'invalid'): string {
  if (reason === 'missing') return 'an ingest token is required';
  if (reason === 'malformed') return 'the authorization header is malformed; send exactly `Bearer <token>`';
  return 'the ingest token is not valid';
}
