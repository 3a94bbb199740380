import type { Exporter, ExportOutcome, OutboundBatch } from '../exporters/types.js';
import type { Signal } from '@cairn/otlp';
import type { BatchConfig, RetryConfig } from '../config/types.js';
import type { BatchMeta, QueueStore, StoredBatch } from '../queue/types.js';

export interface DeliveryEvents {
  /** One export request succeeded; it carried `batches` (several when merged). */
  exported(batches: readonly StoredBatch[], outcome: Extract<ExportOutcome, { kind: 'ok' }>, latencyMs: number): void;
  failed(batches: readonly StoredBatch[], outcome: Exclude<ExportOutcome, { kind: 'ok' }>, willRetry: boolean): void;
  deadLettered(batch: StoredBatch, reason: string): void;
}

/** What goes out in one export request: one queued batch, or consecutive ones merged. */
interface Unit {
  readonly batches: StoredBatch[];
  readonly signal: Signal;
  items: number;
  bytes: number;
}

/** A request being planned from metadata; bodies are read once it is decided. */
interface Plan {
  readonly metas: BatchMeta[];
  readonly signal: Signal;
  items: number;
  bytes: number;
}

/** Most batches merged into one request, whatever their sizes. */
const MAX_BATCHES_PER_UNIT = 4096;
/** The first metadata read when merging: enough to see what a batch weighs. */
const FIRST_PAGE = 8;

/** Longest Retry-After honoured; a backend asking for more is retried after this. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Exponential backoff with jitter: ceiling = min(max_interval, initial_interval × multiplier^attempt)
 * (attempt counts from 0), and the wait is drawn uniformly from [ceiling / 2, ceiling), rounded, at
 * least 1 ms. Half the ceiling is always waited, so retries never bunch at zero.
 */
export function backoffMs(retry: RetryConfig, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(retry.maxIntervalMs, retry.initialIntervalMs * retry.multiplier ** attempt);
  return Math.max(1, Math.round(ceiling * (0.5 + random() * 0.5)));
}

/** Time as the dispatcher sees it; tests give a virtual clock. */
export interface DeliveryClock {
  now(): number;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
  random(): number;
}

/**
 * Moves one destination's queue to its exporter: up to `concurrency` export requests in flight,
 * in queue order. When a backlog waits, consecutive batches of one signal are merged into one
 * request (up to `batch.maxItems` items and `batch.maxBytes` bytes); it never waits to fill one.
 * `ok` removes the batches; `retry` waits (the longer of the backoff and the backend's
 * Retry-After, as the Collector does, so `Retry-After: 0` cannot make a hot loop) and tries again,
 * keeping its slot so a down backend throttles reads instead of filling memory; `reject` moves
 * a batch to the dead letters (a merged request that is rejected is split and its batches are
 * sent one by one, so one bad batch does not take the others with it). With `maxElapsedMs` 0 a
 * batch is retried until it goes.
 *
 * Merging is plain concatenation: an Export*ServiceRequest is one repeated field, and protobuf
 * parses concatenated messages as one message with the repeated fields joined.
 */
export class Dispatcher {
  private cursor = 0;
  private inFlight = 0;
  private running = false;
  private readonly waits = new Set<{ timer: NodeJS.Timeout; resolve(): void }>();
  private pumping = false;
  private idleWaiters: (() => void)[] = [];
  private readonly clock: DeliveryClock;

  constructor(
    readonly destination: string,
    private readonly store: QueueStore,
    private readonly exporter: Exporter,
    private readonly retry: RetryConfig,
    private readonly concurrency: number,
    private readonly events: DeliveryEvents,
    private readonly batch: BatchConfig,
    clock?: DeliveryClock,
  ) {
    this.clock = clock ?? { now: Date.now, sleep: (ms) => this.sleep(ms), random: Math.random };
  }


  /** Starts delivering, beginning with whatever the queue already holds (a replay after restart). */
  start(): void {
    this.running = true;
    this.pump();
  }

  /** New batches were committed. */
  notify(): void {
    if (this.running) this.pump();
  }

