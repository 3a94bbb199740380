import { createContextKey, type Attributes, type Context } from '@opentelemetry/api';

/** Where the baggage propagator leaves allowlisted fields from upstream for the local root to pick up. */
export const REMOTE_TRACE_FIELDS = createContextKey('cairn.remote-trace-fields');

export function remoteTraceFields(context: Context): Attributes | undefined {
  return context.getValue(REMOTE_TRACE_FIELDS) as Attributes | undefined;
}
