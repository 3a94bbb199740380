// The tap's CPU budget on a processing thread: `inventory.max_share` of the thread's time. While
// the tap costs less, every batch is recorded and counts are exact. When it would cost more (a
// thread saturated with small batches of many attributes), each batch is recorded with a
// probability p chosen from the recent costs, independently of its content, and its counts are
// weighted 1/p: an unbiased estimate (Horvitz–Thompson), as the counts of upstream-sampled spans
// are. `observed` stays what was actually looked at.

/** Decay of the running average of the rest of the work, per batch: about the last 50 batches. */
const DECAY = 0.98;
/** Decay of the tap's average, per recorded batch: few are recorded when p is low, so each weighs more. */
const TAP_DECAY = 0.9;
/** The first batches are recorded and not measured: a cold tap (JIT, first rows) costs many times a warm one. */
const WARMUP = 8;

export class TapBudget {
  private tapMs = 0;
  private otherMs = 0;
  private p = 1;
  private warmup = WARMUP;

  /** `maxShare` in (0, 1]; 1 records every batch. `random` is for tests. */
  constructor(private readonly maxShare: number, private readonly random: () => number = Math.random) {}

  /** The weight to record this batch with (1/p), or 0 to skip it. */
  next(): number {
    if (this.maxShare >= 1 || this.p >= 1) return 1;
    return this.random() < this.p ? 1 / this.p : 0;
  }

  /**
   * After a batch: how long the rest of the processing took and how long the tap took (0 when
   * skipped). Sets p so that tap time ≈ maxShare of the total.
   */
  update(otherMs: number, tapMs: number, recorded: boolean): void {
    if (this.maxShare >= 1) return;
    if (this.warmup > 0) {
      this.warmup--;
      return;
    }
    // Running averages: the rest of the work per batch, and the tap's cost per recorded batch.
    this.otherMs = this.otherMs === 0 ? otherMs : this.otherMs * DECAY + otherMs * (1 - DECAY);
    if (recorded) this.tapMs = this.tapMs === 0 ? tapMs : this.tapMs * TAP_DECAY + tapMs * (1 - TAP_DECAY);
    if (this.tapMs <= 0) {
      this.p = 1;
      return;
    }
    // The tap's share at probability p: p·T / (p·T + O) ≤ s  ⇔  p ≤ s·O / ((1 − s)·T).
    const limit = (this.maxShare * this.otherMs) / ((1 - this.maxShare) * this.tapMs);
    this.p = Math.min(1, Math.max(0.01, limit));
  }

  /** The current recording probability (for tests and the docs' figures). */
  get probability(): number {
    return this.p;
  }
}
