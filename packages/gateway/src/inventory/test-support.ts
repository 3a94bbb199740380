// Shared by the inventory's tests: synthetic spans with known truth.
import { buildTraces, type SpanInput, type Attributes } from '@cairn/otlp';

let next = 1;

/** A span with fresh ids. */
export function span(name: string, attributes: Attributes, extra: Partial<SpanInput> = {}): SpanInput {
  const n = next++;
  return {
    traceId: n.toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    name,
    kind: 2,
    startTimeUnixNano: 1_000_000_000n,
    endTimeUnixNano: 2_000_000_000n,
    attributes,
    ...extra,
  };
}

/** One request: one resource (`service`) with one scope holding `spans`. */
export function traces(service: string, spans: SpanInput[], resource: Attributes = {}): Uint8Array {
  return buildTraces([{ resource: { attributes: { 'service.name': service, ...resource } }, scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' }, spans }] }]);
}
