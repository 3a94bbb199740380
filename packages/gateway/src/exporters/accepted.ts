import type { PartialSuccess } from '@cairn/otlp';
import type { ExportOutcome } from './types.js';

/** The outcome of an accepted export: partial_success is final (the spec forbids retrying it). */
export function acceptedOutcome(partial: PartialSuccess | undefined): ExportOutcome {
  if (partial === undefined || (partial.rejected === 0 && partial.errorMessage === '')) return { kind: 'ok' };
  return { kind: 'ok', rejectedItems: partial.rejected, ...(partial.errorMessage && { message: partial.errorMessage }) };
}
