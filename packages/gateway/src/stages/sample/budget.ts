// Budgets per service or tenant: the volume a destination receives from one budget key, in
// spans or bytes per second. Each span adds its expected share of what is sent (its size or 1,
// divided by the rate the other samplers chose); every `interval` the share is folded into a
// moving average, and a key over its budget gets a factor that raises its sample rate until it
// fits. Errors are counted against the budget but keep the rate they had without it.
// State is per thread (stages/sample/README.md): the budget is divided by the threads.
import type { BudgetDocument } from './config.js';
import { OVERFLOW_KEY } from './dynamic.js';

interface BudgetState {
  used: number;
  ema: number;
  factor: number;
}

export class Budget {
  private readonly keys = new Map<string, BudgetState>();
  private readonly overflow: BudgetState = { used: 0, ema: 0, factor: 1 };
  private readonly perInterval: number;
  private nextAdjust = -1;
  private adjusted = false;
  readonly bytes: boolean;

  constructor(private readonly doc: BudgetDocument, threads: number) {
    this.bytes = doc.bytes_per_sec !== undefined;
    this.perInterval = ((doc.bytes_per_sec ?? doc.spans_per_sec!) / threads) * (doc.interval_ms / 1000);
  }

  tick(now: number): void {
    if (this.nextAdjust < 0) this.nextAdjust = now + this.doc.interval_ms;
    if (now < this.nextAdjust) return;
    const w = this.adjusted ? 0.5 : 1;
    this.adjusted = true;
    for (const [key, s] of this.keys) {
      this.fold(s, w);
      if (s.ema === 0) this.keys.delete(key);
    }
    this.fold(this.overflow, w);
    this.nextAdjust = now + this.doc.interval_ms;
  }

  private fold(s: BudgetState, w: number): void {
    s.ema = w * s.used + (1 - w) * s.ema;
    if (s.ema < 1e-9) s.ema = 0;
    s.used = 0;
    s.factor = Math.max(1, s.ema / this.perInterval);
  }

  /** The key a span is counted under: its own, or the shared overflow bucket past `max_keys`. */
  admit(key: string): string {
    if (this.keys.has(key)) return key;
    if (this.keys.size >= this.doc.max_keys) return OVERFLOW_KEY;
    this.keys.set(key, { used: 0, ema: 0, factor: 1 });
    return key;
  }

  /** Adds a span's expected share of the sent volume; returns the key's factor (>= 1). */
  account(admitted: string, amount: number): number {
    const s = admitted === OVERFLOW_KEY ? this.overflow : this.keys.get(admitted)!;
    s.used += amount;
    return s.factor;
  }
}
