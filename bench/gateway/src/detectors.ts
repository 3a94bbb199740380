/**
 * Detector benchmark: the prefilter + hand-written detectors (`scan` + `redactMatches`) against a
 * reference doing the same job the obvious way (every detector's regex on every value, no
 * prefilter; bench/gateway/src/detectors-reference.ts), on the same values in the same run.
 *
 * Corpus: spans of 10 string attributes with realistic values (method, route, URL, user agent,
 * SQL, service and host names, ids, messages); about 1 span in 50 carries one PII value.
 * Also reported: values that trigger detectors, 8 KB adversarial values (the reference's regexes
 * backtrack on them), 1 MB adversarial values for Cairn only, and the HMAC cost per value.
 *
 * Run: npm run build && node bench/gateway/dist/detectors.js     (ROUNDS=9 by default)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { redactMatches, scan, type Finding } from '../../../packages/gateway/dist/stages/classify/detectors/index.js';
import { Pseudonymiser, hmac } from '../../../packages/gateway/dist/stages/redact/pseudonymise.js';
import { referenceRedact } from './detectors-reference.js';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const loadAtStart = loadavg()[0]!;
const SPANS = Number(process.env.SPANS ?? 20_000);
const ATTRIBUTES = 10;
const PII_EVERY = 50;

/** Deterministic PRNG (mulberry32), so every run scans the same values. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (n: number): number => Math.floor(rand() * n);
const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');

const ROUTES = ['/api/orders/{id}', '/api/cart', '/api/products/{sku}', '/checkout', '/health', '/api/users/{id}/addresses'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'okhttp/4.12.0', 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
];
const SQL = ['SELECT id, total FROM orders WHERE user_id = $1', 'UPDATE cart SET qty = $1 WHERE id = $2', 'SELECT * FROM products WHERE sku = ANY($1)'];
const PII = [
  () => `order confirmation sent to customer${int(1000)}@example.com`,
  () => 'charge failed for card 4111 1111 1111 1111: insufficient funds',
  () => `login from 203.0.113.${int(255)}`,
  () => 'callback +1 (415) 555-2671',
  () => 'payout to DE89370400440532013000',
  () => 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX2hlcmU',
];

function span(withPii: boolean): string[] {
  const route = pick(ROUTES);
  const values = [
    pick(['GET', 'POST', 'PUT', 'DELETE']),
    route,
    `https://shop.example.com${route.replace('{id}', String(int(1e6))).replace('{sku}', `SKU-${int(1e5)}`)}?page=${int(10)}`,
    pick(AGENTS),
    pick(SQL),
    pick(['checkout', 'cart', 'catalog', 'payments']),
    `shop-${pick(['frontend', 'backend', 'worker'])}-7d9f8b6c5-${hex(5)}`,
    `ORD-2024-${String(int(1e6)).padStart(7, '0')}`,
    pick(['ok', 'cache miss', `retry ${int(5)}/5 after ${int(500)}ms`, 'Error: timeout of 5000ms exceeded']),
    `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
  ];
  if (withPii) values[8] = pick(PII)();
  return values;
}

const spans = Array.from({ length: SPANS }, (_, i) => span(i % PII_EVERY === PII_EVERY - 1));
const values = spans.flat();
const piiValues = Array.from({ length: 2000 }, () => pick(PII)());
const KB8 = 8 * 1024;
const adversarial: Record<string, string> = {
  "'a' × 8 KB, no '@'": 'a'.repeat(KB8),
  "'1 ' × 4 K": '1 '.repeat(KB8 / 2),
  "'1:' × 4 K": '1:'.repeat(KB8 / 2),
  "'a.' × 4 K then '@'": 'a.'.repeat(KB8 / 2) + '@',
};
const MB = 1 << 20;
const adversarialMb: Record<string, string> = {
  "'a' × 1 MB then '@x.com'": 'a'.repeat(MB) + '@x.com',
  "'1 ' × 512 K": '1 '.repeat(MB / 2),
  "'1:' × 512 K": '1:'.repeat(MB / 2),
  "'@' × 1 MB": '@'.repeat(MB),
};

let sink = 0;
const REPLACEMENT = '\u2039redacted\u203a';
const replacer = (): string => REPLACEMENT;

function cairnValue(v: string): void {
  const f: readonly Finding[] = scan(v);
  sink += f.length === 0 ? v.length : redactMatches(v, f, replacer).length;
}
function referenceValue(v: string): void {
  sink += referenceRedact(v, REPLACEMENT).length;
}

/** ns per value over `xs`, run `reps` times. */
function time(fn: (v: string) => void, xs: readonly string[], reps = 1): number {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) for (const x of xs) fn(x);
  return Number(process.hrtime.bigint() - t0) / (xs.length * reps);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples: Record<string, number[]> = {};
const record = (name: string, ns: number): void => { (samples[name] ??= []).push(ns); };

const eu = new Pseudonymiser({ id: 'k1', key: Buffer.from('benchmark-key-0123456789abcdef') });
const euKey = Buffer.from('benchmark-key-0123456789abcdef');
const emails = Array.from({ length: 20_000 }, (_, i) => `customer${i}@example.com`);

