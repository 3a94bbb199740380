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

/** Messages on the way down: request → resource group → scope group → record → (metric data). */
const enum Depth {
  Request = 0,
  Resource = 1,
  Scope = 2,
  Metric = 3,
  MetricData = 4,
}

/** The length-delimited field that holds the next depth's entries: resource_* = 1, scope_* = 2, records = 2, data_points = 1. */
const ENTRY_TAG = [1 << 3 | 2, 2 << 3 | 2, 2 << 3 | 2, -1, 1 << 3 | 2];
const LEVEL_AT: readonly Overflow[] = ['resources', 'scopes', 'records', 'records', 'points'];
const LEVEL_INDEX = [0, 1, 2, 2, 3];

/**
 * Counts entries, stopping as soon as one level passes `max` (then `overflow` names it). The scan
 * does not validate: where the bytes are malformed it stops counting that message, and the
 * codec's validating walk refuses the request with the byte offset.
 */
export function countEntries(signal: Signal, bytes: Uint8Array, max: number): { counts: EntryCounts; overflow?: Overflow } {
  const scanner = new EntryScanner(bytes, signal === 'metrics', max);
  const overflow = scanner.walk(0, bytes.length, Depth.Request);
  return overflow ? { counts: scanner.counts, overflow } : { counts: scanner.counts };
}

class EntryScanner {
  /** Per level: resources, scopes, records, points (a plain array: indexed by LEVEL_INDEX). */
  private readonly n = [0, 0, 0, 0];
  /** Position after the last varint read. */
  private p = 0;

  constructor(private readonly buf: Uint8Array, private readonly metrics: boolean, private readonly max: number) {}

  get counts(): EntryCounts {
    const n = this.n;
    return { resources: n[0]!, scopes: n[1]!, records: n[2]!, points: n[3]! };
  }

  /** Walks the fields of the message in [start, end) at `depth`; returns the level that passed `max`. */
  walk(start: number, end: number, depth: Depth): Overflow | undefined {
    const entryTag = ENTRY_TAG[depth]!;
    const level = LEVEL_INDEX[depth]!;
    const next = depth + 1;
    const descend = next === Depth.Metric ? this.metrics : next < Depth.Metric;
    let pos = start;
    while (pos < end) {
      const tag = this.varint(pos, end);
      if (tag < 0) return undefined;
      const stop = this.fieldEnd(tag, this.p, end);
      if (stop < 0) return undefined;
      // For a length-delimited field, p is now where its body starts.
      const bodyStart = this.p;
      if (tag === entryTag) {
        if (++this.n[level]! > this.max) return LEVEL_AT[depth];
        if (descend) {
          const over = this.walk(bodyStart, stop, next);
          if (over) return over;
        }
      } else if (depth === Depth.Metric && (tag & 7) === 2 && METRIC_DATA_FIELDS.has(tag >>> 3)) {
        const over = this.walk(bodyStart, stop, Depth.MetricData);
        if (over) return over;
      }
      pos = stop;
    }
    return undefined;
  }

  /** Where the field whose tag was just read ends, or -1; `start` is the position after the tag. */
  private fieldEnd(tag: number, start: number, end: number): number {
    switch (tag & 7) {
      case 0: {
        let pos = start;
        for (let i = 0; i < 10; i++) {
          if (pos >= end) return -1;
          if (this.buf[pos++]! < 0x80) return pos;
        }
        return -1;
      }
      case 1:
        return start + 8 <= end ? start + 8 : -1;
      case 5:
        return start + 4 <= end ? start + 4 : -1;
      case 2: {
        const length = this.varint(start, end);
        if (length < 0 || this.p + length > end) return -1;
        return this.p + length;
      }
      default:
        return -1;
    }
  }

  /** A varint of at most 32 bits (tags, lengths); -1 if malformed. Sets p after it. */
  private varint(pos: number, end: number): number {
    const buf = this.buf;
    if (pos < end && buf[pos]! < 0x80) {
      this.p = pos + 1;
      return buf[pos]!;
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (pos >= end) return -1;
      const b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.p = pos;
        return result > 0xffffffff ? -1 : result;
      }
      scale *= 128;
    }
    return -1;
  }
}
