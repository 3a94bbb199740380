// The tap's per-batch accumulators: a Row per (group, place, key) and a Group per (service,
// signal, name, kind), with the batch's distinct-value sketch in dense scratch registers. They
// live on between batches while they keep being seen (tap.ts drops the rest).
import { MergeableSketch, SKETCH_REGISTERS } from '../livecheck/hll.js';
import type { BatchView } from '@cairn/otlp';
import { PLACES, type AttributeDelta, type Place } from './types.js';

export interface KeyInfo {
  /** An attribute of the org's registry, or under one of its namespaces: business context. */
  org: boolean;
  /** Enum or `public`: its values may be kept. */
  values: boolean;
  /** Declared pii or secret: no need to look for PII. */
  declaredSensitive: boolean;
  /** 1: `SampleRate` (the upstream weight), 2: `http.route`; 0: neither. */
  special: number;
}

export const SAMPLE_RATE = 1;
export const HTTP_ROUTE = 2;

/** Dense scratch registers kept across batches (16 KiB each): at most this many. */
const SCRATCH_POOL = 256;

/**
 * A row's sketch for one batch: dense registers from a pool (setting one is an array write, no
 * Map), with the list of registers set so that encoding and clearing touch only those; past the
 * pool, a MergeableSketch.
 */
export interface ScratchPool {
  free: Uint8Array[];
  created: number;
}

export class BatchSketch {
  private indexes = new Int32Array(64);
  private count = 0;
  private fallback: MergeableSketch | undefined;
  constructor(private registers: Uint8Array | undefined) {
    if (registers === undefined) this.fallback = new MergeableSketch();
  }

  static take(pool: ScratchPool): BatchSketch {
    let registers = pool.free.pop();
    if (registers === undefined && pool.created < SCRATCH_POOL) {
      pool.created++;
      registers = new Uint8Array(SKETCH_REGISTERS);
    }
    return new BatchSketch(registers);
  }

  add(code: number): void {
    const registers = this.registers;
    if (registers === undefined) {
      this.fallback!.addCode(code);
      return;
    }
    const index = code >>> 6;
    const rank = code & 63;
    const old = registers[index]!;
    if (rank <= old) return;
    if (old === 0) {
      if (this.count === this.indexes.length) {
        const grown = new Int32Array(this.indexes.length * 4);
        grown.set(this.indexes);
        this.indexes = grown;
      }
      this.indexes[this.count++] = index;
    }
    registers[index] = rank;
  }

  /** This batch's bytes; the sketch starts empty again (only the registers that were set are cleared). */
  finish(): Uint8Array {
    const registers = this.registers;
    if (registers === undefined) {
      const out = this.fallback!.toBytes();
      this.fallback = new MergeableSketch();
      return out;
    }
    const out = MergeableSketch.encode(registers, this.indexes, this.count);
    for (let i = 0; i < this.count; i++) registers[this.indexes[i]!] = 0;
    this.count = 0;
    return out;
  }

  /** Gives the (cleared) registers back to the pool: the row is dropped. */
  release(pool: ScratchPool): void {
    if (this.registers === undefined) return;
    for (let i = 0; i < this.count; i++) this.registers[this.indexes[i]!] = 0;
    this.count = 0;
    pool.free.push(this.registers);
    this.registers = undefined;
  }
}

export class Row {
  readonly types: string[] = [];
  count = 0;
  observed = 0;
  bytes = 0;
  readonly sketch: BatchSketch;
  /** Kept values by the hash of their bytes, so a repeated value is not decoded again. */
  values: Map<number, { value: string; count: number }> | undefined;
  findings: Record<string, number> | undefined;
  scanned = 0;
  constructor(readonly key: string, readonly place: Place, readonly info: KeyInfo, pool: ScratchPool) {
    if (info.values) this.values = new Map();
    this.sketch = BatchSketch.take(pool);
  }

  /** This batch's counts, and the row starts the next batch empty. */
  take(): AttributeDelta {
    const out: AttributeDelta = {
      key: this.key, place: this.place, types: this.types.slice(), count: this.count, observed: this.observed, bytes: this.bytes, sketch: this.sketch.finish(),
      ...(this.values && this.values.size > 0 ? { values: valuesOf(this.values) } : {}),
      ...(this.findings ? { findings: this.findings } : {}),
      ...(this.scanned > 0 ? { scanned: this.scanned } : {}),
    };
    this.types.length = 0;
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

export function find(kinds: Group[] | undefined, kind: string): Group | undefined {
  if (kinds !== undefined) for (const g of kinds) if (g.kind === kind) return g;
  return undefined;
}

export function valuesOf(values: Map<number, { value: string; count: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { value, count } of values.values()) out[value] = (out[value] ?? 0) + count;
  return out;
}

