// HMAC-SHA256 with the key's inner and outer states computed once: a pseudonym then costs two
// SHA-256 compressions for a value of up to 55 bytes (one more per further 64 bytes), run in
// JavaScript over preallocated arrays. Node's createHmac re-keys per call and allocates a native
// object, a digest buffer and a string: ~5 µs a call on the shared 2-core machine, against
// ~1 µs here. Hash.copy() of precomputed states was measured slower still (pseudonymise.ts).
// Checked against createHmac byte for byte by hmac-sha256.test.ts.
import { createHash } from 'node:crypto';

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const B64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

/** One SHA-256 compression of the 64 bytes at `buf[at]` into `h`; `w` is scratch. */
function compress(h: Int32Array, buf: Uint8Array, at: number, w: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const p = at + i * 4;
    w[i] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0; h[1] = (h[1]! + b) | 0; h[2] = (h[2]! + c) | 0; h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0; h[5] = (h[5]! + f) | 0; h[6] = (h[6]! + g) | 0; h[7] = (h[7]! + hh) | 0;
}

const encoder = new TextEncoder();

export class HmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly h = new Int32Array(8);
  private readonly w = new Int32Array(64);
  private buf = new Uint8Array(256);
  private readonly block = new Uint8Array(64);
  private text = Buffer.alloc(80);

  constructor(key: Uint8Array) {
    const k = key.length > 64 ? createHash('sha256').update(key).digest() : key;
    const pad = new Uint8Array(64);
    for (const [state, x] of [[this.inner, 0x36], [this.outer, 0x5c]] as const) {
      for (let i = 0; i < 64; i++) pad[i] = (k[i] ?? 0) ^ x;
      state.set(IV);
      compress(state, pad, 0, this.w);
    }
  }

  /**
   * `prefix` (ASCII) followed by the first `bytes` (≤ 32) bytes of HMAC-SHA256(key, utf8(value))
   * in base64url, no padding.
   */
  base64url(value: string, bytes: number, prefix = ''): string {
    // Inner hash over utf8(value), continuing from the ipad state; 64 bytes of ipad already counted.
    let n: number;
    if (value.length * 3 + 72 <= this.buf.length) n = encoder.encodeInto(value, this.buf).written;
    else { this.buf = new Uint8Array(value.length * 3 + 72); n = encoder.encodeInto(value, this.buf).written; }
    const buf = this.buf;
    const total = 64 + n;
    let end = n;
    buf[end++] = 0x80;
    while (end % 64 !== 56) buf[end++] = 0;
    const bits = total * 8;
    const hi = Math.floor(bits / 0x100000000);
    buf[end++] = hi >>> 24; buf[end++] = hi >>> 16; buf[end++] = hi >>> 8; buf[end++] = hi;
    buf[end++] = bits >>> 24; buf[end++] = bits >>> 16; buf[end++] = bits >>> 8; buf[end++] = bits;
    const h = this.h;
    h.set(this.inner);
    for (let at = 0; at < end; at += 64) compress(h, buf, at, this.w);
    // Outer hash over the 32-byte inner digest: one block (64 + 32 = 96 bytes = 768 bits).
    const block = this.block;
    for (let i = 0; i < 8; i++) {
      const v = h[i]!;
      block[i * 4] = v >>> 24; block[i * 4 + 1] = v >>> 16; block[i * 4 + 2] = v >>> 8; block[i * 4 + 3] = v;
    }
    block[32] = 0x80;
    for (let i = 33; i < 62; i++) block[i] = 0;
    block[62] = 0x03; block[63] = 0x00;
    h.set(this.outer);
    compress(h, block, 0, this.w);
    for (let i = 0; i < 8; i++) {
      const v = h[i]!;
      block[i * 4] = v >>> 24; block[i * 4 + 1] = v >>> 16; block[i * 4 + 2] = v >>> 8; block[i * 4 + 3] = v;
    }
    // The text is written as ASCII bytes and read back as one flat string: appending 22
    // characters one by one built a rope that every later write had to flatten.
    let t = this.text;
    if (t.length < prefix.length + 44) t = this.text = Buffer.alloc(prefix.length + 44);
    let o = 0;
    for (let i = 0; i < prefix.length; i++) t[o++] = prefix.charCodeAt(i);
    let i = 0;
    for (; i + 3 <= bytes; i += 3) {
      const v = (block[i]! << 16) | (block[i + 1]! << 8) | block[i + 2]!;
      t[o++] = B64[v >>> 18]!; t[o++] = B64[(v >>> 12) & 63]!; t[o++] = B64[(v >>> 6) & 63]!; t[o++] = B64[v & 63]!;
    }
    if (bytes - i === 1) {
      const v = block[i]!;
      t[o++] = B64[v >>> 2]!; t[o++] = B64[(v & 3) << 4]!;
    } else if (bytes - i === 2) {
      const v = (block[i]! << 8) | block[i + 1]!;
      t[o++] = B64[v >>> 10]!; t[o++] = B64[(v >>> 4) & 63]!; t[o++] = B64[(v & 15) << 2]!;
    }
    return t.toString('latin1', 0, o);
  }
}
