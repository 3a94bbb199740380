// What tail sampling decided, for /metrics (cairn_tail_*) and /api/sampling (`sampler: "tail"`).
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a trace was decided when it was. */
export type DecisionReason = 'wait' | 'span_limit' | 'byte_limit' | 'overflow' | 'restart';

/** One row of /api/sampling's `decisions` (counts are spans). */
export interface TailDecisionCount {
  sampler: 'tail';
  rule: string | null;
  key: null;
  kept: number;
  dropped: number;
  sample_rate: number | null;
}

interface Tally {
  kept: number;
  dropped: number;
  rate: number;
}

/** The label of traces no rule matched (kept at rate 1); `rule: null` in the API. */
export const NO_RULE = '(none)';

export class TailCounts {
  private readonly traces: Counter<'destination' | 'rule' | 'decision' | 'reason'>;
  private readonly spans: Counter<'destination' | 'rule' | 'decision' | 'late'>;
  readonly ruleErrors: Counter<'destination'>;
  readonly cacheEvictions: Counter<'destination'>;
  readonly queueFull: Counter<'destination'>;
  private readonly tallies = new Map<string, Map<string, Tally>>();
  private readonly listeners: ((destination: string, row: TailDecisionCount) => void)[] = [];

  constructor(registry: Registry | undefined, buffered: () => Iterable<{ destination: string; traces: number; bytes: number }>) {
    const registers = registry ? [registry] : [];
    this.traces = new Counter({ name: 'cairn_tail_traces_total', help: 'Traces decided by tail sampling, by rule, decision and why they were decided then (wait, span_limit, byte_limit, overflow, restart)', labelNames: ['destination', 'rule', 'decision', 'reason'], registers });
    this.spans = new Counter({ name: 'cairn_tail_spans_total', help: 'Spans kept or dropped by tail sampling; late = arrived after their trace was decided and followed the cached decision', labelNames: ['destination', 'rule', 'decision', 'late'], registers });
    this.ruleErrors = new Counter({ name: 'cairn_tail_rule_errors_total', help: 'Tail rule evaluations that failed at run time (the rule did not match)', labelNames: ['destination'], registers });
    this.cacheEvictions = new Counter({ name: 'cairn_tail_decision_cache_evictions_total', help: 'Decisions forgotten because the decision cache was full (late spans of those traces start a new buffered trace)', labelNames: ['destination'], registers });
    this.queueFull = new Counter({ name: 'cairn_tail_queue_full_total', help: 'Decision rounds put off because the destination queue was full (the traces stay buffered)', labelNames: ['destination'], registers });
    new Gauge({
      name: 'cairn_tail_buffered_traces', help: 'Undecided traces in the durable trace buffer', labelNames: ['destination'], registers,
      collect() { for (const b of buffered()) this.set({ destination: b.destination }, b.traces); },
    });
    new Gauge({
      name: 'cairn_tail_buffered_bytes', help: 'Bytes of spans in the durable trace buffer', labelNames: ['destination'], registers,
      collect() { for (const b of buffered()) this.set({ destination: b.destination }, b.bytes); },
    });
  }

  trace(destination: string, rule: string | null, keep: boolean, reason: DecisionReason, rate: number, spans: number): void {
    const label = rule ?? NO_RULE;
    this.traces.inc({ destination, rule: label, decision: keep ? 'kept' : 'dropped', reason });
    this.spanCount(destination, rule, keep, false, rate, spans);
  }

  /**
   * Calls `fn` with every decision's span counts as it is counted (one row, `kept` or `dropped`
   * set): how the sampling stage's totals (/api/sampling, `cairn_sampling_*`) take tail's rows.
   */
  listen(fn: (destination: string, row: TailDecisionCount) => void): void {
    this.listeners.push(fn);
  }

  spanCount(destination: string, rule: string | null, keep: boolean, late: boolean, rate: number, spans: number): void {
    for (const fn of this.listeners) fn(destination, { sampler: 'tail', rule, key: null, kept: keep ? spans : 0, dropped: keep ? 0 : spans, sample_rate: rate });
    const label = rule ?? NO_RULE;
    this.spans.inc({ destination, rule: label, decision: keep ? 'kept' : 'dropped', late: late ? 'true' : 'false' }, spans);
    let byRule = this.tallies.get(destination);
    if (!byRule) this.tallies.set(destination, (byRule = new Map()));
    let tally = byRule.get(label);
    if (!tally) byRule.set(label, (tally = { kept: 0, dropped: 0, rate }));
    if (keep) tally.kept += spans;
    else tally.dropped += spans;
  }

  /** The `decisions` rows of one destination for /api/sampling, sorted by kept + dropped, most first. */
  decisions(destination: string): TailDecisionCount[] {
    const out: TailDecisionCount[] = [];
    for (const [rule, t] of this.tallies.get(destination) ?? []) {
      out.push({ sampler: 'tail', rule: rule === NO_RULE ? null : rule, key: null, kept: t.kept, dropped: t.dropped, sample_rate: t.rate });
    }
    return out.sort((a, b) => b.kept + b.dropped - (a.kept + a.dropped) || String(a.rule).localeCompare(String(b.rule)));
  }

  /** Destinations with any count. */
  destinations(): string[] {
    return [...this.tallies.keys()].sort();
  }
}
