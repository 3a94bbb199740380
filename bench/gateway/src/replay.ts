/**
 * Replay after an outage: how fast a backlog already in the SQLite queue reaches a blackhole
 * OTLP/HTTP sink once the gateway starts. The backlog is written straight into the queue file
 * (what an outage leaves behind), then a gateway starts on it and the clock runs until the
 * queue is empty. Ablation (not a reference: it is Cairn itself with one feature off): the same
 * gateway with `batch: { enabled: false }`, one export request per queued batch (what it did
 * before merging), alternated with it in every round. It shows what merging buys; the settings
 * reported are read from the parsed config, so they are the ones that ran. Two shapes: small
 * batches (20 spans, as from many short-lived clients) and the SDK's default 512.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Gateway, SqliteQueueStore, parseConfig } from '@cairn/gateway';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { traceCorpus } from '../../otlp/dist/corpus.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SHAPES = [
  { name: 'small batches', spansPerBatch: 20, batches: 10_000 },
  { name: 'SDK batches', spansPerBatch: 512, batches: 1_000 },
];

const sink = await OtlpHttpSink.start({ blackhole: true });
const work = mkdtempSync(join(tmpdir(), 'cairn-replay-'));

/** The settings that ran, from the parsed config of the merged run (the ablation differs only in `batch`). */
let settings: { concurrency: number; batch: { max_items: number; max_size: number } } | undefined;

async function replay(shape: (typeof SHAPES)[number], requests: Uint8Array[], merge: boolean): Promise<{ seconds: number; requests: number }> {
  const dir = mkdtempSync(join(work, 'q-'));
  const store = new SqliteQueueStore({ path: join(dir, 'queue.db'), limits: new Map([['backend', Number.MAX_SAFE_INTEGER]]) });
  for (let i = 0; i < shape.batches; i += 500) {
    store.enqueue(Array.from({ length: Math.min(500, shape.batches - i) }, (_, k) => ({ destination: 'backend', tenant: 'bench', signal: 'traces' as const, body: requests[(i + k) % requests.length]!, items: shape.spansPerBatch })));
  }
  store.close();
  const config = parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 } } }
admin: null
auth: { anonymous: true }
storage: { directory: ${JSON.stringify(dir)} }
destinations:
  backend:
    exporter: { otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none } }
    batch: { enabled: ${merge} }
`, 'replay.yaml');
  const destination = config.destinations[0]!;
  if (merge) settings = { concurrency: destination.concurrency, batch: { max_items: destination.batch.maxItems, max_size: destination.batch.maxBytes } };
  sink.clear();
  const started = performance.now();
  const gateway = await Gateway.start(config, { workers: 1, logger: pino({ level: 'silent' }) });
  while (gateway.queue.depth('backend').batches > 0) await new Promise((resolve) => setTimeout(resolve, 2));
  const seconds = (performance.now() - started) / 1000;
  const sent = sink.totals.requests;
  await gateway.stop();
  if (sink.totals.spans !== shape.batches * shape.spansPerBatch) throw new Error(`sink got ${sink.totals.spans} spans, expected ${shape.batches * shape.spansPerBatch}`);
  rmSync(dir, { recursive: true, force: true });
  return { seconds, requests: sent };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = [];
for (const shape of SHAPES) {
  const corpus = traceCorpus({ batches: 20, spansPerBatch: shape.spansPerBatch });
  const rates = { merged: [] as number[], single: [] as number[] };
  let requests = { merged: 0, single: 0 };
  for (let round = 0; round <= ROUNDS; round++) {
    const merged = await replay(shape, corpus.requests, true);
    const single = await replay(shape, corpus.requests, false);
    if (round === 0) continue; // warm-up
    rates.merged.push((shape.batches * shape.spansPerBatch) / merged.seconds);
    rates.single.push((shape.batches * shape.spansPerBatch) / single.seconds);
    requests = { merged: merged.requests, single: single.requests };
  }
  const cairn = Math.round(median(rates.merged));
  const ablation = Math.round(median(rates.single));
  results.push({
    shape: shape.name, spansPerBatch: shape.spansPerBatch, batches: shape.batches,
    cairn: { spansPerSecond: cairn, exportRequests: requests.merged },
    ablationNoMerging: { spansPerSecond: ablation, exportRequests: requests.single },
    ratio: Number((cairn / ablation).toFixed(2)),
  });
  console.log(`${shape.name.padEnd(14)} (${shape.batches} × ${shape.spansPerBatch} spans): merged ${cairn} spans/s in ${requests.merged} requests | ablation, one per batch: ${ablation} spans/s in ${requests.single} | ${(cairn / ablation).toFixed(2)}x`);
}
await sink.close();
rmSync(work, { recursive: true, force: true });

const result = {
  benchmark: 'gateway replay: a backlog in the SQLite queue → blackhole OTLP/HTTP sink',
  command: 'npm run build && node bench/gateway/dist/replay.js',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  settings: { rounds: ROUNDS, ...settings, source: 'read from the parsed config of the merged run (defaults)' },
  ablation: 'not a reference: the same gateway with batch: { enabled: false } (one export request per queued batch), alternated in every round; shows what merging buys',
  results,
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'gateway-replay.json'), `${JSON.stringify(result, null, 2)}\n`);
