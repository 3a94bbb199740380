// Reads from ranges the validating walk already checked. Loops always advance, so even bytes
// changed behind the view's back cannot make them spin; they would only read wrong values.

/** Position after the last read (module state: no result object per read). */
export let P = 0;
/** High 32 bits of the last 64-bit read (low bits are the return value). */
export let HI = 0;

export function varint(buf: Uint8Array, pos: number): number {
  let b = buf[pos++]!;
  if (b < 0x80) { P = pos; return b; }
  let result = b & 0x7f;
  let mul = 0x80;
  for (let i = 1; i < 10; i++) {
    b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    mul *= 0x80;
    if (b < 0x80) break;
  }
  P = pos;
  return result;
}

/** Reads a varint as 64 bits: returns the low 32 bits (unsigned), sets HI. */
export function varint64(buf: Uint8Array, pos: number): number {
  let lo = 0;
  let hi = 0;
  let i = 0;
  let b = 0;
  for (; i < 4; i++) {
    b = buf[pos++]!;
    lo |= (b & 0x7f) << (7 * i);
    if (b < 0x80) { P = pos; HI = 0; return lo >>> 0; }
  }
  b = buf[pos++]!;
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (i = 0; i < 5; i++) {
      b = buf[pos++]!;
      hi |= (b & 0x7f) << (7 * i + 3);
      if (b < 0x80) break;
    }
  }
  P = pos;
  HI = hi >>> 0;
  return lo >>> 0;
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

const TWO32 = 0x100000000;

/** An int64 (two's complement) from halves: a number when exact, else a bigint. */
export function int64Value(lo: number, hi: number): number | bigint {
  if (hi < 0x200000) return hi * TWO32 + lo;
  if (hi > 0xffe00000 || (hi === 0xffe00000 && lo > 0)) return (hi - TWO32) * TWO32 + lo; // negative, |v| < 2^53
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

export function uint64BigInt(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Skips the value of a field with wire type `wt` starting at `pos`; returns the next position. */
export function skip(buf: Uint8Array, pos: number, wt: number): number {
  switch (wt) {
    case 0:
      while (buf[pos++]! >= 0x80);
      return pos;
    case 1: return pos + 8;
    case 5: return pos + 4;
    case 2: {
      const len = varint(buf, pos);
      return P + len;
    }
    default: return pos + 1;
  }
}

/**
 * Finds the last length-delimited field `no` (the one that counts, for a singular field) in the
 * body `[pos, end)`: returns the start of its value and sets P to the value's end; -1 if absent.
 */
export function lastLenField(buf: Uint8Array, pos: number, end: number, no: number): number {
  const want = (no << 3) | 2;
  let at = -1;
  let to = 0;
  while (pos < end) {
    let tag = buf[pos]!;
    if (tag < 0x80) pos++;
    else { tag = varint(buf, pos); pos = P; }
    if (tag === want) {
      let len = buf[pos]!;
      if (len < 0x80) pos++;
      else { len = varint(buf, pos); pos = P; }
      at = pos;
      to = pos + len;
      pos = to;
    } else pos = skip(buf, pos, tag & 7);
  }
  P = to;
  return at;
}

/**
 * Scans a message body once and remembers where each field up to number 31 sits (the last
 * occurrence wins, as protobuf says for singular fields). Cursors call `scan` once per record
 * and then answer each accessor in O(1), instead of rescanning the record per accessor.
 */
export class FieldTable {
  /** Offset of the value (after tag and, for length-delimited fields, after the length), or -1. */
  readonly at = new Int32Array(32).fill(-1);
  /** End of the value for length-delimited fields. */
  readonly to = new Int32Array(32);

  scan(buf: Uint8Array, pos: number, end: number): void {
    const at = this.at;
    at.fill(-1);
    while (pos < end) {
      let tag = buf[pos]!;
      if (tag < 0x80) pos++;
      else { tag = varint(buf, pos); pos = P; }
      const no = tag >>> 3;
      const wt = tag & 7;
      if (wt === 2) {
        const len = varint(buf, pos);
        pos = P;
        if (no < 32) { at[no] = pos; this.to[no] = pos + len; }
        pos += len;
      } else {
        if (no < 32) at[no] = pos;
        pos = skip(buf, pos, wt);
      }
    }
  }
}
