/**
 * The inventory tap's cost, tap on against tap off in the same run:
 * 1. per core: BatchProcessor.process on the standard trace corpus (real OTel SDK spans, 10
 *    attributes, 512 spans a request) with the example registry, inventory off and on, alternating
 *    in one thread (median of ROUNDS, spans per CPU-second) — the tap's own CPU per span, with
 *    the default budget (max_share 0.15) and recording every batch (max_share 1);
 * 2. in a running gateway: maximum sustained throughput (closed loop, blackhole sink, SQLite queue,
 *    one processing thread), tap off, on (default budget) and on for every batch (max_share 1),
 *    BENCH_GATEWAY_ROUNDS rounds of the three, in ABBA order (off, on, full, then full, on, off)
 *    so that a drift of the machine's load over the run weighs on every mode alike.
 * One gateway round on a shared machine can read ±30%: besides the ratio of the medians, each
 * round's tap-on figure is divided by the tap-off figure of the same round (measured next to it)
 * and the median of those per-pair ratios is reported; the two agreeing is the sign of a clean run.
 * The goal: the tap costs ≤ 15% of gateway throughput.
 *
 * Run: npm run build && node bench/gateway/dist/inventory.js     (ROUNDS=7, BENCH_MAX_SECONDS=6, BENCH_GATEWAY_ROUNDS=6)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { parseConfig } from '@cairn/gateway';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { BatchProcessor } from '../../../packages/gateway/dist/pipeline/process.js';
import { compileStrategy } from '../../../packages/gateway/dist/strategy/compile.js';
import { exampleRegistry } from '../../../packages/gateway/dist/stages/test-support.js';
import { writeCorpus } from './corpus-file.js';
import { sustainedMax } from './harness.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const GATEWAY_ROUNDS = Number(process.env.BENCH_GATEWAY_ROUNDS ?? 6);
const MAX_MS = Number(process.env.BENCH_MAX_SECONDS ?? 6) * 1000;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2) * 1000;
const SPANS_PER_REQUEST = 512;
/** Untimed passes (40 batches each) of the default-budget processor before each timed one. */
const BUDGET_WARM_PASSES = 10;
const loadAtStart = loadavg()[0]!;
const corpus = traceCorpus({ batches: 40, spansPerBatch: SPANS_PER_REQUEST });
/** The median (the mean of the middle two for an even count). */
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};
const round2 = (x: number): number => Number(x.toFixed(2));
/** Each round's tap-on figure over the tap-off figure of the same round. */
const pairRatios = (on: number[], off: number[]): number[] => on.map((x, i) => round2(x / off[i]!));

// 1. Per core.
const yaml = (enabled: boolean, maxShare = 0.15) => `
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-bench-inventory-unused }
auth: { anonymous: true }
inventory: { enabled: ${enabled}, max_share: ${maxShare} }
destinations:
  backend: { exporter: { debug: {} } }
`;
const strategy = compileStrategy({ keys: {}, registry: exampleRegistry().registry })!;
const off = new BatchProcessor(parseConfig(yaml(false), 'off.yaml'), { strategy });
const on = new BatchProcessor(parseConfig(yaml(true), 'on.yaml'), { strategy });
const full = new BatchProcessor(parseConfig(yaml(true, 1), 'full.yaml'), { strategy });
/** Spans per CPU-second of this (single-threaded) loop: CPU time, since other work shares the cores. */
function pass(p: BatchProcessor): number {
  const c0 = process.cpuUsage();
  for (const body of corpus.requests) {
    const r = p.process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
    // Cloned as it would be to cross from a worker thread.
    if (r.ok && r.inventory) structuredClone(r.inventory);
  }
  const c = process.cpuUsage(c0);
  return corpus.spanCount / ((c.user + c.system) / 1e6);
}
for (let i = 0; i < 3; i++) { pass(off); pass(on); pass(full); }
const probe = full.process({ signal: 'traces', format: 'protobuf', body: corpus.requests[0]!, tenant: 'anonymous' });
if (!probe.ok || !probe.inventory) throw new Error('the tap did not run');
const rates = { off: [] as number[], on: [] as number[], full: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  rates.off.push(pass(off));
  // Untimed first, until the budget sees a busy thread again: the passes of the other processors
  // left a gap of tens of ms in its average time between batches, which decays by 0.98 a batch
  // (budget.ts), so 3 passes (120 batches) left it "idle" and recording every batch in some rounds.
  for (let i = 0; i < BUDGET_WARM_PASSES; i++) pass(on);
  rates.on.push(pass(on));
  rates.full.push(pass(full));
}
const offRate = median(rates.off);
const onRate = median(rates.on);
const fullRate = median(rates.full);

