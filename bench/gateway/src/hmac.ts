/**
 * The `hash` action's cost per pseudonym: Cairn's Pseudonymiser (HMAC-SHA256 with precomputed
 * pads and an unrolled compression, stages/redact/hmac-sha256.ts) against the obvious way,
 * Node's `createHmac(key).update(value).digest()` per value with the same prefix and 128-bit
 * base64url output. Also an ablation: the same precomputed pads with the compression written
 * as two loops over Int32Arrays (what hmac-sha256.ts used before the unrolled one). Values: IPv4
 * addresses and e-mail addresses (one and two blocks of SHA-256 input), all distinct, as the
 * strategy benchmark's client addresses mostly are. Alternating rounds in one process, CPU time;
 * medians and ratios to the reference; the order of the cases rotates, with a full GC before each.
 *
 * Run: npm run build && node bench/gateway/dist/hmac.js      (ROUNDS=9)
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Pseudonymiser } from '../../../packages/gateway/dist/stages/redact/pseudonymise.js';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const KEY = Buffer.from('bench-hmac-key-0123456789abcdef');
const loadAtStart = loadavg()[0]!;

const values = {
  ipv4: Array.from({ length: 65536 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`),
  email: Array.from({ length: 65536 }, (_, i) => `customer.number.${i}@example-shop.co.uk.longer-domain.example`),
};

const ours = new Pseudonymiser({ id: 'k1', key: KEY });
const reference = (v: string): string => `hmac:k1:${createHmac('sha256', KEY).update(v, 'utf8').digest().toString('base64url', 0, 16)}`;

// ---- ablation: the loop compression over the same precomputed pads ----
// FIPS 180-4 §4.2.2.
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
function loopCompress(h: Int32Array, buf: Uint8Array, at: number, w: Int32Array): void {
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
    const t1 = (hh + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0; h[1] = (h[1]! + b) | 0; h[2] = (h[2]! + c) | 0; h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0; h[5] = (h[5]! + f) | 0; h[6] = (h[6]! + g) | 0; h[7] = (h[7]! + hh) | 0;
}
class LoopHmac {
  private readonly inner = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  private readonly outer = new Int32Array(this.inner);
  private readonly h = new Int32Array(8);
  private readonly w = new Int32Array(64);
  private readonly buf = new Uint8Array(512);
  private readonly block = new Uint8Array(64);
  constructor(key: Uint8Array) {
    const pad = new Uint8Array(64);
    for (let i = 0; i < 64; i++) pad[i] = (key[i] ?? 0) ^ 0x36;
    loopCompress(this.inner, pad, 0, this.w);
    for (let i = 0; i < 64; i++) pad[i] = (key[i] ?? 0) ^ 0x5c;
    loopCompress(this.outer, pad, 0, this.w);
  }
  hash(value: string): string {
    const buf = this.buf;
    const n = encoder.encodeInto(value, buf).written;
    let end = n;
    buf[end++] = 0x80;
    while (end % 64 !== 56) buf[end++] = 0;
    const bits = (64 + n) * 8;
    buf[end++] = 0; buf[end++] = 0; buf[end++] = 0; buf[end++] = 0;
    buf[end++] = bits >>> 24; buf[end++] = bits >>> 16; buf[end++] = bits >>> 8; buf[end++] = bits;
    const h = this.h;
    h.set(this.inner);
    for (let at = 0; at < end; at += 64) loopCompress(h, buf, at, this.w);
    const block = this.block;
    for (let i = 0; i < 8; i++) { const v = h[i]!; block[i * 4] = v >>> 24; block[i * 4 + 1] = v >>> 16; block[i * 4 + 2] = v >>> 8; block[i * 4 + 3] = v; }
    block[32] = 0x80; block.fill(0, 33, 62); block[62] = 0x03; block[63] = 0;
    h.set(this.outer);
    loopCompress(h, block, 0, this.w);
    const digest = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) digest.writeInt32BE(h[i]!, i * 4);
    return `hmac:k1:${digest.toString('base64url', 0, 16)}`;
  }
}
const encoder = new TextEncoder();
const loop = new LoopHmac(KEY);

// The three agree before anything is timed.
for (const v of [...values.ipv4.slice(0, 100), ...values.email.slice(0, 100)]) {
  const r = reference(v);
  if (ours.hash(v) !== r || loop.hash(v) !== r) throw new Error(`disagreement on ${v}`);
}

const cases = { reference, cairn: (v: string) => ours.hash(v), loopAblation: (v: string) => loop.hash(v) } as const;
type Case = keyof typeof cases;
let sink = 0;
function nsPerHash(f: (v: string) => string, vs: readonly string[]): number {
  const c0 = process.cpuUsage();
  for (const v of vs) sink += f(v).length;
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / vs.length;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const result: Record<string, unknown> = {};
for (const [kind, vs] of Object.entries(values)) {
  const runs: Record<Case, number[]> = { reference: [], cairn: [], loopAblation: [] };
  for (let i = 0; i < 2; i++) for (const f of Object.values(cases)) nsPerHash(f, vs);
  // The order rotates per round, and a full GC runs before each case: the reference's garbage
  // would otherwise be collected on the next case's time.
  const names = Object.keys(cases) as Case[];
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length]!;
      gc();
      runs[name].push(nsPerHash(cases[name], vs));
    }
  }
  const m = { reference: median(runs.reference), cairn: median(runs.cairn), loopAblation: median(runs.loopAblation) };
  result[kind] = {
    bytes: Buffer.byteLength(vs[0]!),
    medianNsPerHash: { reference: Math.round(m.reference), cairn: Math.round(m.cairn), loopAblation: Math.round(m.loopAblation) },
    speedupOverReference: Number((m.reference / m.cairn).toFixed(2)),
    speedupOverLoopAblation: Number((m.loopAblation / m.cairn).toFixed(2)),
  };
}
const out = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAtStart, loadAtEnd: loadavg()[0] },
  rounds: ROUNDS,
  ...result,
};
console.log(JSON.stringify(out, null, 2));
void sink;
mkdirSync(fileURLToPath(new URL('../../results/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('../../results/hmac.json', import.meta.url)), `${JSON.stringify(out, null, 2)}\n`);
