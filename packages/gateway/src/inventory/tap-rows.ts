// The tap's per-batch accumulators: a Row per (group, place, key) and a Group per (service,
// signal, name, kind), with the batch's distinct-value sketch (batch-sketch.ts). They
// live on between batches while they keep being seen (tap.ts drops the rest).
import { BatchSketch, type ScratchPool } from './batch-sketch.js';
import type { BatchView } from '@cairn/otlp';
import type { KeyInfo } from './key-info.js';
import { PLACES, type AttributeDelta, type Place } from './types.js';

/** Entries of Row.recent (a power of two). */
export const RECENT = 32;

export class Row {
  readonly types: string[] = [];
  count = 0;
  observed = 0;
  bytes = 0;
  readonly sketch: BatchSketch;
  /**
   * Hashes already added to this batch's sketch, direct-mapped by their low bits (-1: none): most
   * keys carry a handful of values, and a repeated one skips the sketch's 16 KiB registers (a
   * cache miss each, ~50 rows a batch) for a read of this small array. Cleared with the sketch.
   */
  readonly recent = new Float64Array(RECENT).fill(-1);
  /** Kept values by the hash of their bytes, so a repeated value is not decoded again. */
  values: Map<number, { value: string; count: number }> | undefined;
  findings: Record<string, number> | undefined;
  scanned = 0;
  constructor(readonly key: string, readonly place: Place, readonly info: KeyInfo, pool: ScratchPool) {
    if (info.values) this.values = new Map();
    this.sketch = new BatchSketch(pool);
  }

  /**
   * This batch's counts, with the sketch written at `sketches[at…]` (`sketch.byteLength()` bytes:
   * the batch's sketches share one buffer, cloned once to the main thread); the row starts the
   * next batch empty.
   */
  take(sketches: Uint8Array, at: number): AttributeDelta {
    const out: AttributeDelta = {
      key: this.key, place: this.place, types: this.types.slice(), count: this.count, observed: this.observed, bytes: this.bytes, sketch: this.sketch.finishInto(sketches, at),
      ...(this.values && this.values.size > 0 ? { values: valuesOf(this.values) } : {}),
      ...(this.findings ? { findings: this.findings } : {}),
      ...(this.scanned > 0 ? { scanned: this.scanned } : {}),
    };
    this.types.length = 0;
    this.recent.fill(-1);
    this.count = this.observed = this.bytes = this.scanned = 0;
    this.values?.clear();
    this.findings = undefined;
    return out;
  }
}

export class Group {
  events = 0;
  observed = 0;
  narrow = 0;
  errors = 0;
  errorsNarrow = 0;
  keys = 0;
  /** Seen in the current batch. */
  touched = false;
  readonly rows: Map<string, Row>[] = PLACES.map(() => new Map());
  /**
   * The span rows of the last span, by attribute position: an SDK writes a span name's attributes
   * in the same order span after span, so the row is found by comparing one key, not a Map lookup.
   */
  readonly layout: Row[] = [];
  /** `shown`: the name as stored (tap.ts `unpersonal`). */
  constructor(readonly service: string, readonly signal: BatchView['signal'], readonly name: string, readonly kind: string, readonly shown: string = name) {}
}

/** The group of `signal` and `kind` among those of one service and name (the signal too: `(resource)` is a name in every signal). */
export function find(kinds: Group[] | undefined, signal: BatchView['signal'], kind: string): Group | undefined {
  if (kinds !== undefined) for (const g of kinds) if (g.kind === kind && g.signal === signal) return g;
  return undefined;
}

const GROUP_SLOTS = 256;
const GROUP_NAME_BYTES = 64;

/**
 * Span groups by the bytes of their name, kind and service: a span's group is found by comparing
 * its name's bytes in place, instead of decoding the name and looking it up in two Maps. Only a
 * group already counted in this batch (`touched`) is returned, so the first span of a group in a
 * batch goes through InventoryTap.group (the per-batch bound, `(other)`); a dropped group is never
 * touched again. Direct-mapped and bounded: a tenant's names only evict entries.
 */
export class GroupCache {
  private readonly bytes = new Uint8Array(GROUP_SLOTS * GROUP_NAME_BYTES);
  private readonly lengths = new Int32Array(GROUP_SLOTS).fill(-1);
  private readonly kinds = new Int32Array(GROUP_SLOTS);
  private readonly groups: (Group | undefined)[] = new Array<Group | undefined>(GROUP_SLOTS).fill(undefined);
  /** The slot of the last `find`, for `remember`; -1 for a name too long to cache. */
  private slot = -1;

  /** The touched group of `service`, `kind` and the name `buf[at, to)`, or undefined. */
  find(buf: Uint8Array, at: number, to: number, service: string, kind: number): Group | undefined {
    const n = to - at;
    if (n > GROUP_NAME_BYTES) {
      this.slot = -1;
      return undefined;
    }
    // The length, the kind and a few sampled bytes: the bytes are compared in full below.
    let h = Math.imul(0x811c9dc5 ^ n ^ (kind << 8), 0x01000193);
    if (n > 0) {
      h = Math.imul(h ^ buf[at]!, 0x01000193);
      h = Math.imul(h ^ buf[to - 1]!, 0x01000193);
      h = Math.imul(h ^ buf[at + (n >>> 1)]!, 0x01000193);
      h = Math.imul(h ^ buf[at + (n >>> 2)]!, 0x01000193);
      h = Math.imul(h ^ buf[to - 1 - (n >>> 2)]!, 0x01000193);
    }
    const slot = (h ^ (h >>> 16)) & (GROUP_SLOTS - 1);
    this.slot = slot;
    const g = this.groups[slot];
    if (g === undefined || !g.touched || this.lengths[slot] !== n || this.kinds[slot] !== kind || g.service !== service) return undefined;
    const bytes = this.bytes;
    const base = slot * GROUP_NAME_BYTES;
    for (let i = 0; i < n; i++) if (bytes[base + i] !== buf[at + i]) return undefined;
    return g;
  }

  /** Caches `g` for the name of the last `find`. */
  remember(buf: Uint8Array, at: number, to: number, kind: number, g: Group): void {
    const slot = this.slot;
    if (slot < 0) return;
    const base = slot * GROUP_NAME_BYTES;
    for (let i = at; i < to; i++) this.bytes[base + i - at] = buf[i]!;
    this.lengths[slot] = to - at;
    this.kinds[slot] = kind;
    this.groups[slot] = g;
  }
}

export function valuesOf(values: Map<number, { value: string; count: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { value, count } of values.values()) out[value] = (out[value] ?? 0) + count;
  return out;
}

