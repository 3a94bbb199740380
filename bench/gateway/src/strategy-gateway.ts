/**
 * The content stages inside a running gateway: maximum sustained throughput (closed loop, the
 * standard corpus, a blackhole sink, the same load generator as run.ts) of Cairn's gateway
 * without and with the default strategy (given in the config, as `cairn up` reads it), on
 * BENCH_WORKERS processing threads (default 2: the machine's cores), alternating the two for
 * BENCH_ROUNDS rounds (default 4, order swapped every other round) in the same run; medians,
 * their ratio and the median of per-round ratios. Also the gateway process's CPU seconds per
 * million spans (all its threads, /proc/<pid>/stat over the measured phase; and the main thread's
 * alone, /proc/<pid>/task/<pid>/stat): on a shared 2-core
 * machine the throughput moves with what else runs (the load generator and the sink share the
 * cores), CPU per span much less, and its ratio is what the strategy costs per span.
 *
 * Run: npm run build && node bench/gateway/dist/strategy-gateway.js   (BENCH_MAX_SECONDS=6)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { writeCorpus } from './corpus-file.js';
import { sustainedRun, type SustainedRun } from './harness.js';

const MAX_MS = Number(process.env.BENCH_MAX_SECONDS ?? 6) * 1000;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2) * 1000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SPANS_PER_REQUEST = 512;
const WORKERS = process.env.BENCH_WORKERS ?? '2';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const work = mkdtempSync(join(tmpdir(), 'cairn-bench-strategy-'));
const corpus = traceCorpus({ batches: 40, spansPerBatch: SPANS_PER_REQUEST });
const corpusFile = join(work, 'corpus.bin');
writeCorpus(corpusFile, corpus.requests);
const sink = await OtlpHttpSink.start({ blackhole: true });
const loadAtStart = loadavg()[0]!;

let runs = 0;
const plan = { sink, corpus: corpusFile, spansPerRequest: SPANS_PER_REQUEST, connections: CONNECTIONS, durationMs: MAX_MS, warmupMs: WARMUP_MS };
const max = (mode: 'pass' | 'strategy'): Promise<SustainedRun> => {
  const storage = join(work, `g-${runs++}`);
  return sustainedRun('cairn-gateway.js', [sink.url, storage, WORKERS, mode], plan, true, storage);
};
const cpuPerMillion = (r: SustainedRun): number | undefined => (r.cpuSeconds === undefined ? undefined : Number(((r.cpuSeconds / r.spans) * 1e6).toFixed(2)));
// The main thread's share (sockets, queue, exports); the rest is the processing threads and V8's GC helpers.
const mainCpuPerMillion = (r: SustainedRun): number | undefined => (r.mainThreadCpuSeconds === undefined ? undefined : Number(((r.mainThreadCpuSeconds / r.spans) * 1e6).toFixed(2)));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

try {
  const rounds: { pass: number; strategy: number; passCpuSecondsPerMillionSpans?: number; strategyCpuSecondsPerMillionSpans?: number; passMainThreadCpu?: number; strategyMainThreadCpu?: number; load: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const first = i % 2 === 0 ? 'pass' : 'strategy';
    const a = await max(first);
    const b = await max(first === 'pass' ? 'strategy' : 'pass');
    const [p, st] = first === 'pass' ? [a, b] : [b, a];
    const row = { pass: p.spansPerSecond, strategy: st.spansPerSecond, passCpuSecondsPerMillionSpans: cpuPerMillion(p), strategyCpuSecondsPerMillionSpans: cpuPerMillion(st), passMainThreadCpu: mainCpuPerMillion(p), strategyMainThreadCpu: mainCpuPerMillion(st), load: Number(loadavg()[0]!.toFixed(1)) };
    rounds.push(row);
    console.error(`round ${i + 1}: pass-through ${row.pass} spans/s (${row.passCpuSecondsPerMillionSpans} CPU s per million), default strategy ${row.strategy} (${row.strategyCpuSecondsPerMillionSpans}; main thread ${row.passMainThreadCpu} and ${row.strategyMainThreadCpu}), load ${row.load}`);
  }
  const pass = median(rounds.map((r) => r.pass));
  const strategy = median(rounds.map((r) => r.strategy));
  const passCpu = rounds.every((r) => r.passCpuSecondsPerMillionSpans !== undefined) ? median(rounds.map((r) => r.passCpuSecondsPerMillionSpans!)) : undefined;
  const strategyCpu = rounds.every((r) => r.strategyCpuSecondsPerMillionSpans !== undefined) ? median(rounds.map((r) => r.strategyCpuSecondsPerMillionSpans!)) : undefined;
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAtStart, loadAtEnd: loadavg()[0] },
    workers: Number(WORKERS),
    rounds,
    medianSustainedSpansPerSecond: { passThrough: pass, defaultStrategy: strategy },
    ratio: Number((strategy / pass).toFixed(2)),
    medianOfRoundRatios: Number(median(rounds.map((r) => r.strategy / r.pass)).toFixed(2)),
    gatewayCpuSecondsPerMillionSpans: { passThrough: passCpu, defaultStrategy: strategyCpu },
    // Of it, the main thread's (the medians of the rounds).
    mainThreadCpuSecondsPerMillionSpans: rounds.every((r) => r.passMainThreadCpu !== undefined && r.strategyMainThreadCpu !== undefined)
      ? { passThrough: median(rounds.map((r) => r.passMainThreadCpu!)), defaultStrategy: median(rounds.map((r) => r.strategyMainThreadCpu!)) }
      : undefined,
    // Spans per gateway CPU-second with the strategy, over pass-through's: the ratio when the gateway has the cores to itself.
    cpuRatio: passCpu !== undefined && strategyCpu !== undefined ? Number((passCpu / strategyCpu).toFixed(2)) : undefined,
    goals: { spansPerSecond: 250_000, ratio: 0.6 },
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(fileURLToPath(new URL('../../results/gateway-strategy-e2e.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await sink.close();
  rmSync(work, { recursive: true, force: true });
}
