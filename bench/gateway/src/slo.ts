/**
 * SLO benchmark, two measures in one run, each against pass-through in the same run.
 *
 * 1. The running gateway (what the issue's goal is about): maximum sustained throughput of
 *    Cairn's gateway (one worker thread, closed loop, the same load generator, corpus and
 *    blackhole sink as run.ts) without SLOs and with the 20 SLOs below, alternating
 *    (E2E_ROUNDS=6 of each). Reported: the median of the per-pair ratios (each pass-through
 *    round with the SLO round after it: a change of the machine's load between pairs cancels
 *    out), the ratio of the medians, and the gateway process's CPU seconds per million spans
 *    over the measured phases (/proc/<pid>/stat), the honest cost on a shared machine.
 * 2. The processing thread alone: BatchProcessor.process on the standard trace corpus (real OTel SDK spans, 10
 * attributes, 512 spans a request) without SLOs (pass-through: decode, ownership, ids, routing)
 * and with 20 SLOs (the SLI tap evaluates each SLO's `where`, and `good` where it matched, on
 * every span, weighted, with the missing-key check), alternating in the same process. One
 * thread, in spans per CPU-second of this process (CPU time: other work shares the cores): the
 * processing threads' share of the gateway's throughput. Also the main thread's cost of summing
 * one batch's SloDelta and evaluating.
 *
 * Run: npm run build && node bench/gateway/dist/slo.js      (ROUNDS=7 E2E_ROUNDS=6)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { writeCorpus } from './corpus-file.js';
import { sustainedRun, type SustainedRun } from './harness.js';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { parseConfig } from '../../../packages/gateway/dist/config/load.js';
import { BatchProcessor } from '../../../packages/gateway/dist/pipeline/process.js';
import { parseSloTexts } from '../../../packages/gateway/dist/slo/openslo.js';
import { SloEngine } from '../../../packages/gateway/dist/slo/engine.js';
import type { SloDelta } from '../../../packages/gateway/dist/slo/delta.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const SLO_COUNT = 20;
const loadAtStart = loadavg()[0]!;
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512 });
const base = `
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-bench-slo-unused }
auth: { anonymous: true }
destinations:
  backend: { exporter: { debug: {} } }
`;

// Twenty SLOs of the shapes teams write: availability, latency per route, status codes, a
// resource filter that matches nothing (the cheap case), and one whose `good` reads an attribute
// the spans lack (every matched span unjudgeable, the missing-key path).
const ROUTES = ['/cart/{id}', '/checkout', '/items/{sku}', '/users/{id}', '/healthz'];
const SHAPES: [string, string][] = [
  ['span.kind == 2', 'span.status.code != 2'],
  ['resource["service.name"] == "checkout"', 'span.attributes["http.response.status_code"] < 500'],
  ['resource["service.name"] == "payments"', 'span.status.code != 2'],
  ['span.kind == 2 && span.attributes["http.request.method"] == "POST"', 'span.duration_ms < 300'],
  ['span.kind == 2', 'span.attributes["acme.missing"] == "x"'],
  ...ROUTES.flatMap((r): [string, string][] => [
    [`span.attributes["http.route"] == "${r}"`, 'span.duration_ms < 500 && span.status.code != 2'],
    [`resource["service.name"] == "checkout" && span.attributes["http.route"] == "${r}"`, 'span.attributes["http.response.status_code"] < 500'],
    [`span.name == "GET ${r}"`, 'span.status.code != 2'],
  ]),
];
const sloYaml = SHAPES.slice(0, SLO_COUNT).map(([where, good], i) => `apiVersion: openslo/v1
kind: SLO
metadata: { name: slo-${i} }
spec:
  service: checkout
  indicator:
    metadata: { name: sli-${i} }
    spec:
      spans: { where: ${JSON.stringify(where)}, good: ${JSON.stringify(good)} }
  timeWindow: [{ duration: 28d, isRolling: true }]
  objectives: [{ target: 0.999 }]
`).join('---\n');
const slos = parseSloTexts([{ file: 'bench-slos.yaml', text: sloYaml }]);
if (slos.slos.length !== SLO_COUNT || slos.problems.length > 0) throw new Error(`expected ${SLO_COUNT} SLOs: ${JSON.stringify(slos.problems)}`);
const plainConfig = parseConfig(base, 'bench-slo.yaml');
const none = new BatchProcessor(plainConfig);
const withSlos = new BatchProcessor({ ...plainConfig, slos });

const deltas: SloDelta[] = [];
/** Spans per CPU-second of this (single-threaded) loop. */
function pass(p: BatchProcessor, keep = false): number {
  const c0 = process.cpuUsage();
  for (const body of corpus.requests) {
    const r = p.process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
    if (!r.ok || r.outputs.length !== 1) throw new Error('unexpected result');
    if (keep && r.slo) deltas.push(r.slo);
  }
  const c = process.cpuUsage(c0);
  return corpus.spanCount / ((c.user + c.system) / 1e6);
}

