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
  /** The outer hash's one block: the inner digest in bytes 0–31; the padding after it never changes. */
  private readonly block = new Uint8Array(64);
  private readonly digest = new Uint8Array(32);

  constructor(key: Uint8Array) {
    // Outer padding: 64 + 32 = 96 bytes = 768 bits.
    this.block[32] = 0x80;
    this.block[62] = 0x03;
    const k = key.length > 64 ? createHash('sha256').update(key).digest() : key;
    const pad = new Uint8Array(64);
    for (const [state, x] of [[this.inner, 0x36], [this.outer, 0x5c]] as const) {
      for (let i = 0; i < 64; i++) pad[i] = (k[i] ?? 0) ^ x;
      state.set(IV);
      compress(state, pad, 0);
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
    for (let at = 0; at < end; at += 64) compress(h, buf, at);
    // Outer hash over the 32-byte inner digest, in the block whose padding is already there.
    const block = this.block;
    for (let i = 0; i < 8; i++) {
      const v = h[i]!;
      block[i * 4] = v >>> 24; block[i * 4 + 1] = v >>> 16; block[i * 4 + 2] = v >>> 8; block[i * 4 + 3] = v;
    }
    const outer = this.outer;
    h[0] = outer[0]!; h[1] = outer[1]!; h[2] = outer[2]!; h[3] = outer[3]!; h[4] = outer[4]!; h[5] = outer[5]!; h[6] = outer[6]!; h[7] = outer[7]!;
    compress(h, block, 0);
    // The digest goes to a scratch array, not `block`, whose bytes 32-63 are the padding.
    const digest = this.digest;
    for (let i = 0; i < 8; i++) {
      const v = h[i]!;
      digest[i * 4] = v >>> 24; digest[i * 4 + 1] = v >>> 16; digest[i * 4 + 2] = v >>> 8; digest[i * 4 + 3] = v;
    }
    // A pseudonym's 16 bytes: 22 characters from one String.fromCharCode call after the prefix,
    // 29 against ~100 ns for writing ASCII bytes and reading them back with a latin1 slice (scratch
    // micro-benchmark, Node 20); appending characters one by one built a rope that every later
    // write had to flatten.
    if (bytes === 16) return prefix + base64url16(digest);
    // Other lengths (no pseudonym uses one): Node's encoder.
    return prefix + Buffer.from(digest.buffer, 0, bytes).toString('base64url');
  }
}

const fromCharCode = String.fromCharCode;

/** The first 16 bytes of `d` in base64url without padding: 22 characters. */
function base64url16(d: Uint8Array): string {
  const a = (d[0]! << 16) | (d[1]! << 8) | d[2]!;
  const b = (d[3]! << 16) | (d[4]! << 8) | d[5]!;
  const c = (d[6]! << 16) | (d[7]! << 8) | d[8]!;
  const e = (d[9]! << 16) | (d[10]! << 8) | d[11]!;
  const f = (d[12]! << 16) | (d[13]! << 8) | d[14]!;
  const g = d[15]!;
  return fromCharCode(
    B64[a >>> 18]!, B64[(a >>> 12) & 63]!, B64[(a >>> 6) & 63]!, B64[a & 63]!,
    B64[b >>> 18]!, B64[(b >>> 12) & 63]!, B64[(b >>> 6) & 63]!, B64[b & 63]!,
    B64[c >>> 18]!, B64[(c >>> 12) & 63]!, B64[(c >>> 6) & 63]!, B64[c & 63]!,
    B64[e >>> 18]!, B64[(e >>> 12) & 63]!, B64[(e >>> 6) & 63]!, B64[e & 63]!,
    B64[f >>> 18]!, B64[(f >>> 12) & 63]!, B64[(f >>> 6) & 63]!, B64[f & 63]!,
    B64[g >>> 2]!, B64[(g & 3) << 4]!,
  );
}
