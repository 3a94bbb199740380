// OTLP/HTTP responses into export outcomes, as opentelemetry-proto docs/specification.md says:
// 429, 502, 503 and 504 are retried (honouring Retry-After); every other 4xx or 5xx "MUST NOT be
// retried"; a 2xx may carry partial_success, which is final too.
import type { ExportOutcome } from '../types.js';
import { decodePartialSuccess, decodeRpcStatus, type PartialSuccess } from '@cairn/otlp';
import { acceptedOutcome } from '../accepted.js';

const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_MESSAGE = 512;

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The human message of an error body: google.rpc.Status (protobuf or JSON), else the text itself. */
export function errorMessage(body: Uint8Array, contentType: string): string {
  if (body.length === 0) return '';
  if (contentType.includes('protobuf')) {
    const status = decodeRpcStatus(body);
    if (status !== undefined) return clip(status.message);
  }
  const text = new TextDecoder().decode(body);
  if (contentType.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') {
        return clip((parsed as { message: string }).message);
      }
    } catch { /* not JSON after all: fall through to the raw text */ }
  }
  return clip(text.trim());
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

/** The partial_success of a 2xx body (protobuf, or OTLP/JSON `partialSuccess`). */
function partialSuccess(body: Uint8Array, contentType: string): PartialSuccess | undefined {
  if (body.length === 0) return undefined;
  if (!contentType.includes('json')) return decodePartialSuccess(body);
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { partialSuccess?: Record<string, unknown> };
    const p = parsed.partialSuccess;
    if (typeof p !== 'object' || p === null) return undefined;
    const rejected = Number(p['rejectedSpans'] ?? p['rejectedLogRecords'] ?? p['rejectedDataPoints'] ?? 0);
    return { rejected: Number.isFinite(rejected) ? rejected : 0, errorMessage: typeof p['errorMessage'] === 'string' ? p['errorMessage'] : '' };
  } catch {
    return undefined;
  }
}

export function classifyResponse(
  status: number,
  headers: { retryAfter?: string | undefined; contentType: string },
  body: Uint8Array,
  url: string,
): ExportOutcome {
  if (status >= 200 && status < 300) {
    return acceptedOutcome(partialSuccess(body, headers.contentType));
  }
  const message = errorMessage(body, headers.contentType);
  const reason = `HTTP ${status} from ${url}${message ? `: ${message}` : ''}`;
  if (RETRYABLE.has(status)) {
    const retryAfterMs = parseRetryAfter(headers.retryAfter);
    return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
  }
  return { kind: 'reject', reason };
}
