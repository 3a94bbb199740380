// The in-process table behind `addTraceFields`: per trace id, the fields, the spans still open,
// and the spans that ended before the local root did (held back so late fields still reach them).
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, Span } from '@opentelemetry/sdk-trace-base';

export interface TraceEntry {
  fields: Record<string, Attributes[string]> | undefined;
  readonly open: Set<Span>;
  readonly ended: ReadableSpan[];
  /** Local roots of this trace still open: one request can enter a process more than once. */
  roots: number;
}

export interface TraceTableLimits {
  /** Traces tracked at once; past this, the oldest is released (its held spans go out as they are). */
  maxTraces?: number;
  /** Ended spans held per trace; past this, spans go out without waiting for later fields. */
  maxHeldSpans?: number;
}

export class TraceFieldsTable {
  readonly maxTraces: number;
  readonly maxHeldSpans: number;
  private readonly entries = new Map<string, TraceEntry>();

  constructor(limits: TraceTableLimits = {}) {
    this.maxTraces = limits.maxTraces ?? 4096;
    this.maxHeldSpans = limits.maxHeldSpans ?? 1024;
  }

  get size(): number {
    return this.entries.size;
  }

  get(traceId: string): TraceEntry | undefined {
    return this.entries.get(traceId);
  }

  /** Registers a local root; returns the entry and, when the table was full, the evicted one. */
  openRoot(traceId: string): { entry: TraceEntry; evicted?: TraceEntry } {
    let entry = this.entries.get(traceId);
    if (entry !== undefined) {
      entry.roots++;
      return { entry };
    }
    let evicted: TraceEntry | undefined;
    if (this.entries.size >= this.maxTraces) {
      // Map iteration is insertion order, so the first key is the oldest trace.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) {
        evicted = this.entries.get(oldest);
        this.entries.delete(oldest);
      }
    }
    entry = { fields: undefined, open: new Set(), ended: [], roots: 1 };
    this.entries.set(traceId, entry);
    return evicted === undefined ? { entry } : { entry, evicted };
  }

  /** Removes and returns every entry (at shutdown, so held spans are not lost). */
  drain(): TraceEntry[] {
    const all = [...this.entries.values()];
    this.entries.clear();
    return all;
  }

  delete(traceId: string): void {
    this.entries.delete(traceId);
  }

  /** Records fields for the trace and sets them on its open spans. */
  add(entry: TraceEntry, fields: Attributes): void {
    entry.fields = entry.fields === undefined ? { ...fields } : Object.assign(entry.fields, fields);
    for (const span of entry.open) span.setAttributes(fields);
  }
}
