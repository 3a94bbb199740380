/**
 * HyperLogLog distinct-value estimate (Flajolet et al. 2007, with linear counting for small
 * counts). 2^14 one-byte registers: 16 KiB per estimated key, standard error 1.04/128 ≈ 0.8%.
 * Values are hashed twice (two seeds of one 32-bit hash): the first picks the register, the
 * second gives the rank, so 32 bits of rank stay usable up to billions of distinct values.
 */
const P = 14;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** FNV-1a over UTF-16 code units, finished with murmur3's fmix32 so every input bit reaches every output bit. */
export function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over bytes `[start, end)` finished like hash32: hashes a value straight from the wire, undecoded. */
export function hashBytes32(buf: Uint8Array, start: number, end: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = start; i < end; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** The second seed of HyperLogLog.add: its rank hash. */
const RANK_SEED = 0x9e3779b9;

/**
 * One observation as a number, from one 32-bit hash: the register index (its top 14 bits) above
 * the rank of the other 18 (6 bits; at most 19, enough for estimates into the billions).
 */
export function sketchCode(hash: number): number {
  return ((hash >>> (32 - P)) << 6) | (Math.clz32((hash << P) | (1 << (P - 1))) + 1);
}

function estimateOf(sum: number, zeros: number): number {
  const raw = (ALPHA * M * M) / sum;
  if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
  return Math.round(raw);
}

/** Registers of a sketch (2^14), for MergeableSketch.encode. */
export const SKETCH_REGISTERS = M;

export class HyperLogLog {
  private readonly registers = new Uint8Array(M);

  add(value: string): void {
    const index = hash32(value, 0) >>> (32 - P);
    const rank = Math.clz32(hash32(value, RANK_SEED)) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  /** The estimated number of distinct values added. */
  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    return estimateOf(sum, zeros);
  }
}

/** Sparse sketches past this many registers turn dense (a sparse entry costs ~4 bytes serialised, dense 16 KiB). */
const SPARSE_LIMIT = 3072;
const SPARSE_TAG = 1;
const DENSE_TAG = 2;

/**
 * The same HyperLogLog, mergeable and serialisable, for the inventory: sketches are built per
 * batch on the processing threads, shipped as bytes, merged on the main thread and stored per time
 * bucket. Sparse (register → rank) while few registers are set, so the many low-cardinality keys
 * cost bytes, not 16 KiB each. Only hashes enter it: a sketch never holds a value.
 */
export class MergeableSketch {
  private sparse: Map<number, number> | undefined = new Map();
  private dense: Uint8Array | undefined;

  /** Adds one observation given as `sketchCode(h1, h2)`. */
  addCode(code: number): void {
    const index = code >>> 6;
    const rank = code & 63;
    if (this.sparse) {
      const prev = this.sparse.get(index);
      if (prev === undefined || rank > prev) {
        this.sparse.set(index, rank);
        if (this.sparse.size > SPARSE_LIMIT) this.densify();
      }
      return;
    }
    if (rank > this.dense![index]!) this.dense![index] = rank;
  }

  merge(other: MergeableSketch): void {
    if (other.sparse) {
      for (const [index, rank] of other.sparse) this.addCode((index << 6) | rank);
      return;
    }
    if (this.sparse) this.densify();
    const mine = this.dense!;
    const theirs = other.dense!;
    for (let i = 0; i < M; i++) if (theirs[i]! > mine[i]!) mine[i] = theirs[i]!;
  }

  estimate(): number {
    if (this.sparse) {
      let sum = M - this.sparse.size;
      for (const rank of this.sparse.values()) sum += 2 ** -rank;
      return estimateOf(sum, M - this.sparse.size);
    }
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.dense![i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    return estimateOf(sum, zeros);
  }

  /** Tag byte, then big-endian uint32 codes (sparse) or the 2^14 registers (dense). */
  toBytes(): Uint8Array {
    if (this.dense) {
      const out = new Uint8Array(1 + M);
      out[0] = DENSE_TAG;
      out.set(this.dense, 1);
      return out;
    }
    const out = new Uint8Array(1 + 4 * this.sparse!.size);
    out[0] = SPARSE_TAG;
    const view = new DataView(out.buffer);
    let at = 1;
    for (const [index, rank] of this.sparse!) {
      view.setUint32(at, (index << 6) | rank);
      at += 4;
    }
    return out;
  }

  /**
   * `toBytes()` of the sketch whose registers are `registers` (2^14), set at the `count` indexes
   * listed in `indexes`: for callers that keep a dense scratch array and list what they set.
   */
  static encode(registers: Uint8Array, indexes: Int32Array, count: number): Uint8Array {
    if (count > SPARSE_LIMIT) {
      const out = new Uint8Array(1 + M);
      out[0] = DENSE_TAG;
      out.set(registers, 1);
      return out;
    }
    const out = new Uint8Array(1 + 4 * count);
    out[0] = SPARSE_TAG;
    const view = new DataView(out.buffer);
    for (let i = 0; i < count; i++) {
      const index = indexes[i]!;
      view.setUint32(1 + 4 * i, (index << 6) | registers[index]!);
    }
    return out;
  }

  /** Reads `toBytes()`; anything else (a corrupt row) throws a RangeError naming the length. */
  static fromBytes(bytes: Uint8Array): MergeableSketch {
    const sketch = new MergeableSketch();
    if (bytes[0] === DENSE_TAG && bytes.length === 1 + M) {
      sketch.sparse = undefined;
      sketch.dense = bytes.slice(1);
      for (let i = 0; i < M; i++) if (sketch.dense[i]! > 33) throw new RangeError(`sketch register ${i} holds ${sketch.dense[i]}`);
      return sketch;
    }
    if (bytes[0] !== SPARSE_TAG || (bytes.length - 1) % 4 !== 0) throw new RangeError(`not a sketch: ${bytes.length} bytes, tag ${bytes[0]}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 1; at < bytes.length; at += 4) {
      const code = view.getUint32(at);
      if (code >>> 6 >= M || (code & 63) > 33) throw new RangeError(`sketch entry at byte ${at} out of range`);
      sketch.addCode(code);
    }
    return sketch;
  }

  private densify(): void {
    const dense = new Uint8Array(M);
    for (const [index, rank] of this.sparse!) dense[index] = rank;
    this.dense = dense;
    this.sparse = undefined;
  }
}

/**
 * Exact below `exactLimit` distinct values (a Set), HyperLogLog above: most keys have few values,
 * and those get an exact count without paying 16 KiB each.
 */
export class DistinctCounter {
  private exact: Set<string> | undefined = new Set();
  private sketch: HyperLogLog | undefined;

  constructor(private readonly exactLimit = 1024) {}

  add(value: string): void {
    if (this.exact) {
      this.exact.add(value);
      if (this.exact.size <= this.exactLimit) return;
      this.sketch = new HyperLogLog();
      for (const v of this.exact) this.sketch.add(v);
      this.exact = undefined;
      return;
    }
    this.sketch!.add(value);
  }

  /** The distinct count, and whether it is exact. */
  get count(): { value: number; exact: boolean } {
    return this.exact ? { value: this.exact.size, exact: true } : { value: this.sketch!.estimate(), exact: false };
  }
}
