// UTF-8 decoding and validation over byte ranges, without copying the bytes.

const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();

// On Node, Buffer's native utf8Slice decodes a range without allocating a subarray view: it
// measured 41 ns per short string against 69-78 ns for String.fromCharCode loops and
// TextDecoder.decode(subarray) (scratch micro-benchmark, Node 20, 10-25 byte keys). It replaces
// invalid sequences with U+FFFD, like the TextDecoder fallback used elsewhere.
type Slice = (this: Uint8Array, start: number, end: number) => string;
const nodeBuffer = (globalThis as { Buffer?: { prototype: { utf8Slice?: Slice } } }).Buffer;
const utf8Slice: Slice | undefined = nodeBuffer?.prototype.utf8Slice;
// Strings up to SHORT units are written by a loop while they are ASCII. 64, not 32: pseudonyms
// (`hmac:<id>:` and 22 characters, 33 and more) went to encodeInto, whose native call and output
// subarray cost more than the loop (1.2% of a processing thread's profile).
const SHORT = 64;

/** Decodes `buf[start, end)`; invalid sequences become U+FFFD. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len <= 0) return '';
  if (len <= SHORT_ASCII) {
    const s = shortAscii(buf, start, len);
    if (s !== undefined) return s;
  }
  if (utf8Slice !== undefined) return utf8Slice.call(buf, start, end);
  return lossy.decode(buf.subarray(start, end));
}

// Most attribute values are short ASCII (methods, routes, hosts, addresses). For those, one
// String.fromCharCode call with the bytes as arguments skips the native call's overhead: 35 ns
// against 46 ns per string for utf8Slice (scratch micro-benchmark, Node 20, 3-14 byte strings),
// and decode+visit on the bench corpus (7 string values per span) went from ~860 to ~700 ns/span.
const SHORT_ASCII = 16;
const fromCharCode = String.fromCharCode;

/** `buf[s, s + n)` as a string when every byte is ASCII and 1 <= n <= 16, else undefined. */
function shortAscii(b: Uint8Array, s: number, n: number): string | undefined {
  let or = 0;
  for (let i = s; i < s + n; i++) or |= b[i]!;
  if (or >= 0x80) return undefined;
  switch (n) {
    case 1: return fromCharCode(b[s]!);
    case 2: return fromCharCode(b[s]!, b[s + 1]!);
    case 3: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    case 9: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!);
    case 10: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!);
    case 11: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!);
    case 12: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!);
    case 13: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!);
    case 14: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!);
    case 15: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!);
    default: return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!, b[s + 15]!);
  }
}

/** Returns the offset of the first byte of an invalid sequence in `buf[start, end)`, or -1. */
export function findInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = buf[i]!;
    if (c < 0x80) { i++; continue; }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    if (i + need >= end) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const b = buf[i + k]!;
      if ((b & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Byte length of `s` in UTF-8 (lone surrogates count as U+FFFD, 3 bytes, as TextEncoder writes them). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { n += 4; i++; } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Writes `s` as UTF-8 into `buf` at `pos` (room must exist); returns the new position. */
export function writeUtf8(s: string, buf: Uint8Array, pos: number): number {
  const n = s.length;
  if (n <= SHORT) {
    let p = pos;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i === n) return p;
  }
  return pos + encoder.encodeInto(s, buf.subarray(pos)).written;
}
