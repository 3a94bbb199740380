// The data strategy as a matrix people can negotiate over: one row per sensitivity class, per
// override and per registry attribute that has an owner or a class; one column per destination
// and per jurisdiction variant, side by side. Plain data; `cairn strategy explain` renders it as
// Markdown, HTML or JSON.
import type { ResolvedRegistry } from '@cairn/conventions';
import { compileStrategy } from './compile.js';
import type { StrategyDocument } from './document.js';
import { SENSITIVITIES, type Action, type Policy, type Sensitivity, type UnknownMode } from './types.js';

export interface ExplainColumn {
  destination: string;
  /** Set for a jurisdiction variant: its index and CEL condition. */
  variant?: { index: number; when: string };
  /** The destination has no strategy entry: everything passes unchanged. */
  unchanged?: boolean;
  unknown: UnknownMode | 'pass';
  /** The key id of `hash`, when the destination has one. */
  keyId?: string;
}

export interface ExplainCell {
  /** `allow`, `hash`, `mask`, `drop`, `truncate 256`, or `unchanged`. */
  action: string;
  /** The rule that decides it (`sensitivity.pii`, `overrides["url.full"]`, `default.secret`…). */
  rule: string;
}

export interface ExplainRow {
  kind: 'class' | 'unknown' | 'override' | 'attribute';
  /** The class, `unknown keys`, the override pattern, or the attribute key. */
  name: string;
  owner?: string;
  sensitivity?: Sensitivity;
  brief?: string;
  cells: ExplainCell[];
}

export interface StrategyExplanation {
  source: string;
  registry?: string;
  columns: ExplainColumn[];
  rows: ExplainRow[];
}

export function describeAction(action: Action): string {
  return action.kind === 'truncate' ? `truncate ${action.max}` : action.kind;
}

const UNCHANGED: ExplainCell = { action: 'unchanged', rule: 'no strategy entry' };

/** What a policy does to one attribute key: the first matching override, else its class. */
function cellFor(policy: Policy, key: string, sensitivity: Sensitivity | undefined, known: boolean): ExplainCell {
  const override = policy.overrides.find((o) => o.test(key));
  if (override) return { action: describeAction(override.action), rule: override.rule };
  if (sensitivity) return { action: describeAction(policy.sensitivity[sensitivity]), rule: policy.ruleOf[sensitivity] };
  // As stages/classify decides: a declared key without a class is kept, and scanned under `unknown: scan`.
  if (known) return policy.unknown === 'scan' ? { action: 'scan', rule: 'declared without a class; unknown: scan' } : { action: 'allow', rule: 'declared without a class' };
  return unknownCell(policy);
}

function unknownCell(policy: Policy): ExplainCell {
  const action = policy.unknown === 'pass' ? 'allow' : policy.unknown === 'scan' ? 'scan' : 'drop';
  return { action, rule: `unknown: ${policy.unknown}` };
}

export function explainStrategy(strategy: StrategyDocument | undefined, destinations: readonly string[], registry?: ResolvedRegistry): StrategyExplanation {
  const compiled = compileStrategy({ keys: {}, ...(strategy ? { strategy } : {}) });
  const columns: ExplainColumn[] = [];
  const policies: (Policy | undefined)[] = [];
  for (const name of destinations) {
    const d = compiled?.destinations.get(name);
    const keyId = strategy?.destinations[name]?.key?.id;
    if (!d) {
      columns.push({ destination: name, unchanged: true, unknown: 'pass' });
      policies.push(undefined);
      continue;
    }
    columns.push({ destination: name, unknown: d.policy.unknown, ...(keyId ? { keyId } : {}) });
    policies.push(d.policy);
    d.jurisdictions.forEach((j, index) => {
      columns.push({ destination: name, variant: { index, when: j.when }, unknown: j.policy.unknown, ...(keyId ? { keyId } : {}) });
      policies.push(j.policy);
    });
  }
  const row = (kind: ExplainRow['kind'], name: string, cell: (p: Policy) => ExplainCell, extra: Partial<ExplainRow> = {}): ExplainRow => ({
    kind, name, ...extra, cells: policies.map((p) => (p ? cell(p) : UNCHANGED)),
  });
  const rows: ExplainRow[] = SENSITIVITIES.map((cls) => row('class', cls, (p) => ({ action: describeAction(p.sensitivity[cls]), rule: p.ruleOf[cls] })));
  rows.push(row('unknown', 'unknown keys', unknownCell));
  const patterns = new Set<string>();
  for (const p of policies) for (const o of p?.overrides ?? []) patterns.add(o.pattern);
  const byKey = new Map((registry?.attributes ?? []).map((a) => [a.key, a]));
  for (const pattern of patterns) {
    const declared = byKey.get(pattern);
    rows.push(row('override', pattern, (p) => {
      const o = p.overrides.find((x) => x.pattern === pattern);
      // A destination without this override treats the key as everywhere else.
      return o ? { action: describeAction(o.action), rule: o.rule } : pattern.includes('*') ? { action: '—', rule: 'no override here' } : cellFor(p, pattern, declared?.sensitivity, declared !== undefined);
    }, { ...(declared?.owner ? { owner: declared.owner } : {}), ...(declared?.sensitivity ? { sensitivity: declared.sensitivity } : {}) }));
  }
  for (const a of registry?.attributes ?? []) {
    if (!a.sensitivity && !a.owner) continue;
    rows.push(row('attribute', a.key, (p) => cellFor(p, a.key, a.sensitivity, true), {
      ...(a.owner ? { owner: a.owner } : {}), ...(a.sensitivity ? { sensitivity: a.sensitivity } : {}), ...(a.brief ? { brief: a.brief } : {}),
    }));
  }
  return { source: strategy?.source ?? 'none', ...(registry ? { registry: registry.manifest.name } : {}), columns, rows };
}
