// Sampling's counters summed on the main thread from each batch's `result.sampling`: behind
// /metrics (cairn_sampling_*) and GET /api/sampling. Label cardinality is bounded twice: the
// samplers cap their keys (max_keys, then an overflow bucket), and each destination here keeps
// at most `maxRows` decision rows, past which a new key is counted under "_other".
import { Counter, type Registry } from 'prom-client';
import type { DecisionCount, SamplerName, SamplingDelta } from './counts.js';

export const DEFAULT_MAX_ROWS = 1000;
export const OTHER_KEY = '_other';

export interface DecisionJson {
  sampler: SamplerName;
  rule: string | null;
  key: string | null;
  kept: number;
  dropped: number;
  sample_rate: number | null;
}

export interface DestinationSamplingJson {
  destination: string;
  dry_run: boolean;
  seen: number;
  kept: number;
  dropped: number;
  /** seen / kept: 1 in how many spans was sent (0 before anything was kept). */
  effective_sample_rate: number;
  decisions: DecisionJson[];
}

/** GET /api/sampling. */
export interface SamplingJson {
  destinations: DestinationSamplingJson[];
}

interface DestinationTotals {
  dry_run: boolean;
  seen: number;
  kept: number;
  dropped: number;
  weight: number;
  ruleErrors: number;
  rows: Map<string, DecisionJson>;
}

export class SamplingTotals {
  private readonly destinations = new Map<string, DestinationTotals>();
  private readonly spans: Counter<'destination' | 'outcome'>;
  private readonly decisions: Counter<'destination' | 'sampler' | 'rule' | 'key' | 'outcome'>;
  private readonly weight: Counter<'destination'>;
  private readonly ruleErrors: Counter<'destination'>;

  constructor(registry: Registry, private readonly maxRows = DEFAULT_MAX_ROWS) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
    this.spans = counter('cairn_sampling_spans_total', 'Spans a destination\'s sampling saw, by outcome (kept, dropped; in dry_run, what it would do)', ['destination', 'outcome']);
    this.decisions = counter('cairn_sampling_decisions_total', 'Sampling decisions per destination, sampler (head, dynamic, keep, drop, budget, limit, tail), rule and key; keys past the cap are "_other"', ['destination', 'sampler', 'rule', 'key', 'outcome']);
    this.weight = counter('cairn_sampling_kept_weight_total', 'Sum of the SampleRate written on kept spans: the number of spans they stand for', ['destination']);
    this.ruleErrors = counter('cairn_sampling_rule_errors_total', 'keep/drop rules that failed at run time (treated as not matching)', ['destination']);
  }

  add(delta: SamplingDelta | undefined): void {
    if (delta === undefined) return;
    for (const d of delta.destinations) {
      const totals = this.totalsOf(d.destination);
      totals.dry_run = d.dry_run;
      totals.seen += d.seen;
      totals.kept += d.kept;
      totals.dropped += d.dropped;
      totals.weight += d.weight;
      totals.ruleErrors += d.rule_errors;
      const labels = { destination: d.destination };
      if (d.kept > 0) this.spans.inc({ ...labels, outcome: 'kept' }, d.kept);
      if (d.dropped > 0) this.spans.inc({ ...labels, outcome: 'dropped' }, d.dropped);
      if (d.weight > 0) this.weight.inc(labels, d.weight);
      if (d.rule_errors > 0) this.ruleErrors.inc(labels, d.rule_errors);
      for (const c of d.decisions) this.addDecision(d.destination, totals, c);
    }
  }

  /**
   * One tail decision (stages/tail: sampler "tail", counts in spans). `afterHead`: the
   * destination's per-span samplers ran first and already counted these spans as seen and kept,
   * so the JSON totals move what tail dropped from kept to dropped; the span counters of
   * /metrics, which only grow, keep the per-span samplers' outcome (tail's own outcome is
   * cairn_tail_spans_total). Without per-span samplers, tail's decisions are the destination's.
   */
  addTail(destination: string, row: DecisionCount, afterHead: boolean): void {
    if (!afterHead) {
      const weight = row.kept * (row.sample_rate ?? 1);
      this.add({ destinations: [{ destination, dry_run: false, seen: row.kept + row.dropped, kept: row.kept, dropped: row.dropped, weight, rule_errors: 0, decisions: [row] }] });
      return;
    }
    const totals = this.totalsOf(destination);
    this.addDecision(destination, totals, row);
    totals.kept -= row.dropped;
    totals.dropped += row.dropped;
  }

  private totalsOf(destination: string): DestinationTotals {
    let totals = this.destinations.get(destination);
    if (totals === undefined) {
      totals = { dry_run: false, seen: 0, kept: 0, dropped: 0, weight: 0, ruleErrors: 0, rows: new Map() };
      this.destinations.set(destination, totals);
    }
    return totals;
  }

  private addDecision(destination: string, totals: DestinationTotals, c: DecisionCount): void {
    let key = c.key;
    let id = `${c.sampler}\u0000${c.rule ?? ''}\u0000${key ?? ''}`;
    let row = totals.rows.get(id);
    if (row === undefined && totals.rows.size >= this.maxRows && key !== null) {
      key = OTHER_KEY;
      id = `${c.sampler}\u0000${c.rule ?? ''}\u0000${key}`;
      row = totals.rows.get(id);
    }
    if (row === undefined) {
      row = { sampler: c.sampler, rule: c.rule, key, kept: 0, dropped: 0, sample_rate: null };
      totals.rows.set(id, row);
    }
    row.kept += c.kept;
    row.dropped += c.dropped;
    if (c.sample_rate !== null) row.sample_rate = c.sample_rate;
    const labels = { destination, sampler: c.sampler, rule: c.rule ?? '', key: key ?? '' };
    if (c.kept > 0) this.decisions.inc({ ...labels, outcome: 'kept' }, c.kept);
    if (c.dropped > 0) this.decisions.inc({ ...labels, outcome: 'dropped' }, c.dropped);
  }

  /** The JSON of GET /api/sampling: destinations by name, decisions by kept + dropped, largest first. */
  toJSON(): SamplingJson {
    const destinations = [...this.destinations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([destination, t]) => ({
      destination,
      dry_run: t.dry_run,
      seen: t.seen,
      kept: t.kept,
      dropped: t.dropped,
      effective_sample_rate: t.kept > 0 ? t.seen / t.kept : 0,
      decisions: [...t.rows.values()].map((r) => ({ ...r })).sort((a, b) => b.kept + b.dropped - (a.kept + a.dropped)),
    }));
    return { destinations };
  }
}
