// A row's distinct-value sketch for one batch, from the processing thread to the main thread's
// aggregate: built as a list of sketch codes, shipped as MergeableSketch bytes packed with the
// batch's other sketches in one buffer, merged into the aggregate straight from those bytes.
//
// Why a list: a batch adds at most a few hundred distinct values to a key, and appending a code
// costs a write, where setting a register of a dense 16 KiB array cost a cache miss (profiled on
// the bench corpus, ~10% of the tap). Past LIST_LIMIT codes it turns to dense registers, so a
// huge batch costs 16 KiB a row, not 4 bytes a value. Repeated values never reach it (Row.recent).
import { MergeableSketch, SKETCH_REGISTERS } from '../livecheck/hll.js';

/** Codes listed before the sketch turns dense (8 KiB of bytes; a dense sketch is 16 KiB). */
const LIST_LIMIT = 2048;
/** Dense scratch registers kept across batches (16 KiB each): at most this many. */
const SCRATCH_POOL = 256;
/** MergeableSketch.toBytes()'s tag of a sparse sketch (an empty sketch is sparse), before big-endian codes. */
const SPARSE_TAG = new MergeableSketch().toBytes()[0]!;
/** The largest rank a register holds (fromBytes refuses more). */
const MAX_RANK = 33;

export interface ScratchPool {
  free: Uint8Array[];
  created: number;
}

export class BatchSketch {
  private codes = new Int32Array(16);
  private count = 0;
  /** Past LIST_LIMIT: dense registers from the pool, with the indexes set (so clearing touches only those)… */
  private registers: Uint8Array | undefined;
  private indexes: Int32Array | undefined;
  private set = 0;
  /** …or, with the pool used up, a MergeableSketch. */
  private fallback: MergeableSketch | undefined;
  /** The dense bytes between `byteLength` and `finishInto`. */
  private pending: Uint8Array | undefined;

  constructor(private readonly pool: ScratchPool) {}

  add(code: number): void {
    const registers = this.registers;
    if (registers !== undefined) {
      const index = code >>> 6;
      const rank = code & 63;
      const old = registers[index]!;
      if (rank <= old) return;
      if (old === 0) this.indexes![this.set++] = index;
      registers[index] = rank;
      return;
    }
    if (this.fallback !== undefined) {
      this.fallback.addCode(code);
      return;
    }
    if (this.count === this.codes.length) {
      if (this.count >= LIST_LIMIT) {
        this.densify();
        this.add(code);
        return;
      }
      const grown = new Int32Array(Math.min(this.codes.length * 4, LIST_LIMIT));
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.count++] = code;
  }

  private densify(): void {
    let registers = this.pool.free.pop();
    if (registers === undefined && this.pool.created < SCRATCH_POOL) {
      this.pool.created++;
      registers = new Uint8Array(SKETCH_REGISTERS);
    }
    const codes = this.codes;
    const n = this.count;
    this.count = 0;
    if (registers === undefined) {
      this.fallback = new MergeableSketch();
    } else {
      this.registers = registers;
      this.indexes ??= new Int32Array(SKETCH_REGISTERS);
      this.set = 0;
    }
    for (let i = 0; i < n; i++) this.add(codes[i]!);
  }

  /** The bytes `finishInto` will write. */
  byteLength(): number {
    if (this.registers !== undefined) this.pending = MergeableSketch.encode(this.registers, this.indexes!, this.set);
    else if (this.fallback !== undefined) this.pending = this.fallback.toBytes();
    return this.pending === undefined ? 1 + 4 * this.count : this.pending.length;
  }

  /**
   * Writes this batch's sketch (MergeableSketch.toBytes()'s format) at `out[at…]` and returns
   * that part of `out`; the sketch starts empty again. Call `byteLength` first.
   */
  finishInto(out: Uint8Array, at: number): Uint8Array {
    const pending = this.pending;
    if (pending !== undefined) {
      out.set(pending, at);
      this.pending = undefined;
      this.clear();
      return out.subarray(at, at + pending.length);
    }
    const n = this.count;
    const codes = this.codes;
    out[at] = SPARSE_TAG;
    let p = at + 1;
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      out[p] = c >>> 24;
      out[p + 1] = c >>> 16;
      out[p + 2] = c >>> 8;
      out[p + 3] = c;
      p += 4;
    }
    this.count = 0;
    return out.subarray(at, p);
  }

  /** Back to an empty list; dense registers go back to the pool, cleared. */
  private clear(): void {
    const registers = this.registers;
    if (registers !== undefined) {
      for (let i = 0; i < this.set; i++) registers[this.indexes![i]!] = 0;
      this.pool.free.push(registers);
    }
    this.registers = undefined;
    this.set = 0;
    this.fallback = undefined;
    this.count = 0;
  }

  /** The row is dropped: its registers, if any, go back to the pool. */
  release(): void {
    this.pending = undefined;
    this.clear();
  }
}

/**
 * Merges `bytes` (MergeableSketch.toBytes()'s format) into `into`, as `into.merge(fromBytes(bytes))`
 * would without building the intermediate sketch: a batch's sparse sketch is hundreds of codes,
 * each of which cost two Map writes on the main thread. Refuses what fromBytes refuses, before
 * merging anything.
 */
export function mergeSketchBytes(into: MergeableSketch, bytes: Uint8Array): void {
  if (bytes[0] !== SPARSE_TAG || (bytes.length - 1) % 4 !== 0) {
    into.merge(MergeableSketch.fromBytes(bytes));
    return;
  }
  const n = bytes.length;
  for (let at = 1; at < n; at += 4) {
    const code = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
    if (code >>> 6 >= SKETCH_REGISTERS || (code & 63) > MAX_RANK) throw new RangeError(`sketch entry at byte ${at} out of range`);
  }
  for (let at = 1; at < n; at += 4) into.addCode(((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0);
}
