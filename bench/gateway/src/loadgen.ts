// The load generator, in its own process: posts the corpus as OTLP/HTTP protobuf over keep-alive
// connections and reports what came back.
//  - `closed`: N requests in flight, each sent when the previous answer arrives (maximum
//    throughput).
//  - `open`: a constant arrival rate whatever the answers do. Each request has a scheduled send
//    time (start + i / rate) and its latency runs from that time, not from when it went out, so
//    a slow answer that delays later sends is charged to them too (no coordinated omission).
//    `serviceMs` is also given: from the actual send, for comparison.
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
  /**
   * Open mode: requests allowed outstanding before the client skips a scheduled send (counted
   * in `skippedByClient`). Only the overload phase sets it low; elsewhere a skip is a failure.
   */
  maxOutstanding?: number;
  spansPerRequest: number;
}

export interface Percentiles { p50: number; p90: number; p99: number; max: number; count: number }

export interface LoadReport {
  elapsedMs: number;
  sent: number;
  statuses: Record<string, number>;
  acceptedSpans: number;
  skippedByClient: number;
  errors: number;
  /** Open mode: from the scheduled send time; closed mode: from the send. */
  latencyMs: Percentiles;
  serviceMs: Percentiles;
}

const plan = JSON.parse(process.argv[2]!) as LoadPlan;
const bodies = readCorpus(plan.corpus);
const url = new URL(plan.url);
const pool = new Pool(url.origin, { connections: plan.connections, pipelining: 1, keepAliveTimeout: 30_000 });
const statuses: Record<string, number> = {};
const latencies: number[] = [];
const services: number[] = [];
let sent = 0;
let accepted = 0;
let errors = 0;
let skipped = 0;
let next = 0;

async function one(scheduled: number): Promise<void> {
  const body = bodies[next++ % bodies.length]!;
  sent++;
  const started = performance.now();
  try {
    const res = await pool.request({ path: url.pathname, method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
    await res.body.dump();
    const done = performance.now();
    latencies.push(done - scheduled);
    services.push(done - started);
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
    while (performance.now() < deadline) await one(performance.now());
  }));
} else {
  const interval = 1000 / plan.rate!;
  const limit = plan.maxOutstanding ?? Number.POSITIVE_INFINITY;
  const outstanding = new Set<Promise<void>>();
  let due = started;
  while (due < deadline) {
    const now = performance.now();
    while (due <= now && due < deadline) {
      const scheduled = due;
      due += interval;
      if (outstanding.size >= limit) {
        skipped++;
        continue;
      }
      const p = one(scheduled).finally(() => outstanding.delete(p));
      outstanding.add(p);
    }
    // Timers fire late by up to a millisecond or so; the lateness is in every target's figures
    // alike (the sink baseline too), and it is charged to latency, never hidden. No busy wait:
    // it would take a core from the gateway under test.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(due - performance.now(), 5))));
  }
  await Promise.all(outstanding);
}
const elapsedMs = performance.now() - started;
await pool.close();
function percentiles(xs: number[]): Percentiles {
  xs.sort((a, b) => a - b);
  const at = (q: number): number => Number((xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0).toFixed(2));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), count: xs.length };
}
const report: LoadReport = { elapsedMs, sent, statuses, acceptedSpans: accepted, skippedByClient: skipped, errors, latencyMs: percentiles(latencies), serviceMs: percentiles(services) };
process.stdout.write(`${JSON.stringify(report)}\n`);
