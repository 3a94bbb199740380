/**
 * The gateway benchmark. One run measures Cairn's gateway and a reference gateway built the
 * obvious way (protobufjs decode → JS objects → encode → forward), in the same conditions:
 * the standard corpus (real OTel SDK spans, 10 attributes, ~380 B/span, 512 spans a request),
 * a load generator in its own process over keep-alive connections, a blackhole OTLP sink.
 *
 * Per target it reports:
 *  - sustained throughput: closed-loop load for D seconds; sustained = spans acknowledged ÷
 *    (D + the time until the sink has received them all), so queueing up is not throughput;
 *  - latency the gateway adds at half that load (open loop, response time p50/p99);
 *  - peak RSS under 2× that load (open loop, from 512 connections as from many clients), and
 *    how the overload showed in the responses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { writeCorpus } from './corpus-file.js';
import type { LoadPlan, LoadReport } from './loadgen.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 8) * 1000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
// Overload comes from many clients at once, as at a gateway in front of many services: each
// connection is one client with a request outstanding.
const OVERLOAD_CONNECTIONS = Number(process.env.BENCH_OVERLOAD_CONNECTIONS ?? 512);
const SPANS_PER_REQUEST = 512;
const here = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
const corpus = traceCorpus({ batches: 40, spansPerBatch: SPANS_PER_REQUEST });
const corpusFile = join(work, 'corpus.bin');
writeCorpus(corpusFile, corpus.requests);
const sink = await OtlpHttpSink.start({ blackhole: true });

function startTarget(kind: 'cairn' | 'reference'): Promise<{ child: ChildProcess; port: number }> {
  const args = kind === 'cairn' ? [here('cairn-gateway.js'), sink.url, join(work, `queue-${Date.now()}`), String(WORKERS)] : [here('reference-gateway.js'), sink.url];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve({ child, port: (JSON.parse(out.split('\n')[0]!) as { http: number }).http });
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
  });
}

function load(plan: Omit<LoadPlan, 'corpus' | 'spansPerRequest'>): Promise<LoadReport> {
  const child = spawn(process.execPath, [here('loadgen.js'), JSON.stringify({ ...plan, corpus: corpusFile, spansPerRequest: SPANS_PER_REQUEST })], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadReport) : reject(new Error(`load generator exited with ${code}`))));
  });
}

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function waitForSink(spans: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (sink.totals.spans < spans && performance.now() - started < timeoutMs) await new Promise((r) => setTimeout(r, 10));
  return performance.now() - started;
}

async function measure(kind: 'cairn' | 'reference') {
  const { child, port } = await startTarget(kind);
  const url = `http://127.0.0.1:${port}/v1/traces`;
  try {
    await load({ url, mode: 'closed', connections: CONNECTIONS, durationMs: 2000 }); // warm-up
    await waitForSink(sink.totals.spans, 0);
    sink.clear();
    const max = await load({ url, mode: 'closed', connections: CONNECTIONS, durationMs: DURATION });
    const drainMs = await waitForSink(max.acceptedSpans, 60_000);
    const sustained = max.acceptedSpans / ((max.elapsedMs + drainMs) / 1000);

    const halfRate = sustained / 2 / SPANS_PER_REQUEST;
    const half = await load({ url, mode: 'open', connections: CONNECTIONS * 2, durationMs: DURATION, rate: halfRate, maxOutstanding: 256 });
    await waitForSink(sink.totals.spans + half.acceptedSpans, 60_000);

    const overloadRate = (sustained * 2) / SPANS_PER_REQUEST;
    let peakKb = rssKb(child.pid!);
    const sampler = setInterval(() => (peakKb = Math.max(peakKb, rssKb(child.pid!))), 50);
    const over = await load({ url, mode: 'open', connections: OVERLOAD_CONNECTIONS, durationMs: DURATION, rate: overloadRate, maxOutstanding: 1024 });
    clearInterval(sampler);
    return {
      sustainedSpansPerSecond: Math.round(sustained),
      closedLoop: { acceptedSpansPerSecond: Math.round(max.acceptedSpans / (max.elapsedMs / 1000)), drainMs: Math.round(drainMs), statuses: max.statuses, errors: max.errors },
      halfLoad: { spansPerSecond: Math.round(halfRate * SPANS_PER_REQUEST), latencyMs: half.latencyMs, statuses: half.statuses, errors: half.errors },
      overload: {
        offeredSpansPerSecond: Math.round(overloadRate * SPANS_PER_REQUEST),
        peakRssMiB: Math.round(peakKb / 1024),
        statuses: over.statuses,
        errors: over.errors,
        skippedByClient: over.skippedByClient,
        latencyMs: over.latencyMs,
      },
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const cairn = await measure('cairn');
sink.clear();
const reference = await measure('reference');
await sink.close();

const result = {
  benchmark: 'gateway: OTLP/HTTP protobuf in → blackhole OTLP/HTTP sink, no stages',
  command: 'npm run build && node bench/gateway/dist/run.js',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, note: 'load generator, gateway and sink share these cores' },
  corpus: { spansPerRequest: SPANS_PER_REQUEST, bytesPerSpan: Number(corpus.bytesPerSpan.toFixed(1)), source: 'OTel JS SDK + ProtobufTraceSerializer' },
  settings: { durationSeconds: DURATION / 1000, connections: CONNECTIONS, cairnWorkers: WORKERS, cairnQueue: 'sqlite (WAL, synchronous=normal)' },
  cairn,
  reference: { description: 'protobufjs decode → toObject → fromObject → encode → forward, answer after the backend', ...reference },
  ratios: {
    sustainedThroughput: Number((cairn.sustainedSpansPerSecond / reference.sustainedSpansPerSecond).toFixed(2)),
    p99AtHalfLoad: Number((cairn.halfLoad.latencyMs.p99 / Math.max(0.01, reference.halfLoad.latencyMs.p99)).toFixed(2)),
    peakRssUnderOverload: Number((cairn.overload.peakRssMiB / Math.max(1, reference.overload.peakRssMiB)).toFixed(2)),
  },
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'gateway.json'), `${JSON.stringify(result, null, 2)}\n`);
const line = (name: string, r: typeof cairn) =>
  `${name.padEnd(10)} sustained ${String(r.sustainedSpansPerSecond).padStart(8)} spans/s | half load p50 ${r.halfLoad.latencyMs.p50} ms p99 ${r.halfLoad.latencyMs.p99} ms | 2x overload peak RSS ${r.overload.peakRssMiB} MiB, answers ${JSON.stringify(r.overload.statuses)} errors ${r.overload.errors}`;
console.log(line('cairn', cairn));
console.log(line('reference', reference));
console.log(`ratio (cairn / reference): throughput ${result.ratios.sustainedThroughput}x, p99 at half load ${result.ratios.p99AtHalfLoad}x, peak RSS under overload ${result.ratios.peakRssUnderOverload}x`);
