// The load generator, in its own process: posts the corpus as OTLP/HTTP protobuf over keep-alive
// connections and reports what came back. `closed` mode keeps N requests in flight as fast as
// answers arrive (maximum throughput); `open` mode sends at a fixed rate whatever the answers do
// (latency at a given load, and overload).
import { Pool } from 'undici';
import { readCorpus } from './corpus-file.js';

export interface LoadPlan {
  url: string;
  corpus: string;
  mode: 'closed' | 'open';
  connections: number;
  durationMs: number;
  /** Requests per second, open mode. */
  rate?: number;
  /** Open mode: requests allowed outstanding before the client itself skips a send. */
  maxOutstanding?: number;
  spansPerRequest: number;
}

export interface LoadReport {
  elapsedMs: number;
  sent: number;
  statuses: Record<string, number>;
  acceptedSpans: number;
  skippedByClient: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; count: number };
}

const plan = JSON.parse(process.argv[2]!) as LoadPlan;
const bodies = readCorpus(plan.corpus);
const url = new URL(plan.url);
const pool = new Pool(url.origin, { connections: plan.connections, pipelining: 1, keepAliveTimeout: 30_000 });
const statuses: Record<string, number> = {};
const latencies: number[] = [];
let sent = 0;
let accepted = 0;
let errors = 0;
let skipped = 0;
let next = 0;

async function one(): Promise<void> {
  const body = bodies[next++ % bodies.length]!;
  sent++;
  const started = performance.now();
  try {
    const res = await pool.request({ path: url.pathname, method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
    await res.body.dump();
    latencies.push(performance.now() - started);
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    if (res.statusCode === 200) accepted += plan.spansPerRequest;
  } catch {
    errors++;
  }
}

const started = performance.now();
const deadline = started + plan.durationMs;
if (plan.mode === 'closed') {
  await Promise.all(Array.from({ length: plan.connections }, async () => {
    while (performance.now() < deadline) await one();
  }));
} else {
  const interval = 1000 / plan.rate!;
  const outstanding = new Set<Promise<void>>();
  let due = started;
  while (performance.now() < deadline) {
    const now = performance.now();
    while (due <= now) {
      due += interval;
      if (outstanding.size >= (plan.maxOutstanding ?? 512)) {
        skipped++;
        continue;
      }
      const p = one().finally(() => outstanding.delete(p));
      outstanding.add(p);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(5, due - performance.now()))));
  }
  await Promise.all(outstanding);
}
const elapsedMs = performance.now() - started;
await pool.close();
latencies.sort((a, b) => a - b);
const at = (q: number): number => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2));
const report: LoadReport = {
  elapsedMs, sent, statuses, acceptedSpans: accepted, skippedByClient: skipped, errors,
  latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), count: latencies.length },
};
process.stdout.write(`${JSON.stringify(report)}\n`);
