import type { Exporter, ExportOutcome } from '../exporters/types.js';
import type { RetryConfig } from '../config/types.js';
import type { QueueStore, StoredBatch } from '../queue/types.js';

export interface DeliveryEvents {
  exported(batch: StoredBatch, outcome: Extract<ExportOutcome, { kind: 'ok' }>, latencyMs: number): void;
  failed(batch: StoredBatch, outcome: Exclude<ExportOutcome, { kind: 'ok' }>, willRetry: boolean): void;
  deadLettered(batch: StoredBatch, reason: string): void;
}

/** Full-jitter exponential backoff: a random wait up to initial × multiplier^attempt, capped. */
export function backoffMs(retry: RetryConfig, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(retry.maxIntervalMs, retry.initialIntervalMs * retry.multiplier ** attempt);
  return Math.max(1, Math.round(ceiling * (0.5 + random() * 0.5)));
}

/**
 * Moves one destination's queue to its exporter: up to `concurrency` batches in flight, in
 * queue order. `ok` removes a batch; `retry` waits (backoff, or the backend's Retry-After) and
 * tries again, keeping its slot so a down backend throttles reads instead of filling memory;
 * `reject` moves it to the dead letters. With `maxElapsedMs` 0 a batch is retried until it goes.
 */
export class Dispatcher {
  private cursor = 0;
  private inFlight = 0;
  private running = false;
  private readonly waits = new Set<{ timer: NodeJS.Timeout; resolve(): void }>();
  private pumping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly destination: string,
    private readonly store: QueueStore,
    private readonly exporter: Exporter,
    private readonly retry: RetryConfig,
    private readonly concurrency: number,
    private readonly events: DeliveryEvents,
  ) {}

  /** Starts delivering, beginning with whatever the queue already holds (a replay after restart). */
  start(): void {
    this.running = true;
    this.pump();
  }

  /** New batches were committed. */
  notify(): void {
    if (this.running) this.pump();
  }

  get busy(): number {
    return this.inFlight;
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

  /** Resolves when nothing is in flight and the queue is empty (for tests and drains). */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.inFlight === 0 && this.store.depth(this.destination).batches === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.running && this.inFlight < this.concurrency) {
        const batches = this.store.read(this.destination, this.cursor, this.concurrency - this.inFlight);
        if (batches.length === 0) break;
        for (const batch of batches) {
          this.cursor = batch.id;
          this.inFlight++;
          void this.deliver(batch);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async deliver(batch: StoredBatch): Promise<void> {
    const firstTry = Date.now();
    let attempt = batch.attempts;
    try {
      while (this.running) {
        const started = performance.now();
        const outcome = await this.attempt(batch);
        if (outcome.kind === 'ok') {
          this.store.ack(this.destination, batch.id);
          this.events.exported(batch, outcome, performance.now() - started);
          return;
        }
        if (outcome.kind === 'reject') {
          this.store.deadLetter(batch, outcome.reason);
          this.events.failed(batch, outcome, false);
          this.events.deadLettered(batch, outcome.reason);
          return;
        }
        attempt++;
        this.store.recordAttempt(this.destination, batch.id);
        if (this.retry.maxElapsedMs > 0 && Date.now() - firstTry >= this.retry.maxElapsedMs) {
          const reason = `gave up after ${attempt} attempts over ${this.retry.maxElapsedMs} ms: ${outcome.reason}`;
          this.store.deadLetter(batch, reason);
          this.events.failed(batch, outcome, false);
          this.events.deadLettered(batch, reason);
          return;
        }
        this.events.failed(batch, outcome, true);
        const wait = outcome.retryAfterMs !== undefined ? Math.min(outcome.retryAfterMs, 5 * 60_000) : backoffMs(this.retry, attempt - 1);
        await this.sleep(wait);
      }
    } catch (error) {
      // The queue itself failed (disk full, database gone). The batch stays in the queue, which
      // replays it at the next start; this process stops pretending it can deliver it.
      this.events.failed(batch, { kind: 'retry', reason: `queue error: ${(error as Error).message}` }, false);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      this.pump();
    }
  }

  /** An exporter must not throw; if one does, that is a retryable failure, not a lost batch. */
  private async attempt(batch: StoredBatch): Promise<ExportOutcome> {
    try {
      return await this.exporter.export({ signal: batch.signal, body: batch.body, items: batch.items });
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
