/**
 * Sampling benchmark: BatchProcessor on 2 real worker threads (ProcessorPool, as the gateway
 * runs it) over the standard trace corpus (real OTel SDK spans, 10 attributes, 512 a request),
 * pass-through (no strategy) against the default content strategy (normalize with the example
 * registry, `unknown: scan`, `pii: hash`) plus dynamic sampling (key service.name + http.route,
 * goal 1 in 20, 1 s interval), alternating in the same run; the strategy without sampling runs
 * too, so sampling's own cost shows. Then an ablation on one thread, in CPU time: deciding before
 * the content walk (the default; the walk then covers only kept spans) against deciding after it.
 * Requests go 4 at a time so both
 * threads stay busy; each body is copied before it is transferred, in both modes alike.
 *
 * Run: npm run build && node bench/gateway/dist/sampling.js        (ROUNDS=5, THREADS=2)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { parseConfig } from '../../../packages/gateway/dist/config/load.js';
import { loadStrategyContent } from '../../../packages/gateway/dist/strategy/content.js';
import { ProcessorPool } from '../../../packages/gateway/dist/workers/pool.js';
import { BatchProcessor } from '../../../packages/gateway/dist/pipeline/process.js';
import { useStrategy } from '../../../packages/gateway/dist/strategy/use.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const THREADS = Number(process.env.THREADS ?? 2);
const IN_FLIGHT = 4;
const loadAtStart = loadavg()[0]!;
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512 });
const conventions = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));
const yaml = (sampling: string): string => `
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-bench-sampling-unused }
auth: { anonymous: true }
conventions: ${JSON.stringify(conventions)}
destinations:
  backend: { exporter: { debug: {} } }
strategy:
  destinations:
    backend:
      unknown: scan
      sensitivity: { public: allow, internal: allow, pii: hash, secret: drop }
      keys: { default: { id: k1, env: CAIRN_BENCH_KEY } }
${sampling}`;
const file = fileURLToPath(new URL('./bench-sampling.yaml', import.meta.url));
const env = { CAIRN_BENCH_KEY: 'bench-hmac-key-0123456789abcdef' };
const config = parseConfig(yaml('      sampling:\n        dynamic: { key: [service.name, http.route], goal_sample_rate: 20, interval: 1s }\n'), file);
const plainConfig = parseConfig(yaml(''), file);
const pass = new ProcessorPool(config, THREADS, { keys: {} });
const strategyOnly = new ProcessorPool(plainConfig, THREADS, loadStrategyContent(plainConfig, env));
const sampled = new ProcessorPool(config, THREADS, loadStrategyContent(config, env));
let keptSpans = 0;
let sampledSeen = 0;
sampled.onResult.push((r) => {
  for (const d of r.sampling?.destinations ?? []) {
    keptSpans += d.kept;
    sampledSeen += d.seen;
  }
});

async function run(pool: ProcessorPool): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < corpus.requests.length) {
      const body = corpus.requests[next++]!.slice();
      const r = await pool.process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
      if (!r.ok) throw new Error('unexpected result');
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return corpus.spanCount / ((performance.now() - t0) / 1000);
}

try {
  for (let i = 0; i < 3; i++) { await run(pass); await run(strategyOnly); await run(sampled); }
  keptSpans = 0;
  sampledSeen = 0;
  const rates = { passThrough: [] as number[], strategyOnly: [] as number[], sampling: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    rates.passThrough.push(await run(pass));
    rates.strategyOnly.push(await run(strategyOnly));
    rates.sampling.push(await run(sampled));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // Ablation, one thread, CPU time: the same processor deciding before its content walk (the
  // default, stages/invariance.ts) and after it (`decideBeforeContent: false`), alternating.
  const content = loadStrategyContent(config, env);
  const ablation = { first: [] as number[], after: [] as number[] };
  const processors = { first: new BatchProcessor(config, { decideBeforeContent: true }), after: new BatchProcessor(config, { decideBeforeContent: false }) };
  for (const p of Object.values(processors)) useStrategy(p, content);
  const cpuSeconds = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  for (let r = 0; r < ROUNDS + 2; r++) {
    for (const mode of r % 2 === 0 ? (['first', 'after'] as const) : (['after', 'first'] as const)) {
      const c0 = cpuSeconds();
      for (const body of corpus.requests) processors[mode].process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
      if (r >= 2) ablation[mode].push(((cpuSeconds() - c0) / corpus.spanCount) * 1e6);
    }
  }
  const passRate = median(rates.passThrough);
  const samplingRate = median(rates.sampling);
  const strategyRate = median(rates.strategyOnly);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAtStart, loadAtEnd: loadavg()[0] },
    threads: THREADS,
    corpus: { spans: corpus.spanCount, bytesPerSpan: Math.round(corpus.bytesPerSpan) },
    spansPerSecond: { passThrough: Math.round(passRate), defaultStrategy: Math.round(strategyRate), defaultStrategyAndDynamicSampling: Math.round(samplingRate) },
    ratio: Number((samplingRate / passRate).toFixed(2)),
    samplingCostNsPerSpanPerThread: Math.round(THREADS * (1e9 / samplingRate - 1e9 / strategyRate)),
    goal: 250_000,
    effectiveSampleRate: Number((sampledSeen / Math.max(1, keptSpans)).toFixed(1)),
    // The destination reads service.name and http.route (scanned: through the content lens).
    decidesBeforeContent: { cpuMicrosPerSpan: Number(median(ablation.first).toFixed(2)), ablationDecidingAfterWalk: Number(median(ablation.after).toFixed(2)) },
    rounds: { passThrough: rates.passThrough.map(Math.round), strategyOnly: rates.strategyOnly.map(Math.round), sampling: rates.sampling.map(Math.round) },
  };
  console.log(JSON.stringify(result, null, 2));
  const out = fileURLToPath(new URL('../../results/sampling.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('../../results/', import.meta.url)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await pass.close();
  await strategyOnly.close();
  await sampled.close();
}
