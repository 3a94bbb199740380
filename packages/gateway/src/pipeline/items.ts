// Counts what the codec's index will hold for a protobuf request before the codec builds it:
// resource groups, scope groups, records and data points. The count is a shallow scan (tags and
// lengths at four levels, nothing inside a span is read), so a request of millions of empty spans
// is refused for its size before anything per span is allocated.
import type { Signal } from '@cairn/otlp';

/** Entries per level: resource groups, scope groups, records (spans, logs, metrics), data points. */
export interface EntryCounts {
  resources: number;
  scopes: number;
  records: number;
  points: number;
}

/**
 * Index bytes per entry: the codec's LevelIndex keeps five Int32 columns and one Uint8 column
 * (21 bytes) per entry and doubles its capacity when full, so a level holds up to 2 × 21 bytes
 * per entry, and 3 × 21 while the old columns are copied into the new. Processing adds a few
 * bytes per record (the list of refused records, the editor's dropped/dirty flags).
 */
export const INDEX_BYTES_PER_ENTRY = 72;

/** Stable code of the refusal of a request with more than `limits.max_items_per_request` entries. */
export const TOO_MANY_ITEMS = 'CAIRN_TOO_MANY_ITEMS';

/** The refusal's message: code, what passed the limit, and what to do. */
export function tooManyItems(signal: Signal, overflow: Overflow, max: number): string {
  const what = overflow === 'records' ? (signal === 'traces' ? 'spans' : signal === 'logs' ? 'log records' : 'metrics') : overflow === 'points' ? 'data points' : `${overflow === 'resources' ? 'resource' : 'scope'} groups`;
  return `${TOO_MANY_ITEMS}: the request has more than ${max} ${what} (limits.max_items_per_request); split it into smaller requests`;
}

export function entriesOf(counts: EntryCounts): number {
  return counts.resources + counts.scopes + counts.records + counts.points;
}

/** The level whose count passed `max`, or undefined: the scan stops there. */
export type Overflow = 'resources' | 'scopes' | 'records' | 'points';

// Metric's data fields (gauge, sum, histogram, exponential_histogram, summary): each holds its
// data points in field 1.
const METRIC_DATA_FIELDS = new Set([5, 7, 9, 10, 11]);

let P = 0;

/**
 * Counts entries, stopping as soon as one level passes `max` (then `overflow` names it). The scan
 * does not validate: where the bytes are malformed it stops counting that message, and the
 * codec's validating walk refuses the request with the byte offset.
 */
export function countEntries(signal: Signal, bytes: Uint8Array, max: number): { counts: EntryCounts; overflow?: Overflow } {
  const counts: EntryCounts = { resources: 0, scopes: 0, records: 0, points: 0 };
  const overflow = scanRequest(signal, bytes, counts, max);
  return overflow ? { counts, overflow } : { counts };
}

function scanRequest(signal: Signal, buf: Uint8Array, c: EntryCounts, max: number): Overflow | undefined {
  let pos = 0;
  const end = buf.length;
  while (pos < end) {
    const field = nextField(buf, pos, end);
    if (field < 0) return undefined;
    const start = P;
    const stop = fieldEnd(buf, field, start, end);
    if (stop < 0) return undefined;
    if (field === (1 << 3 | 2)) {
      if (++c.resources > max) return 'resources';
      const over = scanResource(signal, buf, start, stop, c, max);
      if (over) return over;
    }
    pos = stop;
  }
  return undefined;
}

/** ResourceSpans / ResourceLogs / ResourceMetrics: scope groups in field 2. */
function scanResource(signal: Signal, buf: Uint8Array, from: number, end: number, c: EntryCounts, max: number): Overflow | undefined {
  const first = lengthStart(buf, from, end);
  if (first < 0) return undefined;
  let pos = first;
  const stopAt = P;
  while (pos < stopAt) {
    const field = nextField(buf, pos, stopAt);
    if (field < 0) return undefined;
    const start = P;
    const stop = fieldEnd(buf, field, start, stopAt);
    if (stop < 0) return undefined;
    if (field === (2 << 3 | 2)) {
      if (++c.scopes > max) return 'scopes';
      const over = scanScope(signal, buf, start, stop, c, max);
      if (over) return over;
    }
    pos = stop;
  }
  return undefined;
}

