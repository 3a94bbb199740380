// ReadableSpan[] → ExportTraceServiceRequest bytes through @cairn/otlp's builder. One scratch
// span object is refilled per span; ids go in as the API's hex strings, which the builder decodes
// into a reused buffer (decoding them into fresh arrays instead cost a fifth of the encoder's
// time per span, bench/sdk).
import { TracesBuilder, type Attributes as OtlpAttributes, type EventInput, type LinkInput, type SpanInput, type TimeInput } from '@cairn/otlp';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function encodeSpans(spans: readonly ReadableSpan[]): Uint8Array {
  const builder = new TracesBuilder(spans.length * 384 + 1024);
  const scratch: Mutable<SpanInput> = { traceId: '', spanId: '', name: '', startTimeUnixNano: [0, 0], endTimeUnixNano: [0, 0] };
  // Spans of one batch nearly always share a resource and a few scopes: group without sorting.
  const byResource = new Map<ReadableSpan['resource'], Map<string, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = byResource.get(span.resource);
    if (scopes === undefined) byResource.set(span.resource, (scopes = new Map()));
    const s = span.instrumentationScope;
    const scopeKey = `${s.name}\u0000${s.version ?? ''}\u0000${s.schemaUrl ?? ''}`;
    const list = scopes.get(scopeKey);
    if (list === undefined) scopes.set(scopeKey, [span]);
    else list.push(span);
  }
  for (const [resource, scopes] of byResource) {
    builder.resource({ attributes: resource.attributes as OtlpAttributes }, resource.schemaUrl);
    for (const list of scopes.values()) {
      const first = list[0];
      if (first === undefined) continue;
      const s = first.instrumentationScope;
      builder.scope(s.version === undefined ? { name: s.name } : { name: s.name, version: s.version }, s.schemaUrl);
      for (const span of list) builder.span(fill(scratch, span));
    }
  }
  return builder.finish();
}

function fill(out: Mutable<SpanInput>, span: ReadableSpan): SpanInput {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext;
  out.traceId = ctx.traceId;
  out.spanId = ctx.spanId;
  out.traceState = ctx.traceState?.serialize();
  out.parentSpanId = parent?.spanId;
  out.flags = (ctx.traceFlags & 0xff) | HAS_IS_REMOTE | (parent?.isRemote === true ? IS_REMOTE : 0);
  out.name = span.name;
  out.kind = span.kind + 1;
  out.startTimeUnixNano = span.startTime as TimeInput;
  out.endTimeUnixNano = span.endTime as TimeInput;
  out.attributes = span.attributes as OtlpAttributes;
  out.droppedAttributesCount = span.droppedAttributesCount;
  out.events = span.events.length === 0 ? undefined : span.events.map(toEvent);
  out.droppedEventsCount = span.droppedEventsCount;
  out.links = span.links.length === 0 ? undefined : span.links.map(toLink);
  out.droppedLinksCount = span.droppedLinksCount;
  out.status = span.status;
  return out;
}

function toEvent(e: ReadableSpan['events'][number]): EventInput {
  return { timeUnixNano: e.time as TimeInput, name: e.name, attributes: (e.attributes ?? {}) as OtlpAttributes, droppedAttributesCount: e.droppedAttributesCount ?? 0 };
}

function toLink(l: ReadableSpan['links'][number]): LinkInput {
  const c = l.context;
  return {
    traceId: c.traceId,
    spanId: c.spanId,
    traceState: c.traceState?.serialize(),
    attributes: (l.attributes ?? {}) as OtlpAttributes,
    droppedAttributesCount: l.droppedAttributesCount ?? 0,
    flags: (c.traceFlags & 0xff) | HAS_IS_REMOTE | (c.isRemote === true ? IS_REMOTE : 0),
  };
}
