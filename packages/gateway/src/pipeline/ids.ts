// Id validation. A backend that meets one malformed id refuses the whole request it came in,
// and the queue would then dead-letter the client's valid records with it. So every id field
// is checked here and a record with a bad one is refused alone, reported back as a partial
// success, and never forwarded.
import type { BatchView, LogsView, MetricsView, TracesView } from '@cairn/otlp';

export interface IdRefusal {
  /** Records (spans, log records, data points) refused. */
  count: number;
  /** The request without them (the input bytes when none was refused). */
  bytes: Uint8Array;
  message?: string;
}

const RULES = {
  traces: 'trace_id must be 16 bytes and span_id 8 bytes, not all zero; parent_span_id empty or 8 bytes, not all zero; link ids empty or 16 and 8 bytes',
  logs: 'trace_id must be empty or 16 bytes, span_id empty or 8 bytes',
  metrics: 'exemplar trace_id must be empty or 16 bytes, span_id empty or 8 bytes (the data point holding a bad exemplar is refused)',
} as const;

/**
 * The OTLP spec makes a span's trace id 16 bytes and its span id 8, neither all zeros, and a
 * parent span id empty or 8 bytes. Links, log records and exemplars may leave ids empty (the
 * spec records links with an invalid context), but an id that is there has its size. A metric
 * data point whose exemplar breaks this is refused as a whole: exemplars are not addressable
 * records, and the point is the unit that partial_success counts.
 */
export function refuseMalformedIds(view: BatchView): IdRefusal {
  // The validating walk found them (`BatchView.malformedIds`, @cairn/otlp batch/walk.ts): a
  // second pass over every record's fields here was 38% of a processing thread's time without a
  // strategy (one thread, --cpu-prof, the bench corpus).
  const bad = view.malformedIds();
  if (bad.length === 0) return { count: 0, bytes: view.bytes };
  let bytes: Uint8Array;
  if (view.signal === 'traces') {
    const editor = (view as TracesView).edit();
    for (const i of bad) editor.drop('span', i);
    bytes = editor.encode();
  } else if (view.signal === 'logs') {
    const editor = (view as LogsView).edit();
    for (const i of bad) editor.drop('log', i);
    bytes = editor.encode();
  } else {
    const editor = (view as MetricsView).edit();
    for (const i of bad) editor.drop('point', i);
    bytes = editor.encode();
  }
  const what = view.signal === 'traces' ? 'spans' : view.signal === 'logs' ? 'log records' : 'data points';
  return { count: bad.length, bytes, message: `${bad.length} ${what} refused: ${RULES[view.signal]}` };
}
