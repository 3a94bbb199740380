// Id validation. A backend that meets one malformed id refuses the whole request it came in,
// and the queue would then dead-letter the client's valid records with it. So every id field
// is checked here and a record with a bad one is refused alone, reported back as a partial
// success, and never forwarded.
import type { BatchView, ExemplarCursor, LinkCursor, LogsView, MetricsView, TracesView } from '@cairn/otlp';

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
  const bad = view.signal === 'traces' ? badSpans(view as TracesView) : view.signal === 'logs' ? badLogs(view as LogsView) : badPoints(view as MetricsView);
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

function badSpans(view: TracesView): number[] {
  const bad: number[] = [];
  const spans = view.spans();
  let links: LinkCursor | undefined;
  while (spans.next()) {
    let ok = valid(spans.traceIdLength(), 16, false) && valid(spans.spanIdLength(), 8, false) && valid(spans.parentSpanIdLength(), 8, true);
    if (ok) {
      links = spans.links(links);
      while (ok && links.next()) ok = sized(links.traceIdLength(), 16) && sized(links.spanIdLength(), 8);
    }
    if (!ok) bad.push(spans.index);
  }
  return bad;
}

function badLogs(view: LogsView): number[] {
  const bad: number[] = [];
  const logs = view.logs();
  while (logs.next()) {
    if (!valid(logs.traceIdLength(), 16, true) || !valid(logs.spanIdLength(), 8, true)) bad.push(logs.index);
  }
  return bad;
}

function badPoints(view: MetricsView): number[] {
  const bad: number[] = [];
  const points = view.dataPoints();
  let exemplars: ExemplarCursor | undefined;
  while (points.next()) {
    exemplars = points.exemplars(exemplars);
    while (exemplars.next()) {
      if (!sized(exemplars.traceIdLength(), 16) || !sized(exemplars.spanIdLength(), 8)) { bad.push(points.index); break; }
    }
  }
  return bad;
}

// Ids are checked in place (`…IdLength()`: the length, or -1 for `size` bytes of zeros): a
// subarray per id was ~3% of the strategy's profile, for every record of every request.

/** `size` bytes and not all zero; empty passes when `emptyAllowed`. */
function valid(length: number, size: number, emptyAllowed: boolean): boolean {
  return length === 0 ? emptyAllowed : length === size;
}

/** Empty or `size` bytes (all zeros allowed: the spec keeps links with an invalid context). */
function sized(length: number, size: number): boolean {
  return length === 0 || length === size || length === -1;
}
