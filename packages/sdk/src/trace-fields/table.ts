// The in-process table behind `addTraceFields`: per trace id, the fields, the spans still open,
// and the spans that ended before the local root did (held back so late fields still reach them);
// then, once the root ended, the fields alone, for spans the trace starts later.
import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, Span } from '@opentelemetry/sdk-trace-base';

// Most traces are a lone root span that never sees a trace field. Such traces never enter the
// table: an entry is made when the trace gets its first child or field. Inserting and deleting
// every root cost more than the rest of the pipeline together (bench/sdk, Map.delete churn).
export interface TraceEntry {
  fields: Record<string, Attributes[string]> | undefined;
  /** The local root the entry was made for, while open. */
  root: Span | undefined;
  /** Every other open span of the trace (children, and further local roots). */
  open: Set<Span> | undefined;
  ended: ReadableSpan[] | undefined;
  /** Counted local roots still open: one request can enter a process more than once. */
  roots: number;
}

export interface TraceTableLimits {
  /** Traces tracked at once; past this, the oldest is released (its held spans go out as they are). */
  maxTraces?: number;
  /** Ended spans held per trace; past this, spans go out without waiting for later fields. */
  maxHeldSpans?: number;
}

/** Whether a span with this parent is a local root: no parent, or one in another process. */
export function hasNoLocalParent(parent: SpanContext | undefined): boolean {
  return parent === undefined || parent.isRemote === true;
}

/** A span that is open and has no local parent: the root of its trace in this process. */
export function isOpenLocalRoot(span: unknown): span is Span {
  const s = span as Partial<ReadableSpan> | undefined;
  if (s === undefined || s.ended !== false) return false;
  return hasNoLocalParent(s.parentSpanContext);
}

export class TraceFieldsTable {
  readonly maxTraces: number;
  readonly maxHeldSpans: number;
  /** Set by the span processor: where evicted entries' held spans go. */
  onEvict: (entry: TraceEntry) => void = () => {};
  private readonly entries = new Map<string, TraceEntry>();
  /**
   * Fields of traces whose local roots ended, for spans started after that (fire and forget,
   * work after the response). Only traces that had fields; bounded like the entries.
   */
  private readonly ended = new Map<string, Record<string, Attributes[string]>>();

  constructor(limits: TraceTableLimits = {}) {
    this.maxTraces = limits.maxTraces ?? 4096;
    this.maxHeldSpans = limits.maxHeldSpans ?? 1024;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Ended traces whose fields are remembered for late spans. */
  get rememberedSize(): number {
    return this.ended.size;
  }

  get(traceId: string): TraceEntry | undefined {
    return this.entries.get(traceId);
  }

  /** Makes the entry for a trace whose open local root is `root`. */
  create(traceId: string, root: Span): TraceEntry {
    if (this.entries.size >= this.maxTraces) {
      const evicted = evictOldest(this.entries);
      if (evicted !== undefined) this.onEvict(evicted);
    }
    const entry: TraceEntry = { fields: undefined, root, open: undefined, ended: undefined, roots: 1 };
    this.entries.set(traceId, entry);
    return entry;
  }

  /** The entry for the trace of an open span, made if the span is its open local root. */
  entryFor(span: Span | undefined, traceId: string): TraceEntry | undefined {
    return this.entries.get(traceId) ?? (isOpenLocalRoot(span) ? this.create(traceId, span) : undefined);
  }

  /** Removes and returns every entry (at shutdown, so held spans are not lost). */
  drain(): TraceEntry[] {
    const all = [...this.entries.values()];
    this.entries.clear();
    this.ended.clear();
    return all;
  }

  delete(traceId: string): void {
    this.entries.delete(traceId);
  }

  /** Keeps the fields of a trace whose last local root ended. */
  remember(traceId: string, fields: Record<string, Attributes[string]>): void {
    if (this.ended.size >= this.maxTraces && !this.ended.has(traceId)) evictOldest(this.ended);
    this.ended.set(traceId, fields);
  }

  /** The fields of a trace whose local roots ended, if it had any and is still remembered. */
  endedFields(traceId: string): Record<string, Attributes[string]> | undefined {
    return this.ended.size === 0 ? undefined : this.ended.get(traceId);
  }

  /** Records fields for the trace and sets them on its open spans. */
  add(entry: TraceEntry, fields: Attributes): void {
    entry.fields = entry.fields === undefined ? { ...fields } : Object.assign(entry.fields, fields);
    entry.root?.setAttributes(fields);
    if (entry.open !== undefined) for (const span of entry.open) span.setAttributes(fields);
  }
}

/** Removes the oldest trace of a bounded map and returns its value: Map iteration is insertion order, so the first key is the oldest. */
function evictOldest<V>(map: Map<string, V>): V | undefined {
  const oldest = map.keys().next().value;
  if (oldest === undefined) return undefined;
  const evicted = map.get(oldest);
  map.delete(oldest);
  return evicted;
}
