// What sampling decided in one batch, per destination: the plain counters a processing thread
// returns with the batch as `result.sampling` (structured-cloned) and the main thread sums
// (totals.ts) for /metrics and /api/sampling. Keys are bounded where they are made: the dynamic
// sampler's keys by `max_keys` (the rest share its overflow bucket), budget keys likewise.

export type SamplerName = 'head' | 'dynamic' | 'keep' | 'drop' | 'tail' | 'budget' | 'limit';

export interface DecisionCount {
  readonly sampler: SamplerName;
  /** The rule's config path for keep/drop (`keep[0]`), the limit's name for `limit`; else null. */
  readonly rule: string | null;
  /** The dynamic key or budget key; else null. */
  readonly key: string | null;
  kept: number;
  dropped: number;
  /** The rate this decision last used (1 in N), null where no rate applies (drop, limit). */
  sample_rate: number | null;
}

export interface DestinationSamplingDelta {
  readonly destination: string;
  readonly dry_run: boolean;
  seen: number;
  kept: number;
  dropped: number;
  /** Sum of the SampleRate written on kept spans: the count they stand for. */
  weight: number;
  /** keep/drop rules that failed at run time (treated as not matching). */
  rule_errors: number;
  readonly decisions: DecisionCount[];
}

export interface SamplingDelta {
  readonly destinations: DestinationSamplingDelta[];
}

/** One destination's counters in one thread, reused batch after batch; `take` hands them over. */
export class DecisionRecorder {
  seen = 0;
  kept = 0;
  dropped = 0;
  weight = 0;
  ruleErrors = 0;
  private readonly fixed: DecisionCount[] = [];
  private readonly keyed = new Map<string, DecisionCount>();

  constructor(readonly destination: string, readonly dryRun: boolean) {}

  /** A counter for a decision without a key (rules, head, limits): made once, at compile time. */
  fixedCount(sampler: SamplerName, rule: string | null): DecisionCount {
    const count: DecisionCount = { sampler, rule, key: null, kept: 0, dropped: 0, sample_rate: null };
    this.fixed.push(count);
    return count;
  }

  /** The counter of a keyed decision (dynamic, budget): a Map hit per span once the key is known. */
  keyedCount(sampler: 'dynamic' | 'budget', key: string): DecisionCount {
    const id = sampler === 'dynamic' ? key : `\u0000${key}`;
    let count = this.keyed.get(id);
    if (count === undefined) {
      count = { sampler, rule: null, key, kept: 0, dropped: 0, sample_rate: null };
      this.keyed.set(id, count);
    }
    return count;
  }

  take(): DestinationSamplingDelta | undefined {
    if (this.seen === 0 && this.ruleErrors === 0) return undefined;
    const decisions: DecisionCount[] = [];
    for (const c of this.fixed) {
      if (c.kept === 0 && c.dropped === 0) continue;
      decisions.push({ ...c });
      c.kept = 0;
      c.dropped = 0;
    }
    for (const c of this.keyed.values()) if (c.kept > 0 || c.dropped > 0) decisions.push(c);
    this.keyed.clear();
    const delta: DestinationSamplingDelta = {
      destination: this.destination, dry_run: this.dryRun, seen: this.seen, kept: this.kept, dropped: this.dropped,
      weight: this.weight, rule_errors: this.ruleErrors, decisions,
    };
    this.seen = this.kept = this.dropped = this.weight = this.ruleErrors = 0;
    return delta;
  }
}