  /** Stops taking new batches; waits up to `graceMs` for in-flight exports, which stay queued if unfinished. */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.resolve();
    }
    if (this.inFlight === 0) return;
    await Promise.race([new Promise<void>((resolve) => this.idleWaiters.push(resolve)), new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref())]);
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.running && this.inFlight < this.concurrency) {
        const unit = this.nextUnit();
        if (!unit) break;
        this.cursor = unit.batches[unit.batches.length - 1]!.id;
        this.inFlight++;
        void this.deliver(unit);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The next export request's batches after the cursor, or undefined when the queue is empty.
   * It is planned on metadata (ids, items, sizes) and only the bodies it sends are read.
   */
  private nextUnit(): Unit | undefined {
    const plan = this.plan();
    if (!plan) return undefined;
    const batches = this.store.load(this.destination, plan.metas);
    // Both reads run in one tick, so this process acks nothing in between; a shorter answer means
    // another process changed the file. Send what is still there.
    if (batches.length === 0) return undefined;
    if (batches.length === plan.metas.length) return { batches, signal: plan.signal, items: plan.items, bytes: plan.bytes };
    return { batches, signal: plan.signal, items: batches.reduce((n, b) => n + b.items, 0), bytes: batches.reduce((n, b) => n + b.bytes, 0) };
  }

  private plan(): Plan | undefined {
    const { maxItems, maxBytes } = this.batch;
    let limit = maxItems <= 1 ? 1 : FIRST_PAGE;
    let after = this.cursor;
    let plan: Plan | undefined;
    for (;;) {
      const page = this.store.peek(this.destination, after, limit);
      for (const b of page) {
        if (!plan) {
          plan = { metas: [b], signal: b.signal, items: b.items, bytes: b.bytes };
          continue;
        }
        const fits = b.signal === plan.signal && plan.items + b.items <= maxItems && plan.bytes + b.bytes <= maxBytes && plan.metas.length < MAX_BATCHES_PER_UNIT;
        if (!fits) return plan;
        plan.metas.push(b);
        plan.items += b.items;
        plan.bytes += b.bytes;
      }
      if (!plan || page.length < limit || maxItems <= 1) return plan;
      after = page[page.length - 1]!.id;
      // Read about as many as can still fit, judging by the batches so far.
      const byItems = (maxItems - plan.items) / Math.max(1, plan.items / plan.metas.length);
      const byBytes = (maxBytes - plan.bytes) / Math.max(1, plan.bytes / plan.metas.length);
      limit = Math.min(256, Math.max(1, Math.floor(Math.min(byItems, byBytes))));
    }
  }

  private async deliver(unit: Unit): Promise<void> {
    try {
      await this.send(unit);
    } catch (error) {
      // The queue itself failed (disk full, database gone). The batches stay in the queue, which
      // replays them at the next start; this process stops pretending it can deliver them.
      this.events.failed(unit.batches, { kind: 'retry', reason: `queue error: ${(error as Error).message}` }, false);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      this.pump();
    }
  }

  private async send(unit: Unit): Promise<void> {
    const { batches } = unit;
    const firstTry = this.clock.now();
    let attempt = Math.max(...batches.map((b) => b.attempts));
    const body = batches.length === 1 ? batches[0]!.body : mergeBodies(batches.map((b) => b.body));
    while (this.running) {
      const started = performance.now();
      const outcome = await this.attempt({ signal: unit.signal, body, items: unit.items });
      if (outcome.kind === 'ok') {
        this.store.ack(this.destination, batches.map((b) => b.id));
        this.events.exported(batches, outcome, performance.now() - started);
        return;
      }
      if (outcome.kind === 'reject') {
        this.events.failed(batches, outcome, batches.length > 1);
        if (batches.length > 1) {
          for (const b of batches) await this.send({ batches: [b], signal: b.signal, items: b.items, bytes: b.bytes });
          return;
        }
        this.store.deadLetter(batches[0]!, outcome.reason);
        this.events.deadLettered(batches[0]!, outcome.reason);
        return;
      }
      attempt++;
      for (const b of batches) this.store.recordAttempt(this.destination, b.id);
      if (this.retry.maxElapsedMs > 0 && this.clock.now() - firstTry >= this.retry.maxElapsedMs) {
        const reason = `gave up after ${attempt} attempts over ${this.retry.maxElapsedMs} ms: ${outcome.reason}`;
        this.events.failed(batches, outcome, false);
        for (const b of batches) {
          this.store.deadLetter(b, reason);
          this.events.deadLettered(b, reason);
        }
        return;
      }
      this.events.failed(batches, outcome, true);
      const backoff = backoffMs(this.retry, attempt - 1, this.clock.random);
      const wait = outcome.retryAfterMs !== undefined ? Math.max(backoff, Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS)) : backoff;
      await this.clock.sleep(wait);
    }
  }

  /** An exporter must not throw; if one does, that is a retryable failure, not a lost batch. */
  private async attempt(request: OutboundBatch): Promise<ExportOutcome> {
    try {
      return await this.exporter.export(request);
    } catch (error) {
      return { kind: 'retry', reason: `exporter threw: ${(error as Error).message}` };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          this.waits.delete(wait);
          resolve();
        }, ms),
        resolve,
      };
      this.waits.add(wait);
    });
  }
}

/**
 * One Export*ServiceRequest from several of the same signal: their bytes one after the other.
 * Each request is a single repeated field (resource_spans / resource_logs / resource_metrics =
 * 1), and a protobuf parser joins the repeated fields of concatenated messages.
 */
export function mergeBodies(bodies: readonly Uint8Array[]): Uint8Array {
  let bytes = 0;
  for (const b of bodies) bytes += b.byteLength;
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const b of bodies) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}
