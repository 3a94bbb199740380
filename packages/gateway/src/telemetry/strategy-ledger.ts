// The audit ledger, summed on the main thread from the LedgerDelta each processing thread
// returns with a batch: what each destination's strategy did to which attribute key under which
// rule, and what the detectors found where. Never a value: only keys, actions, rules, detectors.
//
// Label cardinality: registry keys are bounded, but a tenant chooses its unknown keys (and, within
// its service patterns, its service.name). Each table keeps at most `maxLabelSets` distinct label
// sets; past that, a new set is counted with those labels as "_other" (destination, action, rule
// and detector, which the config bounds, kept), so a hostile sender cannot grow /metrics.
import { Counter, type Registry } from 'prom-client';
import { OTHER_KEY, type LedgerDelta } from '../stages/ledger.js';

export const DEFAULT_MAX_LABEL_SETS = 2000;
export const OTHER_ATTRIBUTE = '_other';

/**
 * One counter table: a prom-client Counter and the same sums as JSON, capped together. `capped`
 * are the labels a sender chooses (attribute keys, service.name); past `max` label sets they all
 * become `_other`, so the overflow itself is a bounded set (one per config-bounded rest).
 */
class Table<L extends string> {
  readonly rows = new Map<string, { labels: Record<L, string>; count: number }>();
  overflowed = 0;
  constructor(readonly counter: Counter<L>, private readonly names: readonly L[], private readonly capped: readonly L[], private readonly max: number) {}

  add(labels: Record<L, string>, count: number): void {
    if (count <= 0) return;
    if (this.capped.some((c) => labels[c] === OTHER_KEY)) labels = this.other(labels);
    let id = this.id(labels);
    let row = this.rows.get(id);
    if (!row && this.rows.size >= this.max) {
      this.overflowed += count;
      labels = this.other(labels);
      id = this.id(labels);
      row = this.rows.get(id);
    }
    if (!row) {
      row = { labels, count: 0 };
      this.rows.set(id, row);
    }
    row.count += count;
    this.counter.inc(labels as Partial<Record<L, string>>, count);
  }

  private other(labels: Record<L, string>): Record<L, string> {
    const out = { ...labels };
    for (const c of this.capped) out[c] = OTHER_ATTRIBUTE;
    return out;
  }

  private id(labels: Record<L, string>): string {
    return this.names.map((n) => labels[n]).join('\u0000');
  }

  json(): (Record<L, string> & { count: number })[] {
    return [...this.rows.values()].map((r) => ({ ...r.labels, count: r.count })).sort((a, b) => b.count - a.count);
  }
}

type Rows<L extends string> = (Record<L, string> & { count: number })[];

/** The ledger as `/api/strategy/ledger` gives it. */
export interface LedgerJson {
  actions: Rows<'destination' | 'attribute' | 'action' | 'rule'>;
  findings: Rows<'service' | 'attribute' | 'detector'>;
  normalization: { renamed: Rows<'attribute' | 'canonical'>; conflicts: Rows<'attribute'>; coerced: Rows<'attribute' | 'type'> };
  jurisdictionErrors: number;
  overflow: { actions: number; findings: number };
}

export class StrategyLedger {
  private readonly actions: Table<'destination' | 'attribute' | 'action' | 'rule'>;
  private readonly findings: Table<'service' | 'attribute' | 'detector'>;
  private readonly renamed: Table<'attribute' | 'canonical'>;
  private readonly conflicts: Table<'attribute'>;
  private readonly coerced: Table<'attribute' | 'type'>;
  private readonly jurisdictionErrors: Counter;
  private jurisdictionErrorCount = 0;

  constructor(registry: Registry, maxLabelSets = DEFAULT_MAX_LABEL_SETS) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
    const table = <L extends string>(c: Counter<L>, names: L[], capped: L[]) => new Table<L>(c, names, capped, maxLabelSets);
    const actionLabels: ('destination' | 'attribute' | 'action' | 'rule')[] = ['destination', 'attribute', 'action', 'rule'];
    this.actions = table(counter('cairn_strategy_actions_total', 'Values the data strategy changed, per destination, attribute key (or place: span.name, log.body), action and the rule that chose it', actionLabels), actionLabels, ['attribute']);
    const findingLabels: ('service' | 'attribute' | 'detector')[] = ['service', 'attribute', 'detector'];
    this.findings = table(counter('cairn_strategy_findings_total', 'Values a detector matched, per service.name, attribute key and detector', findingLabels), findingLabels, ['service', 'attribute']);
    this.renamed = table(counter('cairn_strategy_renamed_total', 'Attributes rewritten from an alias or deprecated key to the canonical key', ['attribute', 'canonical']), ['attribute', 'canonical'], ['attribute', 'canonical']);
    this.conflicts = table(counter('cairn_strategy_rename_conflicts_total', 'An alias and its canonical key both present: the canonical value was kept', ['attribute']), ['attribute'], ['attribute']);
    this.coerced = table(counter('cairn_strategy_coerced_total', 'Values coerced to the registry type of their key (e.g. "200" to 200)', ['attribute', 'type']), ['attribute', 'type'], ['attribute']);
    this.jurisdictionErrors = new Counter({ name: 'cairn_strategy_jurisdiction_errors_total', help: 'Jurisdiction `when` conditions that failed at run time (counted as false)', registers: [registry] });
  }

  add(delta: LedgerDelta): void {
    for (const a of delta.actions) this.actions.add({ destination: a.destination, attribute: a.key, action: a.action, rule: a.rule }, a.count);
    for (const f of delta.findings) this.findings.add({ service: f.service, attribute: f.key, detector: f.detector }, f.count);
    for (const r of delta.normalization.renamed) this.renamed.add({ attribute: r.from, canonical: r.to }, r.count);
    for (const c of delta.normalization.conflicts) this.conflicts.add({ attribute: c.key }, c.count);
    for (const c of delta.normalization.coerced) this.coerced.add({ attribute: c.key, type: c.to }, c.count);
    if (delta.jurisdictionErrors > 0) {
      this.jurisdictionErrorCount += delta.jurisdictionErrors;
      this.jurisdictionErrors.inc(delta.jurisdictionErrors);
    }
  }

  /** `/api/strategy/ledger` (and `Gateway.metrics.ledger` in-process): the same sums as /metrics, largest first. */
  toJSON(): LedgerJson {
    return {
      actions: this.actions.json(),
      findings: this.findings.json(),
      normalization: { renamed: this.renamed.json(), conflicts: this.conflicts.json(), coerced: this.coerced.json() },
      jurisdictionErrors: this.jurisdictionErrorCount,
      overflow: { actions: this.actions.overflowed, findings: this.findings.overflowed },
    };
  }
}
