// A/B of the gateway's maximum sustained throughput between two checkouts: `node ab.js OTHER_ROOT`.
// Alternates this checkout's gateway and OTHER_ROOT's (same load generator, same sink, same corpus)
// for BENCH_AB_ROUNDS rounds and prints the medians. A scratch tool for finding regressions.
// BENCH_AB_MODE=strategy runs both with the default data strategy; BENCH_AB_WORKERS (default 1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { traceCorpus } from '../../otlp/dist/corpus.js';
import { writeCorpus } from './corpus-file.js';
import { runLoad, startTarget, stopTarget, waitForSink } from './harness.js';

const other = process.argv[2]!;
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 3);
const mode = process.env.BENCH_AB_MODE ?? 'pass';
const workers = process.env.BENCH_AB_WORKERS ?? '1';
const work = mkdtempSync(join(tmpdir(), 'cairn-ab-'));
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512 });
const corpusFile = join(work, 'corpus.bin');
writeCorpus(corpusFile, corpus.requests);
const sink = await OtlpHttpSink.start({ blackhole: true });
const results: Record<string, number[]> = { this: [], other: [] };
let n = 0;
for (let i = 0; i < rounds; i++) {
  for (const which of ['this', 'other'] as const) {
    const script = which === 'this' ? 'cairn-gateway.js' : join(other, 'bench/gateway/dist/cairn-gateway.js');
    const storage = join(work, `q${n++}`);
    const target = await startTarget(script, [sink.url, storage, workers, mode], storage);
    try {
      sink.clear();
      let base = 0;
      const report = await runLoad({ url: `http://127.0.0.1:${target.port}/v1/traces`, corpus: corpusFile, spansPerRequest: 512, mode: 'closed', connections: 8, durationMs: 5000, warmupMs: 2000 }, async (warm) => {
        await waitForSink(sink, warm);
        base = sink.totals.spans;
      });
      const drainMs = await waitForSink(sink, base + report.acceptedSpans, 120_000);
      results[which]!.push(Math.round(report.acceptedSpans / ((report.elapsedMs + drainMs) / 1000)));
    } finally {
      await stopTarget(target);
    }
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(JSON.stringify({ this: results.this, other: results.other, medianThis: median(results.this!), medianOther: median(results.other!), ratio: Number((median(results.this!) / median(results.other!)).toFixed(2)) }));
await sink.close();
rmSync(work, { recursive: true, force: true });