/** ScopeSpans / ScopeLogs / ScopeMetrics: records in field 2. */
function scanScope(signal: Signal, buf: Uint8Array, from: number, end: number, c: EntryCounts, max: number): Overflow | undefined {
  const first = lengthStart(buf, from, end);
  if (first < 0) return undefined;
  let pos = first;
  const stopAt = P;
  while (pos < stopAt) {
    const field = nextField(buf, pos, stopAt);
    if (field < 0) return undefined;
    const start = P;
    const stop = fieldEnd(buf, field, start, stopAt);
    if (stop < 0) return undefined;
    if (field === (2 << 3 | 2)) {
      if (++c.records > max) return 'records';
      if (signal === 'metrics' && scanMetric(buf, start, stop, c, max)) return 'points';
    }
    pos = stop;
  }
  return undefined;
}

/** Metric: its data message, then that message's data points (field 1). True when points pass `max`. */
function scanMetric(buf: Uint8Array, from: number, end: number, c: EntryCounts, max: number): boolean {
  const first = lengthStart(buf, from, end);
  if (first < 0) return false;
  let pos = first;
  const stopAt = P;
  while (pos < stopAt) {
    const field = nextField(buf, pos, stopAt);
    if (field < 0) return false;
    const start = P;
    const stop = fieldEnd(buf, field, start, stopAt);
    if (stop < 0) return false;
    if ((field & 7) === 2 && METRIC_DATA_FIELDS.has(field >>> 3)) {
      const dataStart = lengthStart(buf, start, stop);
      if (dataStart < 0) return false;
      const dataEnd = P;
      let at = dataStart;
      while (at < dataEnd) {
        const inner = nextField(buf, at, dataEnd);
        if (inner < 0) return false;
        const innerStop = fieldEnd(buf, inner, P, dataEnd);
        if (innerStop < 0) return false;
        if (inner === (1 << 3 | 2) && ++c.points > max) return true;
        at = innerStop;
      }
    }
    pos = stop;
  }
  return false;
}

/** Reads a tag at `pos`; returns it (or -1 if malformed) and leaves P after it. */
function nextField(buf: Uint8Array, pos: number, end: number): number {
  return varint(buf, pos, end);
}

/** Where the field whose tag was just read ends, or -1; `start` is the position after the tag. */
function fieldEnd(buf: Uint8Array, tag: number, start: number, end: number): number {
  switch (tag & 7) {
    case 0: {
      let pos = start;
      for (let i = 0; i < 10; i++) {
        if (pos >= end) return -1;
        if (buf[pos++]! < 0x80) return pos;
      }
      return -1;
    }
    case 1:
      return start + 8 <= end ? start + 8 : -1;
    case 5:
      return start + 4 <= end ? start + 4 : -1;
    case 2: {
      const length = varint(buf, start, end);
      if (length < 0 || P + length > end) return -1;
      return P + length;
    }
    default:
      return -1;
  }
}

/** For a length-delimited field whose body follows `start`: returns the body's start and sets P to its end. */
function lengthStart(buf: Uint8Array, start: number, end: number): number {
  const length = varint(buf, start, end);
  if (length < 0 || P + length > end) return -1;
  const bodyStart = P;
  P = bodyStart + length;
  return bodyStart;
}

/** A varint of at most 32 bits (tags, lengths); -1 if malformed. Sets P after it. */
function varint(buf: Uint8Array, pos: number, end: number): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) return -1;
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      P = pos;
      return result > 0xffffffff ? -1 : result;
    }
  }
  return -1;
}
