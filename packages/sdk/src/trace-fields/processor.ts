// The span processor that every Cairn pipeline starts with. It applies trace fields to spans of
// the trace (open, started later, and ended-but-held), then redacts at source, then hands spans
// to the exporting processors.
import type { Attributes, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FieldPolicy } from '../policy.js';
import { remoteTraceFields } from './remote.js';
import type { TraceEntry, TraceFieldsTable } from './table.js';

export class CairnSpanProcessor implements SpanProcessor {
  constructor(
    private readonly table: TraceFieldsTable,
    private readonly downstream: readonly SpanProcessor[],
    private readonly policy: FieldPolicy | undefined,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    const parent = span.parentSpanContext;
    const traceId = span.spanContext().traceId;
    let entry: TraceEntry | undefined;
    if (parent === undefined || parent.isRemote === true) {
      const opened = this.table.openRoot(traceId);
      entry = opened.entry;
      if (opened.evicted !== undefined) this.release(opened.evicted);
      const remote = remoteTraceFields(parentContext);
      if (remote !== undefined) this.table.add(entry, remote);
    } else {
      entry = this.table.get(traceId);
    }
    if (entry !== undefined) {
      entry.open.add(span);
      if (entry.fields !== undefined) span.setAttributes(entry.fields);
    }
    for (const p of this.downstream) p.onStart(span, parentContext);
  }

  onEnding(span: Span): void {
    for (const p of this.downstream) p.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    const entry = this.table.get(traceId);
    if (entry === undefined || !entry.open.delete(span as Span)) {
      this.forward(span, undefined);
      return;
    }
    const parent = span.parentSpanContext;
    if (parent === undefined || parent.isRemote === true) {
      if (--entry.roots === 0) {
        this.table.delete(traceId);
        this.release(entry);
      }
      this.forward(span, undefined);
    } else if (entry.ended.length < this.table.maxHeldSpans) {
      entry.ended.push(span);
    } else {
      this.forward(span, entry.fields);
    }
  }

  /** Sends a trace's held spans on, with the fields the trace ended up with. */
  private release(entry: TraceEntry): void {
    for (const held of entry.ended) this.forward(held, entry.fields);
    entry.ended.length = 0;
  }

  private forward(span: ReadableSpan, traceFields: Attributes | undefined): void {
    let attributes = span.attributes;
    if (traceFields !== undefined) attributes = { ...attributes, ...traceFields };
    if (this.policy !== undefined) attributes = this.policy.redact(attributes);
    const out = attributes === span.attributes ? span : withAttributes(span, attributes);
    for (const p of this.downstream) p.onEnd(out);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.downstream.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    for (const entry of this.table.drain()) this.release(entry);
    await Promise.all(this.downstream.map((p) => p.shutdown()));
  }
}

/**
 * An ended span cannot be changed through the API, so exporters get a view: the span as the
 * prototype (methods and every other field intact) with its own `attributes`.
 */
function withAttributes(span: ReadableSpan, attributes: Attributes): ReadableSpan {
  return Object.create(span, { attributes: { value: attributes, enumerable: true } }) as ReadableSpan;
}
