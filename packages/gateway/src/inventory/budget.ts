// The tap's CPU budget on a processing thread. The tap costs about twice the rest of the
// thread's work, which only matters when CPU is short: while the thread would stay under BUSY of
// its time with the tap on every batch, and neither the whole process nor the machine (every
// process on it) uses BUSY of the machine's cores, every batch is recorded and counts are exact.
// The machine counts too: where the gateway shares its cores (with its senders, with other
// services), the tap's CPU is taken from them even while the gateway's own threads have room.
// Past either, the tap gets `inventory.max_share` of the thread's processing time: each
// batch is recorded with a probability p chosen from the recent costs, independently of its
// content, and its counts are weighted 1/p: an unbiased estimate (Horvitz–Thompson), as the
// counts of upstream-sampled spans are. `observed` stays what was actually looked at.

/** Decay of the running averages of the rest of the work and of the time between batches, per batch. */
const DECAY = 0.98;
/** Decay of the tap's average, per recorded batch: few are recorded when p is low, so each weighs more. */
const TAP_DECAY = 0.9;
/** The first batches are recorded and not measured: a cold tap (JIT, first rows) costs many times a warm one. */
const WARMUP = 8;
/** Below this share of wall time busy (with the tap on every batch), the thread has room: no budget. */
export const BUSY = 0.7;

export class TapBudget {
  private tapMs = 0;
  private otherMs = 0;
  private intervalMs = 0;
  private lastStart = -1;
  /** The process's CPU time over wall time per core, or the machine's busy share if higher, on average. */
  private cpuShare = 0;
  private p = 1;
  private warmup = WARMUP;

  /** `maxShare` in (0, 1]; 1 records every batch. `random` is for tests. */
  constructor(private readonly maxShare: number, private readonly random: () => number = Math.random, private readonly cores = 1) {}

  /** The weight to record this batch with (1/p), or 0 to skip it. */
  next(): number {
    if (this.maxShare >= 1 || this.p >= 1) return 1;
    return this.random() < this.p ? 1 / this.p : 0;
  }

  /**
   * After a batch that started at `startMs` (a monotonic clock): how long the rest of the
   * processing took and how long the tap took (0 when skipped); `processCpuMs`: the whole
   * process's CPU time over the last `cpuWindowMs` (by default since the previous batch started),
   * when it was read, and `machineShare`: the machine's cores' busy share (0–1) over that window.
   */
  update(startMs: number, otherMs: number, tapMs: number, recorded: boolean, processCpuMs?: number, cpuWindowMs?: number, machineShare = 0): void {
    if (this.maxShare >= 1) return;
    const interval = this.lastStart < 0 ? otherMs + tapMs : startMs - this.lastStart;
    this.lastStart = startMs;
    if (this.warmup > 0) {
      this.warmup--;
      return;
    }
    const avg = (old: number, value: number, decay: number): number => (old === 0 ? value : old * decay + value * (1 - decay));
    this.otherMs = avg(this.otherMs, otherMs, DECAY);
    this.intervalMs = avg(this.intervalMs, Math.max(interval, otherMs + tapMs), DECAY);
    if (recorded) this.tapMs = avg(this.tapMs, tapMs, TAP_DECAY);
    const window = cpuWindowMs ?? interval;
    if (processCpuMs !== undefined && window > 0) this.cpuShare = avg(this.cpuShare, Math.min(1, Math.max(processCpuMs / (window * this.cores), machineShare)), DECAY);
    // Busy with the tap on every batch: the rest plus the tap's full cost, over the time between batches.
    const threadBusy = (this.otherMs + this.tapMs) / this.intervalMs >= BUSY;
    if (this.tapMs <= 0 || (!threadBusy && this.cpuShare < BUSY)) {
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
