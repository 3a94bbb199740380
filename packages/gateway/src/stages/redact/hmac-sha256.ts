// HMAC-SHA256 with the key's inner and outer states computed once: a pseudonym then costs two
// SHA-256 compressions for a value of up to 55 bytes (one more per further 64 bytes), run in
// JavaScript over preallocated arrays by an unrolled compression (sha256-compress.generated.ts).
// Node's createHmac re-keys per call and allocates a native object, a digest buffer and a
// string: several µs a call on the shared 2-core machine, against well under one here
// (bench/gateway/dist/hmac.js measures both). Hash.copy() of precomputed states was measured
// slower still (pseudonymise.ts). Checked against createHmac byte for byte by hmac-sha256.test.ts.
import { createHash } from 'node:crypto';
import { compress } from './sha256-compress.generated.js';

const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const B64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

const encoder = new TextEncoder();

export class HmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly h = new Int32Array(8);
  private buf = new Uint8Array(256);
  /** `buf` as 32-bit words, for zeroing the padding. */
  private words = new Int32Array(this.buf.buffer);
  /** `buf` for the compression's big-endian word reads. */
  private view = new DataView(this.buf.buffer);
  /** The outer hash's one block: the inner digest in bytes 0–31; the padding after it never changes. */
  private readonly block = new Uint8Array(64);
  private readonly blockView = new DataView(this.block.buffer);
  /** The whole digest, big-endian, for lengths other than a pseudonym's. */
  private readonly digest = new DataView(new ArrayBuffer(32));
  /** The char codes of the last prefix and a pseudonym's 22 characters after it. */
  private codes: number[] = new Array<number>(22).fill(0);
  private codesPrefix = '';

  constructor(key: Uint8Array) {
    // Outer padding: 64 + 32 = 96 bytes = 768 bits.
    this.block[32] = 0x80;
    this.block[62] = 0x03;
    const k = key.length > 64 ? createHash('sha256').update(key).digest() : key;
    const pad = new Uint8Array(64);
    for (const [state, x] of [[this.inner, 0x36], [this.outer, 0x5c]] as const) {
      for (let i = 0; i < 64; i++) pad[i] = (k[i] ?? 0) ^ x;
      state.set(IV);
      compress(state, new DataView(pad.buffer), 0);
    }
  }

  /**
   * `prefix` (ASCII) followed by the first `bytes` (≤ 32) bytes of HMAC-SHA256(key, utf8(value))
   * in base64url, no padding.
   */
  base64url(value: string, bytes: number, prefix = ''): string {
    // Inner hash over utf8(value), continuing from the ipad state; 64 bytes of ipad already counted.
    if (value.length * 3 + 72 > this.buf.length) {
      this.buf = new Uint8Array((value.length * 3 + 72 + 3) & ~3);
      this.words = new Int32Array(this.buf.buffer);
      this.view = new DataView(this.buf.buffer);
    }
    const buf = this.buf;
    // ASCII (addresses, ids, most e-mails) in JavaScript: 36 against 65 ns for encodeInto's native
    // call on IPv4 addresses (scratch micro-benchmark, Node 20).
    let n = value.length;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) { n = encoder.encodeInto(value, buf).written; break; }
      buf[i] = c;
    }
    const total = 64 + n;
    let end = n;
    buf[end++] = 0x80;
    // Zeros up to the length field (at 56 mod 64), four bytes at a time once aligned: byte by byte
    // this loop was 40% of the function on short values (one thread, --cpu-prof, positionTicks).
    const stop = end + ((120 - (end % 64)) % 64);
    while ((end & 3) !== 0 && end < stop) buf[end++] = 0;
    const words = this.words;
    for (; end < stop; end += 4) words[end >>> 2] = 0;
    const bits = total * 8;
    const hi = Math.floor(bits / 0x100000000);
    buf[end++] = hi >>> 24; buf[end++] = hi >>> 16; buf[end++] = hi >>> 8; buf[end++] = hi;
    buf[end++] = bits >>> 24; buf[end++] = bits >>> 16; buf[end++] = bits >>> 8; buf[end++] = bits;
    const h = this.h;
    const inner = this.inner;
    h[0] = inner[0]!; h[1] = inner[1]!; h[2] = inner[2]!; h[3] = inner[3]!; h[4] = inner[4]!; h[5] = inner[5]!; h[6] = inner[6]!; h[7] = inner[7]!;
    const view = this.view;
    for (let at = 0; at < end; at += 64) compress(h, view, at);
    // Outer hash over the 32-byte inner digest, in the block whose padding is already there:
    // eight big-endian word stores (32 byte stores with their shifts before).
    const bv = this.blockView;
    bv.setInt32(0, h[0]!); bv.setInt32(4, h[1]!); bv.setInt32(8, h[2]!); bv.setInt32(12, h[3]!);
    bv.setInt32(16, h[4]!); bv.setInt32(20, h[5]!); bv.setInt32(24, h[6]!); bv.setInt32(28, h[7]!);
    const outer = this.outer;
    h[0] = outer[0]!; h[1] = outer[1]!; h[2] = outer[2]!; h[3] = outer[3]!; h[4] = outer[4]!; h[5] = outer[5]!; h[6] = outer[6]!; h[7] = outer[7]!;
    compress(h, bv, 0);
    // A pseudonym's 16 bytes, straight from the state's first four words: its prefix and 22
    // characters from one String.fromCharCode call over reused char codes, so the string is flat.
    // `prefix + fromCharCode(22 codes)` made a concatenation that the rewriter's length count then
    // flattened, and whose characters its write read through the concatenation: 173 against 132 ns
    // for making, counting and writing a 33-character pseudonym (scratch micro-benchmark, Node 20).
    // With the word stores above and the compression's word reads, a pseudonym of an IPv4
    // address went from ~850 to ~560 ns (old and new alternating in one process).
    if (bytes === 16) return this.pseudonym(prefix, h);
    // Other lengths (no pseudonym uses one): the digest's bytes and Node's encoder.
    const digest = this.digest;
    for (let i = 0; i < 8; i++) digest.setInt32(i * 4, h[i]!);
    return prefix + Buffer.from(digest.buffer, 0, bytes).toString('base64url');
  }

  /**
   * `prefix` and the first 16 bytes of the digest in `h` (big-endian words) in base64url without
   * padding (22 characters), as one flat string.
   */
  private pseudonym(prefix: string, h: Int32Array): string {
    let codes = this.codes;
    if (prefix !== this.codesPrefix) {
      // UTF-16 code units in, the same units out: any prefix comes back as it was.
      codes = new Array<number>(prefix.length + 22).fill(0);
      for (let i = 0; i < prefix.length; i++) codes[i] = prefix.charCodeAt(i);
      this.codes = codes;
      this.codesPrefix = prefix;
    }
    // 128 bits in groups of 24 (four characters each) and 8 left over (two characters, the
    // second with 4 zero bits).
    const w0 = h[0]!, w1 = h[1]!, w2 = h[2]!, w3 = h[3]!;
    const g0 = w0 >>> 8;
    const g1 = ((w0 & 0xff) << 16) | (w1 >>> 16);
    const g2 = ((w1 & 0xffff) << 8) | (w2 >>> 24);
    const g3 = w2 & 0xffffff;
    const g4 = w3 >>> 8;
    const last = w3 & 0xff;
    let k = prefix.length;
    codes[k++] = B64[g0 >>> 18]!; codes[k++] = B64[(g0 >>> 12) & 63]!; codes[k++] = B64[(g0 >>> 6) & 63]!; codes[k++] = B64[g0 & 63]!;
    codes[k++] = B64[g1 >>> 18]!; codes[k++] = B64[(g1 >>> 12) & 63]!; codes[k++] = B64[(g1 >>> 6) & 63]!; codes[k++] = B64[g1 & 63]!;
    codes[k++] = B64[g2 >>> 18]!; codes[k++] = B64[(g2 >>> 12) & 63]!; codes[k++] = B64[(g2 >>> 6) & 63]!; codes[k++] = B64[g2 & 63]!;
    codes[k++] = B64[g3 >>> 18]!; codes[k++] = B64[(g3 >>> 12) & 63]!; codes[k++] = B64[(g3 >>> 6) & 63]!; codes[k++] = B64[g3 & 63]!;
    codes[k++] = B64[g4 >>> 18]!; codes[k++] = B64[(g4 >>> 12) & 63]!; codes[k++] = B64[(g4 >>> 6) & 63]!; codes[k++] = B64[g4 & 63]!;
    codes[k++] = B64[last >>> 2]!;
    codes[k] = B64[(last & 3) << 4]!;
    return fromCharCode.apply(null, codes);
  }
}

const fromCharCode = String.fromCharCode;
