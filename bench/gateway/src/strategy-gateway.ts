/**
 * The content stages inside a running gateway: maximum sustained throughput (closed loop, the
 * standard corpus, a blackhole sink, the same load generator as run.ts) of Cairn's gateway
 * without and with the default strategy (given in the config, as `cairn up` reads it), on
 * BENCH_WORKERS processing threads (default 2: the machine's cores), alternating the two for
 * BENCH_ROUNDS rounds (default 3) in the same run; medians and their ratio.
 *
 * Run: npm run build && node bench/gateway/dist/strategy-gateway.js   (BENCH_MAX_SECONDS=6)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { writeCorpus } from './corpus-file.js';
import { sustainedMax } from './harness.js';

const MAX_MS = Number(process.env.BENCH_MAX_SECONDS ?? 6) * 1000;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2) * 1000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SPANS_PER_REQUEST = 512;
const WORKERS = process.env.BENCH_WORKERS ?? '2';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'cairn-bench-strategy-'));
const corpus = traceCorpus({ batches: 40, spansPerBatch: SPANS_PER_REQUEST });
const corpusFile = join(work, 'corpus.bin');
writeCorpus(corpusFile, corpus.requests);
const sink = await OtlpHttpSink.start({ blackhole: true });
const loadAtStart = loadavg()[0]!;

let runs = 0;
const plan = { sink, corpus: corpusFile, spansPerRequest: SPANS_PER_REQUEST, connections: CONNECTIONS, durationMs: MAX_MS, warmupMs: WARMUP_MS };
const max = (mode: 'pass' | 'strategy'): Promise<number> => sustainedMax('cairn-gateway.js', [sink.url, join(work, `g-${runs++}`), WORKERS, mode], plan);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

try {
  const rounds: { pass: number; strategy: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const pass = await max('pass');
    const strategy = await max('strategy');
    rounds.push({ pass, strategy });
    console.error(`round ${i + 1}: pass-through ${pass}, default strategy ${strategy} spans/s`);
  }
  const pass = median(rounds.map((r) => r.pass));
  const strategy = median(rounds.map((r) => r.strategy));
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAtStart, loadAtEnd: loadavg()[0] },
    workers: Number(WORKERS),
    rounds,
    medianSustainedSpansPerSecond: { passThrough: pass, defaultStrategy: strategy },
    ratio: Number((strategy / pass).toFixed(2)),
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(fileURLToPath(new URL('../../results/gateway-strategy-e2e.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await sink.close();
}
