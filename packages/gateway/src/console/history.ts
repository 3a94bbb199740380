// The Overview's figures: totals per receiver and per destination read from the gateway's own
// Prometheus counters, and an in-memory series of them sampled every ~10 s over the last hour,
// so the console draws rates without a Prometheus server.
import type { Counter } from 'prom-client';
import type { QueueStore } from '../queue/types.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';

export interface ReceiverFigures {
  received_items: number;
  accepted_items: number;
  /** Items refused for any reason, plus whole requests refused before their items were known. */
  refused_items: number;
  refused_requests: number;
  /** Answers that told the client to slow down: queue full, in-flight bytes over the limit, shutting down. */
  backpressure: number;
}

export interface DestinationFigures {
  exported_items: number;
  failed_items: number;
  retried_items: number;
  dead_letter_items: number;
  queue_bytes: number;
  queue_batches: number;
  dead_letter_batches: number;
}

export interface Snapshot {
  at: number;
  receivers: Record<string, ReceiverFigures>;
  destinations: Record<string, DestinationFigures>;
}

/** Reasons (of items or of whole requests) that are backpressure rather than bad input. */
const BACKPRESSURE = new Set(['queue_full', 'in_flight', 'stopping', '429', '503', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE']);

async function byLabel(counter: Counter<string>, label: string, pick: (labels: Partial<Record<string, string | number>>) => boolean = () => true): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const { labels, value } of (await counter.get()).values) {
    if (!pick(labels)) continue;
    const key = String(labels[label] ?? '');
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

export async function snapshot(metrics: GatewayMetrics, store: QueueStore | undefined, receivers: readonly string[], destinations: readonly string[], at: number): Promise<Snapshot> {
  const [received, accepted, refused, refusedRequests, backItems, backRequests, exported, failed, retried, dead] = await Promise.all([
    byLabel(metrics.received, 'receiver'),
    byLabel(metrics.accepted, 'receiver'),
    byLabel(metrics.refused, 'receiver'),
    byLabel(metrics.refusedRequests, 'receiver'),
    byLabel(metrics.refused, 'receiver', (l) => BACKPRESSURE.has(String(l.reason))),
    byLabel(metrics.refusedRequests, 'receiver', (l) => BACKPRESSURE.has(String(l.reason))),
    byLabel(metrics.exported, 'destination'),
    byLabel(metrics.failed, 'destination'),
    byLabel(metrics.failed, 'destination', (l) => l.retry === 'true'),
    byLabel(metrics.deadLetters, 'destination'),
  ]);
  const stats = store?.deadLetterStats();
  const out: Snapshot = { at, receivers: {}, destinations: {} };
  for (const r of receivers) {
    out.receivers[r] = {
      received_items: received.get(r) ?? 0,
      accepted_items: accepted.get(r) ?? 0,
      refused_items: refused.get(r) ?? 0,
      refused_requests: refusedRequests.get(r) ?? 0,
      backpressure: (backItems.get(r) ?? 0) + (backRequests.get(r) ?? 0),
    };
  }
  for (const d of destinations) {
    const depth = store?.depth(d) ?? { bytes: 0, batches: 0 };
    out.destinations[d] = {
      exported_items: exported.get(d) ?? 0,
      failed_items: failed.get(d) ?? 0,
      retried_items: retried.get(d) ?? 0,
      dead_letter_items: dead.get(d) ?? 0,
      queue_bytes: depth.bytes,
      queue_batches: depth.batches,
      dead_letter_batches: stats?.get(d)?.batches ?? 0,
    };
  }
  return out;
}

/** One point of the Overview's charts: rates per second since the point before, and levels. */
export interface SeriesPoint {
  at: string;
  receivers: Record<string, { ingest_rate: number; refused_rate: number; backpressure_rate: number }>;
  destinations: Record<string, { export_rate: number; failed_rate: number; queue_bytes: number; dead_letter_batches: number }>;
}

export function pointBetween(before: Snapshot, after: Snapshot): SeriesPoint {
  const seconds = Math.max(0.001, (after.at - before.at) / 1000);
  const rate = (a: number, b: number | undefined) => Math.max(0, a - (b ?? 0)) / seconds;
  const point: SeriesPoint = { at: new Date(after.at).toISOString(), receivers: {}, destinations: {} };
  for (const [name, r] of Object.entries(after.receivers)) {
    const p = before.receivers[name];
    point.receivers[name] = { ingest_rate: rate(r.accepted_items, p?.accepted_items), refused_rate: rate(r.refused_items + r.refused_requests, p && p.refused_items + p.refused_requests), backpressure_rate: rate(r.backpressure, p?.backpressure) };
  }
  for (const [name, d] of Object.entries(after.destinations)) {
    const p = before.destinations[name];
    point.destinations[name] = { export_rate: rate(d.exported_items, p?.exported_items), failed_rate: rate(d.failed_items, p?.failed_items), queue_bytes: d.queue_bytes, dead_letter_batches: d.dead_letter_batches };
  }
  return point;
}

/**
 * The last hour of snapshots, one per `intervalMs`, in a bounded ring. `sample` is called by a
 * timer in the gateway and directly by tests (no timing in tests).
 */
export class OverviewHistory {
  private readonly snapshots: Snapshot[] = [];
  readonly capacity: number;

  constructor(
    private readonly take: (at: number) => Promise<Snapshot>,
    readonly intervalMs = 10_000,
    windowMs = 3600_000,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = Math.ceil(windowMs / intervalMs) + 1;
  }

  async sample(): Promise<Snapshot> {
    const s = await this.take(this.now());
    this.snapshots.push(s);
    if (this.snapshots.length > this.capacity) this.snapshots.shift();
    return s;
  }

  /** Starts sampling; returns the function that stops it. The timer never holds the process. */
  start(onError: (error: unknown) => void): () => void {
    void this.sample().catch(onError);
    const timer = setInterval(() => void this.sample().catch(onError), this.intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The series, ending with a point from the last sample to `current` (read at request time). */
  series(current: Snapshot): SeriesPoint[] {
    const points: SeriesPoint[] = [];
    for (let i = 1; i < this.snapshots.length; i++) points.push(pointBetween(this.snapshots[i - 1]!, this.snapshots[i]!));
    const last = this.snapshots[this.snapshots.length - 1];
    if (last && current.at > last.at) points.push(pointBetween(last, current));
    return points;
  }
}
