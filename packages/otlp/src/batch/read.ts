// Reads from ranges the validating walk already checked. Loops always advance, so even bytes
// changed behind the view's back cannot make them spin; they would read wrong values or throw
// OtlpDecodeError.
import { OtlpDecodeError } from '../wire/errors.js';

const TWO32 = 0x100000000;
const EMPTY = new Uint8Array(0);

/**
 * Reads varints from one buffer. It is the one varint decoder of the package: the validating
 * walk and every cursor own one, and so do the gateway's taps that read a view's checked bytes
 * in their own passes. A read returns its value and leaves the position after it in
 * `pos` (and the high half of a 64-bit value in `hi`), so no result object is allocated per read
 * and no state is shared between readers.
 */
export class WireReader {
  buf: Uint8Array = EMPTY;
  /** Position after the last read. */
  pos = 0;
  /** High 32 bits of the last `varint64` (its low bits are the return value). */
  hi = 0;
  /** Value start of the field `nextLen` found (`pos` is its end). */
  at = 0;

  /** Reads from `buf` from now on. */
  reset(buf: Uint8Array): this {
    this.buf = buf;
    return this;
  }

  /**
   * Reads the varint at `pos`, which must end before `end`: returns the low 32 bits unsigned and
   * sets `hi` and `pos`. Throws OtlpDecodeError (offset `at`) when it runs past `end`, is longer
   * than 10 bytes or overflows 64 bits; over ranges the walk checked, it never throws.
   */
  varint64(pos: number, end = this.buf.length, at = pos): number {
    const b = this.buf[pos]!;
    if (b < 0x80 && pos < end) { // one byte: most tags, lengths and small values
      this.pos = pos + 1;
      this.hi = 0;
      return b;
    }
    return this.longVarint64(pos, end, at);
  }

  private longVarint64(pos: number, end: number, at: number): number {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new OtlpDecodeError('OTLP_TRUNCATED', at, 'varint runs past the end of its message');
      const b = buf[pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) { lo |= (b & 0x0f) << 28; hi = (b & 0x7f) >>> 4; }
      else if (i < 9) hi |= (b & 0x7f) << (7 * i - 32);
      else if (b > 1) throw new OtlpDecodeError('OTLP_VARINT_OVERLONG', at, 'varint overflows 64 bits');
      else hi |= b << 31;
      if (b < 0x80) {
        this.pos = pos;
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
    }
    throw new OtlpDecodeError('OTLP_VARINT_OVERLONG', at, 'varint longer than 10 bytes');
  }

  /** An unsigned varint as a number (exact below 2^53: tags, lengths, counts); sets `pos`. */
  varint(pos: number): number {
    const b = this.buf[pos]!;
    if (b < 0x80) { this.pos = pos + 1; return b; }
    const lo = this.longVarint64(pos, this.buf.length, pos);
    return this.hi * TWO32 + lo;
  }

  /** A varint that must fit 32 bits unsigned (the walk's tags and lengths); sets `pos`. */
  varint32(pos: number, end: number, at: number): number {
    const lo = this.varint64(pos, end, at);
    if (this.hi !== 0) throw new OtlpDecodeError('OTLP_TRUNCATED', at, 'length or tag exceeds 32 bits');
    return lo;
  }

  /** Skips the value of a field with wire type `wt` starting at `pos`; returns the next position. */
  skip(pos: number, wt: number): number {
    const b = this.buf[pos]!;
    switch (wt) {
      case 0:
        if (b < 0x80) return pos + 1;
        this.varint64(pos);
        return this.pos;
      case 1: return pos + 8;
      case 5: return pos + 4;
      case 2: {
        if (b < 0x80) return pos + 1 + b;
        const len = this.varint(pos);
        return this.pos + len;
      }
      default: return pos + 1;
    }
  }

  /**
   * Moves to the next length-delimited field in `[pos, end)`, skipping the others: returns its
   * tag and sets `at` and `pos` to its value's start and end; -1 when none is left.
   */
  nextLen(pos: number, end: number): number {
    while (pos < end) {
      const tag = this.varint(pos);
      pos = this.pos;
      if ((tag & 7) !== 2) { pos = this.skip(pos, tag & 7); continue; }
      const len = this.varint(pos);
      this.at = this.pos;
      this.pos = this.at + len;
      return tag;
    }
    return -1;
  }

  /**
   * Finds the length-delimited field `no` in the body `[pos, end)`: returns the start of its
   * value and sets `pos` to the value's end; -1 if absent. For a string or bytes field the last
   * copy counts, as protobuf says; a singular message occurs at most once (the walk refuses a
   * second copy with OTLP_DUPLICATE_FIELD), so there is nothing to merge.
   */
  lenField(pos: number, end: number, no: number): number {
    const want = (no << 3) | 2;
    let at = -1;
    let to = 0;
    while (pos < end) {
      const tag = this.varint(pos);
      pos = this.pos;
      if (tag === want) {
        const len = this.varint(pos);
        at = this.pos;
        to = at + len;
        pos = to;
      } else pos = this.skip(pos, tag & 7);
    }
    this.pos = to;
    return at;
  }
}

export function fixed32(buf: Uint8Array, pos: number): number {
  return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
}

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);

export function double(buf: Uint8Array, pos: number): number {
  for (let i = 0; i < 8; i++) f64bytes[i] = buf[pos + i]!;
  return f64[0]!;
}

/** An int64 (two's complement) from halves: a number when exact, else a bigint. */
export function int64Value(lo: number, hi: number): number | bigint {
  if (hi < 0x200000) return hi * TWO32 + lo;
  if (hi > 0xffe00000 || (hi === 0xffe00000 && lo > 0)) return (hi - TWO32) * TWO32 + lo; // negative, |v| < 2^53
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

export function uint64BigInt(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
/**
 * Scans a message body once and remembers where each field up to number 31 sits. For a scalar,
 * string or bytes field the last copy counts, as protobuf says and every parser does; a singular
 * message field has one copy at most, because the walk refuses a second (protobuf parsers would
 * merge the copies, which no slot here could represent). Cursors call `scan` once per record
 * and then answer each accessor in O(1), instead of rescanning the record per accessor.
 */
export class FieldTable {
  /** Offset of the value (after tag and, for length-delimited fields, after the length), or -1. */
  readonly at = new Int32Array(32).fill(-1);
  /** End of the value for length-delimited fields. */
  readonly to = new Int32Array(32);

  scan(r: WireReader, pos: number, end: number): void {
    const buf = r.buf;
    const at = this.at;
    at.fill(-1);
    while (pos < end) {
      let tag = buf[pos]!;
      if (tag < 0x80) pos++;
      else { tag = r.varint(pos); pos = r.pos; }
      const no = tag >>> 3;
      const wt = tag & 7;
      if (wt === 2) {
        const len = r.varint(pos);
        pos = r.pos;
        if (no < 32) { at[no] = pos; this.to[no] = pos + len; }
        pos += len;
      } else {
        if (no < 32) at[no] = pos;
        pos = r.skip(pos, wt);
      }
    }
  }
}
