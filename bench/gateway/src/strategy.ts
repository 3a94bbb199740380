/**
 * Content-stage benchmark: BatchProcessor.process on the standard trace corpus (real OTel SDK
 * spans, 10 attributes, 512 spans a request), without a strategy (pass-through: decode, ownership,
 * ids, routing) and with the default strategy (normalize with the example registry, classify
 * with `unknown: scan`, redact, `pii: hash`), alternating in the same process. One thread, so the
 * figures are spans/s per core. Also: detector CPU per span (scan over every string the scan
 * mode looks at), and the HMAC cost.
 *
 * Run: npm run build && node bench/gateway/dist/strategy.js      (ROUNDS=7, RICH=1 for events and links)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Rewriter, type RewriteVisitor } from '@cairn/otlp';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { BatchProcessor } from '../../../packages/gateway/dist/pipeline/process.js';
import { scan } from '../../../packages/gateway/dist/stages/classify/detectors/index.js';
import { defaultStrategy, oneThreadConfig } from './one-thread.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const RICH = process.env.RICH === '1';
const loadAtStart = loadavg()[0]!;
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512, rich: RICH });
const config = oneThreadConfig();
const strategy = defaultStrategy();
const none = new BatchProcessor(config);
const withStrategy = new BatchProcessor(config, { strategy });

function pass(p: BatchProcessor): number {
  const t0 = performance.now();
  for (const body of corpus.requests) {
    const r = p.process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
    if (!r.ok || r.outputs.length !== 1) throw new Error('unexpected result');
  }
  return corpus.spanCount / ((performance.now() - t0) / 1000);
}

// Warm-up, and a correctness check: the strategy run changes the bytes (client.address is pii).
for (let i = 0; i < 3; i++) { pass(none); pass(withStrategy); }
const probe = withStrategy.process({ signal: 'traces', format: 'protobuf', body: corpus.requests[0]!, tenant: 'anonymous' });
if (!probe.ok || probe.outputs[0]!.body === corpus.requests[0]) throw new Error('the strategy changed nothing');

const rates = { none: [] as number[], strategy: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  rates.none.push(pass(none));
  rates.strategy.push(pass(withStrategy));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const noneRate = median(rates.none);
const strategyRate = median(rates.strategy);

// Detector CPU per span: every span and event name and attribute string, scanned as `unknown: scan` does.
const strings: string[] = [];
const collect: RewriteVisitor = { value: (_p, _k, v) => { strings.push(v); return undefined; } };
const rw = new Rewriter();
for (const body of corpus.requests) rw.rewrite('traces', body, collect);
let found = 0;
for (let i = 0; i < 2; i++) for (const s of strings) found += scan(s).length;
const scanRuns: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const t0 = performance.now();
  for (const s of strings) found += scan(s).length;
  scanRuns.push((performance.now() - t0) * 1e6 / corpus.spanCount);
}
const detectorNsPerSpan = median(scanRuns);

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAtStart, loadAtEnd: loadavg()[0] },
  corpus: { spans: corpus.spanCount, bytesPerSpan: Math.round(corpus.bytesPerSpan), rich: RICH, stringsPerSpan: Number((strings.length / corpus.spanCount).toFixed(1)) },
  perCoreSpansPerSecond: { passThrough: Math.round(noneRate), defaultStrategy: Math.round(strategyRate) },
  ratio: Number((strategyRate / noneRate).toFixed(2)),
  twoCoreUpperBound: { passThrough: Math.round(2 * noneRate), defaultStrategy: Math.round(2 * strategyRate) },
  strategyCostNsPerSpan: Math.round(1e9 / strategyRate - 1e9 / noneRate),
  detectorNsPerSpan: Math.round(detectorNsPerSpan),
  rounds: { none: rates.none.map(Math.round), strategy: rates.strategy.map(Math.round) },
};
console.log(JSON.stringify(result, null, 2));
void found;
const out = fileURLToPath(new URL(`../../results/gateway-strategy${RICH ? '-rich' : ''}.json`, import.meta.url));
mkdirSync(fileURLToPath(new URL('../../results/', import.meta.url)), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