// Warm-up, and a correctness check: every span is counted by the SLOs that match it.
for (let i = 0; i < 3; i++) { pass(none); pass(withSlos, i === 0); }
const counted = deltas.flatMap((d) => d.counts).filter((c) => c.slo === 'slo-0').reduce((n, c) => n + c.good + c.bad + c.unjudgeable, 0);
if (counted !== corpus.spanCount) throw new Error(`slo-0 counted ${counted} of ${corpus.spanCount} server spans`);

const rates = { none: [] as number[], slos: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  rates.none.push(pass(none));
  rates.slos.push(pass(withSlos));
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const noneRate = median(rates.none);
const sloRate = median(rates.slos);

// Main thread: summing one batch's delta into the engine, and one evaluation of all 20 SLOs.
const engine = new SloEngine(slos, { startMinute: Math.floor(Date.now() / 60_000) - 60 });
const addRuns: number[] = [];
const evalRuns: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  let t0 = performance.now();
  for (const d of deltas) engine.add(d);
  addRuns.push(((performance.now() - t0) * 1000) / deltas.length);
  t0 = performance.now();
  engine.evaluate(Date.now());
  evalRuns.push(performance.now() - t0);
}

// The running gateway, pass-through then 20 SLOs (SLO_E2E=0 skips it).
const MAX_MS = Number(process.env.BENCH_MAX_SECONDS ?? 5) * 1000;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2) * 1000;
const work = mkdtempSync(join(tmpdir(), 'cairn-bench-slo-'));
let gateway: Record<string, unknown> | undefined;
if (process.env.SLO_E2E !== '0') {
  const corpusFile = join(work, 'corpus.bin');
  writeCorpus(corpusFile, corpus.requests);
  const sloFile = join(work, 'slos.yaml');
  writeFileSync(sloFile, sloYaml);
  process.env.BENCH_SLOS = sloFile;
  const sink = await OtlpHttpSink.start({ blackhole: true });
  let runs = 0;
  const plan = { sink, corpus: corpusFile, spansPerRequest: 512, connections: 8, durationMs: MAX_MS, warmupMs: WARMUP_MS };
  const run = (mode: 'pass' | 'slo'): Promise<SustainedRun> => {
    const storage = join(work, `g-${runs++}`);
    return sustainedRun('cairn-gateway.js', [sink.url, storage, '1', mode], plan, true, storage);
  };
  // Alternating pairs, so a change in the machine's load between two pairs does not read as a cost.
  const E2E_ROUNDS = Number(process.env.E2E_ROUNDS ?? 6);
  const pass: SustainedRun[] = [];
  const slo: SustainedRun[] = [];
  const loads: number[] = [];
  try {
    for (let r = 0; r < E2E_ROUNDS; r++) {
      loads.push(loadavg()[0]!);
      pass.push(await run('pass'));
      slo.push(await run('slo'));
    }
  } finally {
    await sink.close();
    rmSync(work, { recursive: true, force: true });
  }
  const rate = (xs: SustainedRun[]) => xs.map((x) => x.spansPerSecond);
  const pairRatios = pass.map((p, r) => slo[r]!.spansPerSecond / p.spansPerSecond);
  const cpuPerMillion = (xs: SustainedRun[], main = false) => {
    const cpu = xs.map((x) => (main ? x.mainThreadCpuSeconds : x.cpuSeconds));
    return cpu.every((c) => c !== undefined) ? cpu.map((c, i) => (c! / xs[i]!.spans) * 1e6) : undefined;
  };
  const cpuPass = cpuPerMillion(pass);
  const cpuSlo = cpuPerMillion(slo);
  const mainPass = cpuPerMillion(pass, true);
  const mainSlo = cpuPerMillion(slo, true);
  const medianPairRatio = median(pairRatios);
  gateway = {
    sustainedSpansPerSecond: { passThrough: Math.round(median(rate(pass))), with20Slos: Math.round(median(rate(slo))) },
    ratioOfMedians: Number((median(rate(slo)) / median(rate(pass))).toFixed(3)),
    medianPairRatio: Number(medianPairRatio.toFixed(3)),
    costPercent: Number((100 * (1 - medianPairRatio)).toFixed(1)),
    cpuSecondsPerMillionSpans: cpuPass && cpuSlo && {
      passThrough: Number(median(cpuPass).toFixed(2)),
      with20Slos: Number(median(cpuSlo).toFixed(2)),
      // The SLOs' share of the gateway's CPU per span (medians of the rounds), and the same from
      // the median of the pairs' ratios (a drift of the machine's load between pairs cancels out).
      costPercent: Number((100 * (1 - median(cpuPass) / median(cpuSlo))).toFixed(1)),
      pairCostPercent: Number((100 * (1 - median(cpuPass.map((p, r) => p / cpuSlo[r]!)))).toFixed(1)),
      // Of which the main thread's (HTTP, queue, export; the SLO engine): the tap runs on the processing thread.
      mainThread: mainPass && mainSlo && { passThrough: Number(median(mainPass).toFixed(2)), with20Slos: Number(median(mainSlo).toFixed(2)) },
    },
    rounds: {
      loadAtStart: loads.map((l) => Number(l.toFixed(2))),
      pass: rate(pass),
      slo: rate(slo),
      pairRatios: pairRatios.map((x) => Number(x.toFixed(3))),
      cpuPerMillion: cpuPass && cpuSlo && { pass: cpuPass.map((x) => Number(x.toFixed(2))), slo: cpuSlo.map((x) => Number(x.toFixed(2))) },
      mainThreadCpuPerMillion: mainPass && mainSlo && { pass: mainPass.map((x) => Number(x.toFixed(2))), slo: mainSlo.map((x) => Number(x.toFixed(2))) },
    },
  };
}

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAtStart, loadAtEnd: loadavg()[0] },
  corpus: { spans: corpus.spanCount, bytesPerSpan: Math.round(corpus.bytesPerSpan), spansPerRequest: 512 },
  slos: SLO_COUNT,
  gateway,
  perCoreSpansPerCpuSecond: { passThrough: Math.round(noneRate), with20Slos: Math.round(sloRate) },
  ratio: Number((sloRate / noneRate).toFixed(3)),
  costPercent: Number((100 * (1 - sloRate / noneRate)).toFixed(1)),
  goalPercent: 10,
  sloCostNsPerSpan: Math.round(1e9 / sloRate - 1e9 / noneRate),
  mainThread: { addMicrosPerBatch: Number(median(addRuns).toFixed(1)), evaluateAll20Ms: Number(median(evalRuns).toFixed(2)) },
  rounds: { none: rates.none.map(Math.round), slos: rates.slos.map(Math.round) },
};
console.log(JSON.stringify(result, null, 2));
const out = fileURLToPath(new URL('../../results/slo.json', import.meta.url));
mkdirSync(fileURLToPath(new URL('../../results/', import.meta.url)), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
