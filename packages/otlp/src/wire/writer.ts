import { utf8Length, writeUtf8 } from './utf8.js';

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Len = 2,
  Fixed32 = 5,
}

export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  if (v < 0x800000000) return 5;
  return Math.ceil(Math.log2(v + 1) / 7);
}

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);

/**
 * A growable protobuf output buffer. Nested messages are written in place: `begin` reserves
 * room for the length prefix and `end` patches it, moving the body only when the reservation
 * was the wrong size (rare: callers pass the size they expect).
 */
export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(initialSize = 4096) {
    this.buf = new Uint8Array(initialSize);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Non-negative integer up to 2^53; anything else throws (it would write a malformed varint). */
  varint(v: number): void {
    // One compare lets every uint32 through (tags and lengths): the full check is for the rest.
    if ((v >>> 0) !== v && !(v >= 0 && Number.isSafeInteger(v))) {
      throw new RangeError(`ProtoWriter.varint takes an integer in [0, 2^53), not ${v}: write negative or 64-bit values with varint64`);
    }
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    if (v < 0x80) {
      buf[p++] = v;
      this.pos = p;
      return;
    }
    while (v > 0xffffffff) {
      buf[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
  }

  /** Any 64-bit value given as two's-complement halves (negative int64 takes 10 bytes). */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0 || lo > 0x7f) {
      buf[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[p++] = lo;
    this.pos = p;
  }

  tag(field: number, wireType: WireType): void {
    this.varint(field * 8 + wireType);
  }

  fixed32(v: number): void {
    this.ensure(4);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = v & 0xff;
    buf[p + 1] = (v >>> 8) & 0xff;
    buf[p + 2] = (v >>> 16) & 0xff;
    buf[p + 3] = (v >>> 24) & 0xff;
    this.pos = p + 4;
  }

  fixed64(lo: number, hi: number): void {
    this.fixed32(lo);
    this.fixed32(hi);
  }

  double(v: number): void {
    f64[0] = v;
    this.raw(f64bytes, 0, 8);
  }

  /** Copies `src[start, end)` verbatim. */
  raw(src: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    this.pos = this.copier.copy(this.buf, this.pos, src, start, end);
  }

  private readonly copier = new Copier();

  /** A length-delimited field whose body is `src[start, end)`. */
  bytesField(field: number, src: Uint8Array, start: number, end: number): void {
    this.tag(field, WireType.Len);
    this.varint(end - start);
    this.raw(src, start, end);
  }

  stringField(field: number, s: string): void {
    this.tag(field, WireType.Len);
    this.string(s);
  }

  /** Length prefix plus UTF-8 bytes of `s`. */
  string(s: string): void {
    const n = s.length;
    if (n < 43) {
      // At most 3 bytes per UTF-16 unit, so the length fits one varint byte: write in place.
      this.ensure(1 + 3 * n);
      const start = this.pos + 1;
      const end = writeUtf8(s, this.buf, start);
      this.buf[this.pos] = end - start;
      this.pos = end;
      return;
    }
    const len = utf8Length(s);
    this.varint(len);
    this.ensure(len);
    this.pos = writeUtf8(s, this.buf, this.pos);
  }

  /**
   * Starts a nested message: reserves `expected` bytes' worth of length prefix and returns a
   * marker for `end`.
   */
  begin(expectedLength = 0): number {
    const reserve = varintSize(expectedLength);
    this.ensure(reserve);
    const marker = this.pos * 8 + reserve;
    this.pos += reserve;
    return marker;
  }

  end(marker: number): void {
    const reserve = marker & 7;
    const at = (marker - reserve) / 8;
    const bodyStart = at + reserve;
    const len = this.pos - bodyStart;
    const size = varintSize(len);
    if (size !== reserve) {
      this.ensure(size - reserve);
      this.buf.copyWithin(at + size, bodyStart, this.pos);
      this.pos += size - reserve;
    }
    putVarint(this.buf, at, len);
  }

  /** The bytes written so far (a view over the internal buffer, not a copy). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Writes `v` (< 2^32) as a varint at `at` of `out` (room must exist); returns the position after it. */
export function putVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) { out[at++] = (v & 0x7f) | 0x80; v >>>= 7; }
  out[at++] = v;
  return at;
}

/** Copies between byte arrays, keeping DataViews over the last two it copied between. */
export class Copier {
  private readonly viewed: (Uint8Array | undefined)[] = [undefined, undefined];
  private readonly views: DataView[] = [];

  /** Copies `src[start, end)` to `dst` at `at` (room must exist); returns the position after it. */
  copy(dst: Uint8Array, at: number, src: Uint8Array, start: number, end: number): number {
    const n = end - start;
    let p = at;
    // Short runs byte by byte; up to ~100 bytes four at a time through DataViews; longer ones by
    // `set` over a subarray, whose new view object costs ~50 ns whatever the length (40 bytes:
    // 21 against 48 ns; 150 bytes: 80 against 52 ns; scratch micro-benchmark, Node 20). Below
    // that, a subarray per copy was also 192 bytes of garbage a span for the content rewriter
    // (allocation sampling, bench corpus).
    if (n < 8) {
      for (let i = start; i < end; i++) dst[p++] = src[i]!;
    } else if (n < 112) {
      const to = this.viewOf(dst, 0);
      const from = this.viewOf(src, 1);
      let i = start;
      for (; i + 4 <= end; i += 4, p += 4) to.setInt32(p, from.getInt32(i, true), true);
      for (; i < end; i++) dst[p++] = src[i]!;
    } else {
      dst.set(src.subarray(start, end), p);
      p += n;
    }
    return p;
  }

  private viewOf(a: Uint8Array, slot: number): DataView {
    if (this.viewed[slot] !== a) {
      this.viewed[slot] = a;
      this.views[slot] = new DataView(a.buffer, a.byteOffset, a.byteLength);
    }
    return this.views[slot]!;
  }
}
