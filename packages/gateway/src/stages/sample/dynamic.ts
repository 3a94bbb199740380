// Dynamic sampling per key, as Honeycomb's Refinery does it (its EMA dynamic sampler over
// dynsampler-go's average-rate algorithm): every `interval` the per-key counts of the interval
// are folded into an exponential moving average, and the rates are set so that, summed over the
// keys, the expected kept count meets the goal, with the goal spread over keys by the logarithm
// of their volume: rare keys are kept at 1, frequent keys sampled hard.
//
// At most `max_keys` keys have their own rate; a key seen when the table is full is counted in
// one shared overflow bucket, which gets a rate like any other key but never 1 while the goal
// asks for sampling. Keys whose average falls below half a span an interval leave the table.
// State is per thread (stages/sample/README.md): a throughput goal is divided by the threads.
import type { DynamicDocument } from './config.js';

export const OVERFLOW_KEY = '(overflow)';

interface KeyState {
  count: number;
  ema: number;
  rate: number;
}

export class DynamicSampler {
  private readonly keys = new Map<string, KeyState>();
  private readonly overflow: KeyState = { count: 0, ema: 0, rate: 1 };
  private nextAdjust = -1;
  private adjusted = false;
  private readonly goalPerInterval: number | undefined;

  constructor(private readonly doc: DynamicDocument, threads: number) {
    this.goalPerInterval = doc.goal_throughput_per_sec === undefined ? undefined : (doc.goal_throughput_per_sec / threads) * (doc.interval_ms / 1000);
    this.overflow.rate = Math.max(2, doc.goal_sample_rate ?? 2);
  }

  /** Folds the finished interval(s) in when `now` (ms) has passed the next adjustment. */
  tick(now: number): void {
    if (this.nextAdjust < 0) this.nextAdjust = now + this.doc.interval_ms;
    if (now < this.nextAdjust) return;
    this.adjust();
    // A long pause (no traffic) is one adjustment: idle intervals would only decay every key alike.
    this.nextAdjust = now + this.doc.interval_ms;
  }

  /** Counts one span under `key`; returns the key it was counted under (its own, or the overflow bucket). */
  admit(key: string): string {
    let state = this.keys.get(key);
    if (state === undefined) {
      if (this.keys.size >= this.doc.max_keys) {
        this.overflow.count++;
        return OVERFLOW_KEY;
      }
      state = { count: 0, ema: 0, rate: this.startRate() };
      this.keys.set(key, state);
    }
    state.count++;
    return key;
  }

  /** The rate (keep 1 in N) of a key `admit` returned. */
  rateOf(admitted: string): number {
    if (admitted === OVERFLOW_KEY) return this.overflow.rate;
    return this.keys.get(admitted)?.rate ?? 1;
  }

  /** Keys with their own rate (for tests and the docs' promise of a bound). */
  get size(): number {
    return this.keys.size;
  }

  /**
   * Before the first adjustment nothing is known: every key starts at the goal rate (a
   * throughput goal starts at 1). After it, a new key is rare until shown otherwise: 1.
   */
  private startRate(): number {
    if (this.adjusted) return 1;
    return this.doc.goal_sample_rate ?? 1;
  }

  private adjust(): void {
    const w = this.adjusted ? this.doc.weight : 1;
    const live: KeyState[] = [];
    for (const [key, s] of this.keys) {
      s.ema = w * s.count + (1 - w) * s.ema;
      s.count = 0;
      if (s.ema < 0.5) this.keys.delete(key);
      else live.push(s);
    }
    const o = this.overflow;
    o.ema = w * o.count + (1 - w) * o.ema;
    o.count = 0;
    if (o.ema >= 0.5) live.push(o);
    this.adjusted = true;
    let total = 0;
    for (const s of live) total += s.ema;
    if (total === 0) return;
    const goal = this.goalPerInterval ?? total / this.doc.goal_sample_rate!;
    if (goal >= total) {
      for (const s of live) s.rate = 1;
      o.rate = 1;
      return;
    }
    // A key with fewer spans an interval than the average rate would keep less than one span at
    // it: the rarest of those are kept whole (rate 1), up to half the goal, and the rest of the
    // goal is spread over the other keys.
    live.sort((a, b) => a.ema - b.ema);
    const rareBelow = total / goal;
    let rare = 0;
    let first = 0;
    for (; first < live.length; first++) {
      const s = live[first]!;
      if (s === o || s.ema > rareBelow || rare + s.ema > goal / 2) break;
      s.rate = 1;
      rare += s.ema;
    }
    spread(live.slice(first), goal - rare);
    // The overflow bucket stands for many keys nobody watches: it is never kept whole while sampling is needed.
    if (o.rate < 2) o.rate = 2;
  }
}

/**
 * dynsampler-go's average-rate split: each key's share of `goal` grows with the logarithm of its
 * volume; `keys` come rarest first, and what a key leaves of its share passes on to the busier ones.
 */
function spread(keys: KeyState[], goal: number): void {
  let logSum = 0;
  for (const s of keys) logSum += Math.log10(Math.max(1, s.ema));
  const ratio = logSum > 0 ? goal / logSum : 0;
  let extra = 0;
  let remaining = keys.length;
  for (const s of keys) {
    let share = Math.max(1, Math.log10(Math.max(1, s.ema)) * ratio);
    const passed = extra / remaining;
    share += passed;
    extra -= passed;
    remaining--;
    if (s.ema <= share) {
      s.rate = 1;
      extra += share - s.ema;
    } else {
      s.rate = Math.ceil(s.ema / share);
      extra += share - s.ema / s.rate;
    }
  }
}