// 2. In a running gateway.
const work = mkdtempSync(join(tmpdir(), 'cairn-bench-inventory-'));
const corpusFile = join(work, 'corpus.bin');
writeCorpus(corpusFile, corpus.requests);
const sink = await OtlpHttpSink.start({ blackhole: true });
let runs = 0;
const plan = { sink, corpus: corpusFile, spansPerRequest: SPANS_PER_REQUEST, connections: 8, durationMs: MAX_MS, warmupMs: WARMUP_MS };
const max = (mode: 'on' | 'full' | 'off'): Promise<number> => {
  const storage = join(work, `g-${runs++}`);
  return sustainedMax('inventory-gateway.js', [sink.url, storage, '1', mode], plan, storage);
};
const gateway = { off: [] as number[], on: [] as number[], full: [] as number[] };
try {
  for (let r = 0; r < GATEWAY_ROUNDS; r++) {
    const order = r % 2 === 0 ? (['off', 'on', 'full'] as const) : (['full', 'on', 'off'] as const);
    for (const mode of order) gateway[mode].push(await max(mode));
  }
} finally {
  await sink.close();
  rmSync(work, { recursive: true, force: true });
}
const gOff = median(gateway.off);
const gOn = median(gateway.on);
const gFull = median(gateway.full);
const perCorePairs = { defaultBudget: pairRatios(rates.on, rates.off), everyBatch: pairRatios(rates.full, rates.off) };
const gatewayPairs = { defaultBudget: pairRatios(gateway.on, gateway.off), everyBatch: pairRatios(gateway.full, gateway.off) };
const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAtStart, loadAtEnd: loadavg()[0] },
  corpus: { spans: corpus.spanCount, bytesPerSpan: Math.round(corpus.bytesPerSpan) },
  perCoreSpansPerSecond: { tapOff: Math.round(offRate), tapOnDefaultBudget: Math.round(onRate), tapOnEveryBatch: Math.round(fullRate) },
  perCoreRatio: { defaultBudget: round2(onRate / offRate), everyBatch: round2(fullRate / offRate) },
  perCorePairRatioMedian: { defaultBudget: round2(median(perCorePairs.defaultBudget)), everyBatch: round2(median(perCorePairs.everyBatch)) },
  tapCostNsPerSpan: { defaultBudget: Math.round(1e9 / onRate - 1e9 / offRate), everyBatch: Math.round(1e9 / fullRate - 1e9 / offRate) },
  gatewaySustainedSpansPerSecond: { tapOff: Math.round(gOff), tapOn: Math.round(gOn), tapOnEveryBatch: Math.round(gFull) },
  /** Ratio of the medians. */
  gatewayRatio: round2(gOn / gOff),
  gatewayRatioEveryBatch: round2(gFull / gOff),
  /** Median of the per-round ratios (tap on over the tap-off round next to it). */
  gatewayPairRatioMedian: { defaultBudget: round2(median(gatewayPairs.defaultBudget)), everyBatch: round2(median(gatewayPairs.everyBatch)) },
  goal: 'tap on ≥ 0.85 × tap off in the gateway',
  rounds: { perCore: { off: rates.off.map(Math.round), on: rates.on.map(Math.round), full: rates.full.map(Math.round) }, gateway, gatewayPairRatios: gatewayPairs, perCorePairRatios: perCorePairs },
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(fileURLToPath(new URL('../../results/inventory.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
