/**
 * A diagnostic for the 50k spans/s tail: Cairn's gateway at one open-loop load with different
 * numbers of processing threads, each round preceded by the sink alone, 20-second phases.
 * Prints p50/p99 added (against that round's sink-alone run) and the gateway's absolute p99.
 * With BENCH_GC=1 / BENCH_LOOP_DELAY=1 the gateway prints its GC pauses / event-loop delay.
 * The rounds also go to bench/results/latency-ab.json.
 *
 * Run: npm run build && node bench/gateway/dist/latency-ab.js
 *      (VARIANTS=1,0 ROUNDS=2 SECS=20 SPANS=50000)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { writeCorpus } from './corpus-file.js';
import { runLoad, startTarget, stopTarget, waitForSink } from './harness.js';
import type { Percentiles } from './loadgen.js';

const VARIANTS = (process.env.VARIANTS ?? '1,0').split(',');
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const SECS = Number(process.env.SECS ?? 20);
const SPANS = Number(process.env.SPANS ?? 50_000);
const work = mkdtempSync(join(tmpdir(), 'cairn-latency-ab-'));
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512 });
const corpusFile = join(work, 'corpus.bin');
writeCorpus(corpusFile, corpus.requests);
const sink = await OtlpHttpSink.start({ blackhole: true });
const plan = (port: number) => ({ url: `http://127.0.0.1:${port}/v1/traces`, corpus: corpusFile, spansPerRequest: 512, mode: 'open' as const, connections: 32, durationMs: SECS * 1000, rate: SPANS / 512, warmupMs: 2000 });

let n = 0;
async function gateway(workers: string): Promise<Percentiles> {
  const storage = join(work, `g${n++}`);
  const target = await startTarget('cairn-gateway.js', [sink.url, storage, workers], storage);
  try {
    sink.clear();
    return (await runLoad(plan(target.port), async (warm) => { await waitForSink(sink, warm); })).latencyMs;
  } finally {
    await stopTarget(target);
  }
}

const rounds: { round: number; workers: number; load: number; sinkAloneP99Ms: number; gatewayP50Ms: number; gatewayP99Ms: number; addedP50Ms: number; addedP99Ms: number }[] = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    const base = (await runLoad(plan(Number(new URL(sink.url).port)))).latencyMs;
    for (const workers of VARIANTS) {
      const l = await gateway(workers);
      const round2 = (x: number) => Number(x.toFixed(2));
      rounds.push({ round: r + 1, workers: Number(workers), load: round2(loadavg()[0]!), sinkAloneP99Ms: round2(base.p99), gatewayP50Ms: round2(l.p50), gatewayP99Ms: round2(l.p99), addedP50Ms: round2(l.p50 - base.p50), addedP99Ms: round2(l.p99 - base.p99) });
      console.log(`round ${r + 1} workers=${workers} load=${loadavg()[0]!.toFixed(1)}: added p50 ${(l.p50 - base.p50).toFixed(2)} p99 ${(l.p99 - base.p99).toFixed(2)} ms; gateway p99 ${l.p99.toFixed(2)} max ${l.max.toFixed(1)} ms; sink alone p99 ${base.p99.toFixed(2)} ms`);
    }
  }
  const result = { date: new Date().toISOString(), offeredSpansPerSecond: SPANS, phaseSeconds: SECS, rounds };
  mkdirSync(fileURLToPath(new URL('../../results/', import.meta.url)), { recursive: true });
  writeFileSync(fileURLToPath(new URL('../../results/latency-ab.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await sink.close();
  rmSync(work, { recursive: true, force: true });
}
