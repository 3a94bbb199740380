// `trace` for tail rules: every span of one trace, each a lazy SpanValue with its own cursor.
import type { TracesView } from '@cairn/otlp';
import { BatchValues, SpanValue, WANT_ALL } from './values.js';

export class TraceValue {
  constructor(readonly spans: SpanValue[], readonly root: SpanValue | undefined) {}
  get span_count(): bigint {
    return BigInt(this.spans.length);
  }
}

/** Which spans of a decoded traces request belong to the trace (all of them when `spans` is absent). */
export interface TracePart {
  view: TracesView;
  spans?: readonly number[];
}

/**
 * The trace value of spans held in one or more decoded requests (a tail buffer holds a trace's
 * spans as they arrived, batch by batch). `root` is the first span without a parent, absent when
 * none was seen.
 */
export function traceOf(parts: readonly TracePart[]): TraceValue {
  const spans: SpanValue[] = [];
  let root: SpanValue | undefined;
  for (const part of parts) {
    const batch = new BatchValues(WANT_ALL);
    batch.reset(part.view);
    const indexes = part.spans ?? Array.from({ length: part.view.spanCount }, (_, i) => i);
    for (const i of indexes) {
      const span = new SpanValue(batch, part.view.spans().seek(i));
      spans.push(span);
      if (root === undefined && span.is_root) root = span;
    }
  }
  return new TraceValue(spans, root);
}
