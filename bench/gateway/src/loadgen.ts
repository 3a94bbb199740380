// The load generator, in its own process: posts the corpus as OTLP/HTTP protobuf over keep-alive
// connections and reports what came back.
//  - `closed`: N requests in flight, each sent when the previous answer arrives (maximum
//    throughput).
//  - `open`: a constant arrival rate whatever the answers do. Each request has a scheduled send
//    time (start + i / rate) and its latency runs from that time, not from when it went out, so
//    a slow answer that delays later sends is charged to them too (no coordinated omission).
//    `serviceMs` is also given: from the actual send, for comparison.
// With `warmupMs`, the same process and connections first run a warm-up phase at the same rate
// (or closed loop), print {"warm": acceptedSpans}, and wait for a line on stdin before the
// measured phase: the orchestrator drains the warm-up to the sink in between, and the measured
// phase never pays for a cold client (JIT, connections).
import { createInterface } from 'node:readline';
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
  /** A warm-up phase before the measured one, in the same process and connections. */
  warmupMs?: number;
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
  /** Spans acknowledged in each whole second of the phase (the last, partial second left out). */
  perSecond: number[];
}

const plan = JSON.parse(process.argv[2]!) as LoadPlan;
const bodies = readCorpus(plan.corpus);
const url = new URL(plan.url);
const pool = new Pool(url.origin, { connections: plan.connections, pipelining: 1, keepAliveTimeout: 30_000 });
let next = 0;

class Phase {
  readonly statuses: Record<string, number> = {};
  readonly latencies: number[] = [];
  readonly services: number[] = [];
  sent = 0;
  accepted = 0;
  errors = 0;
  skipped = 0;
  /** Spans acknowledged per second since `started`. */
  readonly perSecond: number[] = [];
  private started = 0;

  async one(scheduled: number): Promise<void> {
    const body = bodies[next++ % bodies.length]!;
    this.sent++;
    const started = performance.now();
    try {
      const res = await pool.request({ path: url.pathname, method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
      await res.body.dump();
      const done = performance.now();
      this.latencies.push(done - scheduled);
      this.services.push(done - started);
      this.statuses[res.statusCode] = (this.statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode === 200) {
        this.accepted += plan.spansPerRequest;
        const second = Math.floor((done - this.started) / 1000);
        this.perSecond[second] = (this.perSecond[second] ?? 0) + plan.spansPerRequest;
      }
    } catch {
      this.errors++;
    }
  }

  /** Runs for `durationMs`, then waits for every answer; returns the elapsed ms. */
  async run(durationMs: number): Promise<number> {
    const started = performance.now();
    this.started = started;
    const deadline = started + durationMs;
    if (plan.mode === 'closed') {
      await Promise.all(Array.from({ length: plan.connections }, async () => {
        while (performance.now() < deadline) await this.one(performance.now());
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
            this.skipped++;
            continue;
          }
          const p = this.one(scheduled).finally(() => outstanding.delete(p));
          outstanding.add(p);
        }
        // Timers fire late by up to a millisecond or so; the lateness is in every target's
        // figures alike (the sink baseline too), and it is charged to latency, never hidden. No
        // busy wait: it would take a core from the gateway under test.
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(due - performance.now(), 5))));
      }
      await Promise.all(outstanding);
    }
    return performance.now() - started;
  }
}

if (plan.warmupMs !== undefined && plan.warmupMs > 0) {
  const warm = new Phase();
  await warm.run(plan.warmupMs);
  process.stdout.write(`${JSON.stringify({ warm: warm.accepted })}\n`);
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
}
const phase = new Phase();
const elapsedMs = await phase.run(plan.durationMs);
await pool.close();
function percentiles(xs: number[]): Percentiles {
  xs.sort((a, b) => a - b);
  const at = (q: number): number => Number((xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0).toFixed(2));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), count: xs.length };
}
const report: LoadReport = {
  elapsedMs, sent: phase.sent, statuses: phase.statuses, acceptedSpans: phase.accepted, skippedByClient: phase.skipped, errors: phase.errors,
  latencyMs: percentiles(phase.latencies), serviceMs: percentiles(phase.services),
  perSecond: Array.from({ length: Math.floor(elapsedMs / 1000) }, (_, i) => phase.perSecond[i] ?? 0),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
