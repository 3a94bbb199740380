/**
 * Where the default strategy's cost goes, per action, on one thread: BatchProcessor.process on
 * the standard corpus (as strategy.js) without a strategy and with the default strategy whose
 * `pii` action is `allow` (the walk, the classification and the detectors, nothing changed),
 * `mask` (plus one edit a span: `client.address` is pii) and `hash` (the edit is an HMAC
 * pseudonym instead), alternating in one process; medians of ROUNDS. An ablation of our own code,
 * not a comparison with a reference: it splits strategy.js's figure into parts. The differences
 * between neighbours are the parts.
 *
 * Run: npm run build && node bench/gateway/dist/strategy-actions.js      (ROUNDS=9)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { BatchProcessor } from '../../../packages/gateway/dist/pipeline/process.js';
import { defaultStrategy, oneThreadConfig } from './one-thread.js';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const loadAtStart = loadavg()[0]!;
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512 });
const config = oneThreadConfig();

const MODES = ['none', 'allow', 'mask', 'hash'] as const;
type Mode = (typeof MODES)[number];
const processors = MODES.map((mode) => {
  const strategy = mode === 'none' ? undefined : defaultStrategy(mode);
  return { mode, processor: new BatchProcessor(config, strategy ? { strategy } : {}) };
});

function nsPerSpan(p: BatchProcessor): number {
  const t0 = performance.now();
  for (const body of corpus.requests) {
    const r = p.process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
    if (!r.ok || r.outputs.length !== 1) throw new Error('unexpected result');
  }
  return ((performance.now() - t0) * 1e6) / corpus.spanCount;
}

// Warm-up, and a check that the three strategies do what their names say.
for (let i = 0; i < 2; i++) for (const { processor } of processors) nsPerSpan(processor);
const sample = corpus.requests[0]!;
const outputs = Object.fromEntries(processors.map(({ mode, processor }) => {
  const r = processor.process({ signal: 'traces', format: 'protobuf', body: sample, tenant: 'anonymous' });
  if (!r.ok) throw new Error('refused');
  return [mode, Buffer.from(r.outputs[0]!.body).toString('latin1')];
})) as Record<Mode, string>;
if (outputs.allow !== outputs.none) throw new Error('pii: allow changed the request');
if (!outputs.mask.includes('****') || !/hmac:[^:]+:[A-Za-z0-9_-]{22}/.test(outputs.hash)) throw new Error('mask or hash did not apply');

const runs = Object.fromEntries(MODES.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
for (let r = 0; r < ROUNDS; r++) for (const { mode, processor } of processors) runs[mode].push(nsPerSpan(processor));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ns = Object.fromEntries(MODES.map((m) => [m, Math.round(median(runs[m]))])) as Record<Mode, number>;

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAtStart, loadAtEnd: loadavg()[0] },
  corpus: { spans: corpus.spanCount, bytesPerSpan: Math.round(corpus.bytesPerSpan) },
  rounds: ROUNDS,
  medianNsPerSpan: ns,
  parts: {
    walkClassifyScan: ns.allow - ns.none,
    oneEditASpan: ns.mask - ns.allow,
    hmacInsteadOfMask: ns.hash - ns.mask,
  },
  runs: Object.fromEntries(MODES.map((m) => [m, runs[m].map(Math.round)])),
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(fileURLToPath(new URL('../../results/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('../../results/strategy-actions.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
