// The span processor that every Cairn pipeline starts with. It applies trace fields to spans of
// the trace (open, started later, and ended-but-held), then redacts at source, then hands spans
// to the exporting processors.
import { trace, type Attributes, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FieldPolicy } from '../policy.js';
import { remoteTraceFields } from './remote.js';
import { hasNoLocalParent, isOpenLocalRoot, type TraceEntry, type TraceFieldsTable } from './table.js';

export class CairnSpanProcessor implements SpanProcessor {
  constructor(
    private readonly table: TraceFieldsTable,
    private readonly downstream: readonly SpanProcessor[],
    private readonly policy: FieldPolicy | undefined,
  ) {
    table.onEvict = (entry) => this.release(entry);
    const ending = downstream.filter((p) => p.onEnding !== undefined);
    if (ending.length > 0) this.onEnding = (span) => ending.forEach((p) => p.onEnding?.(span));
  }

  /** Present only when a downstream processor has it: the SDK calls it for every span otherwise. */
  readonly onEnding?: (span: Span) => void;

  onStart(span: Span, parentContext: Context): void {
    const traceId = span.spanContext().traceId;
    let entry = this.table.get(traceId);
    if (hasNoLocalParent(span.parentSpanContext)) {
      const remote = remoteTraceFields(parentContext);
      if (entry !== undefined) {
        entry.roots++;
        (entry.open ??= new Set()).add(span);
      } else if (remote !== undefined) {
        entry = this.table.create(traceId, span);
      }
      if (remote !== undefined && entry !== undefined) this.table.add(entry, remote);
    } else {
      if (entry === undefined) {
        const parent = trace.getSpan(parentContext);
        if (isOpenLocalRoot(parent)) entry = this.table.create(traceId, parent);
      }
      if (entry !== undefined) (entry.open ??= new Set()).add(span);
      else {
        // Started after its trace's local root ended: it still belongs to the trace.
        const late = this.table.endedFields(traceId);
        if (late !== undefined) span.setAttributes(late);
      }
    }
    if (entry !== undefined && entry.fields !== undefined) span.setAttributes(entry.fields);
    for (const p of this.downstream) p.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    const entry = this.table.get(traceId);
    if (entry === undefined) {
      this.forward(span, undefined);
      return;
    }
    if (entry.root === span) {
      entry.root = undefined;
    } else if (entry.open === undefined || !entry.open.delete(span as Span)) {
      // Not tracked: e.g. a second local root that started before the trace had an entry.
      this.forward(span, undefined);
      return;
    }
    if (hasNoLocalParent(span.parentSpanContext)) {
      if (--entry.roots === 0) {
        this.table.delete(traceId);
        if (entry.fields !== undefined) this.table.remember(traceId, entry.fields);
        this.release(entry);
      }
      this.forward(span, undefined);
    } else if (entry.ended === undefined || entry.ended.length < this.table.maxHeldSpans) {
      (entry.ended ??= []).push(span);
    } else {
      this.forward(span, entry.fields);
    }
  }

  /** Sends a trace's held spans on, with the fields the trace ended up with. */
  private release(entry: TraceEntry): void {
    const held = entry.ended;
    if (held === undefined) return;
    entry.ended = undefined;
    for (const span of held) this.forward(span, entry.fields);
  }

  private forward(span: ReadableSpan, traceFields: Attributes | undefined): void {
    let attributes = span.attributes;
    // A held span got every field added while it was open; only fields added after it ended are
    // missing. Copying the attributes and making a view for every held span, needed or not, made
    // the parent/child workload 2.5x raw OTel (bench/sdk tree); most held spans need neither.
    if (traceFields !== undefined && !carries(attributes, traceFields)) attributes = { ...attributes, ...traceFields };
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

/** Whether `attributes` already holds every trace field with the same value. */
function carries(attributes: Attributes, fields: Attributes): boolean {
  for (const key in fields) if (attributes[key] !== fields[key]) return false;
  return true;
}

/**
 * An ended span cannot be changed through the API, so exporters get a view: the span as the
 * prototype (methods and every other field intact) with its own `attributes`.
 */
function withAttributes(span: ReadableSpan, attributes: Attributes): ReadableSpan {
  return Object.create(span, { attributes: { value: attributes, enumerable: true } }) as ReadableSpan;
}