for (let round = 0; round <= ROUNDS; round++) {
  // Alternate the order so neither side always runs on a warmer or more loaded machine.
  const order = round % 2 === 0 ? ['cairn', 'reference'] : ['reference', 'cairn'];
  for (const side of order) {
    const fn = side === 'cairn' ? cairnValue : referenceValue;
    const typical = time(fn, values);
    const pii = time(fn, piiValues, 5);
    const adv: Record<string, number> = {};
    for (const [name, v] of Object.entries(adversarial)) adv[name] = time(fn, [v], 3);
    if (round === 0) continue; // warm-up
    record(`${side} typical value`, typical);
    record(`${side} PII value`, pii);
    for (const [name, ns] of Object.entries(adv)) record(`${side} adversarial ${name}`, ns);
  }
  if (round === 0) continue;
  for (const [name, v] of Object.entries(adversarialMb)) record(`cairn 1 MB ${name}`, time(cairnValue, [v]));
  record('hmac Pseudonymiser.hash', time((v) => { sink += eu.hash(v).length; }, emails));
  record('hmac one-off createHmac', time((v) => { sink += hmac('k1', euKey, v).length; }, emails));
}

const m = (name: string): number => median(samples[name]!);
const r1 = (x: number): number => Math.round(x * 10) / 10;
const typicalCairn = m('cairn typical value');
const typicalRef = m('reference typical value');
const results = {
  typicalValue: { cairnNs: r1(typicalCairn), referenceNs: r1(typicalRef), ratio: r1(typicalRef / typicalCairn) },
  typicalSpan: { attributes: ATTRIBUTES, cairnNs: r1(typicalCairn * ATTRIBUTES), referenceNs: r1(typicalRef * ATTRIBUTES), ratio: r1(typicalRef / typicalCairn) },
  piiValue: { cairnNs: r1(m('cairn PII value')), referenceNs: r1(m('reference PII value')), ratio: r1(m('reference PII value') / m('cairn PII value')) },
  adversarial8KB: Object.fromEntries(Object.keys(adversarial).map((k) => [k, { cairnUs: r1(m(`cairn adversarial ${k}`) / 1000), referenceUs: r1(m(`reference adversarial ${k}`) / 1000), ratio: r1(m(`reference adversarial ${k}`) / m(`cairn adversarial ${k}`)) }])),
  cairn1MB: Object.fromEntries(Object.keys(adversarialMb).map((k) => [k, { ms: r1(m(`cairn 1 MB ${k}`) / 1e6) }])),
  hmacPerValue: { pseudonymiserNs: Math.round(m('hmac Pseudonymiser.hash')), oneOffCreateHmacNs: Math.round(m('hmac one-off createHmac')) },
};

const spansWithPii = spans.filter((s) => s.some((v) => scan(v).length > 0)).length;
console.log(`corpus: ${SPANS} spans × ${ATTRIBUTES} string attributes; ${spansWithPii} spans (1 in ${r1(SPANS / spansWithPii)}) with a finding; ${ROUNDS} rounds, medians`);
console.log(`typical value   cairn ${results.typicalValue.cairnNs} ns   reference ${results.typicalValue.referenceNs} ns   ${results.typicalValue.ratio}×`);
console.log(`typical span    cairn ${results.typicalSpan.cairnNs} ns   reference ${results.typicalSpan.referenceNs} ns   (${ATTRIBUTES} attributes)`);
console.log(`PII value       cairn ${results.piiValue.cairnNs} ns   reference ${results.piiValue.referenceNs} ns   ${results.piiValue.ratio}×`);
for (const [k, v] of Object.entries(results.adversarial8KB)) console.log(`8 KB ${k.padEnd(22)} cairn ${v.cairnUs} µs   reference ${v.referenceUs} µs   ${v.ratio}×`);
for (const [k, v] of Object.entries(results.cairn1MB)) console.log(`1 MB ${k.padEnd(26)} cairn ${v.ms} ms`);
console.log(`HMAC per value  Pseudonymiser ${results.hmacPerValue.pseudonymiserNs} ns   one-off createHmac ${results.hmacPerValue.oneOffCreateHmacNs} ns`);
if (sink === 0) console.log('');

const out = {
  benchmark: 'detectors: prefilter + detectors (scan + redactMatches) against every regex on every value',
  command: 'npm run build && node bench/gateway/dist/detectors.js',
  date: new Date().toISOString(),
  // Absolute times scale with the machine's load; the ratio compares both sides in the same conditions.
  machine: { cpus: cpus().length, node: process.version, loadAverage1mAtStart: Math.round(loadAtStart * 10) / 10, loadAverage1mAtEnd: Math.round(loadavg()[0]! * 10) / 10 },
  corpus: { spans: SPANS, attributesPerSpan: ATTRIBUTES, piiEvery: PII_EVERY, spansWithFinding: spansWithPii },
  rounds: ROUNDS,
  statistic: 'median ns per value over rounds (first round discarded as warm-up); the two sides alternate order each round',
  results,
};
const dir = fileURLToPath(new URL('../../results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}detectors.json`, JSON.stringify(out, null, 2) + '\n');
