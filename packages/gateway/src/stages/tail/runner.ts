// Runs tail decisions on the main thread: a timer for traces whose decision_wait is over, and an
// immediate round when a request made a trace urgent (span or byte limit, buffer overflow). Each
// round is bounded in time so a burst of decisions (a giant trace, a restart with many buffered
// traces) never holds the event loop for long.
import type { EnqueueEntry } from '../../queue/types.js';
import type { TailOutput, TailSampler } from './sampler.js';

/** What the ingest needs from tail sampling. */
export interface TailSampling {
  commit(tenant: string, outputs: readonly TailOutput[], queued: EnqueueEntry[]): void;
}

export interface TailRunnerOptions {
  /** How often due traces are looked for (ms). */
  intervalMs?: number;
  /** Time budget of one round (ms); the rest waits for the next turn of the event loop. */
  roundMs?: number;
  onError?: (error: unknown) => void;
}

export class TailRunner implements TailSampling {
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private stopped = false;
  private readonly roundMs: number;

  constructor(readonly sampler: TailSampler, private readonly options: TailRunnerOptions = {}) {
    this.roundMs = options.roundMs ?? 20;
  }

  start(): void {
    this.timer = setInterval(() => this.run(), this.options.intervalMs ?? 100);
    this.timer.unref();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  commit(tenant: string, outputs: readonly TailOutput[], queued: EnqueueEntry[]): void {
    this.sampler.commit(tenant, outputs, queued);
    if (this.sampler.hasUrgent) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  /** One round: decides until nothing is due or the time budget is spent, then yields. */
  private run(): void {
    if (this.stopped) return;
    const started = performance.now();
    try {
      while (this.sampler.decide(64) > 0) {
        if (performance.now() - started > this.roundMs) {
          this.schedule();
          return;
        }
      }
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
