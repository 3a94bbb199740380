// `cairn report`'s data: the inventory per attribute key, joined with the registry (owner,
// sensitivity), the data strategy (what each destination receives, via explainStrategy), the SLOs
// that read the key (the SLO hook) and conformance; and the actions it recommends.
import type { ResolvedRegistry } from '@cairn/conventions';
import { explainStrategy, globTest, type ExplainCell, type GatewayConfig, type InventoryJson, type SloReads } from '@cairn/gateway';

export interface ReportDestination {
  /** `eu-archive`, or `eu-archive when <cel>` for a jurisdiction variant. */
  destination: string;
  action: string;
  rule: string;
  /** False when the action drops it or the destination does not take the signal. */
  receives: boolean;
}

export interface ReportAttribute {
  key: string;
  signal: string;
  owner: string | null;
  sensitivity: string | null;
  conformance: string;
  canonical: string | null;
  suggestion: string | null;
  services: string[];
  count: number;
  bytes: number;
  bytes_per_day: number;
  volume_share: number;
  /** The highest distinct estimate of any one service (sketches do not travel in the JSON). */
  distinct: number;
  types: string[];
  destinations: ReportDestination[];
  slos: string[];
  pii_found: { detector: string; count: number; scanned: number }[];
}

export interface ReportAction {
  kind: 'drop' | 'declare_sensitivity' | 'rename' | 'register';
  key: string;
  message: string;
}

export interface ReportJson {
  from: string;
  to: string;
  registry: string | null;
  days: number;
  total_bytes: number;
  attributes: ReportAttribute[];
  actions: ReportAction[];
  /** Ready-to-paste Weaver registry YAML for the frequent unknown keys, or null. */
  registry_snippet: string | null;
}

/** A field is "high-volume" from this share of all attribute bytes. */
export const HIGH_VOLUME_SHARE = 0.01;
/** An unknown key is "frequent" from this many events a day. */
export const FREQUENT_PER_DAY = 100;

export function buildReport(inventory: InventoryJson, config: GatewayConfig | undefined, registry: ResolvedRegistry | undefined, sloReads: SloReads[] = []): ReportJson {
  const from = Date.parse(inventory.from);
  const to = Date.parse(inventory.to);
  const days = Math.max((to - from) / 86_400_000, 1 / 24);
  const byKey = new Map<string, ReportAttribute>();
  for (const s of inventory.services) {
    for (const a of s.attributes) {
      if (a.count === 0 && a.bytes === 0) continue;
      const id = `${a.signal}\u0000${a.key}`;
      let r = byKey.get(id);
      if (!r) {
        r = { key: a.key, signal: a.signal, owner: a.owner, sensitivity: a.sensitivity, conformance: a.conformance, canonical: a.canonical, suggestion: a.suggestion, services: [], count: 0, bytes: 0, bytes_per_day: 0, volume_share: 0, distinct: 0, types: [], destinations: [], slos: [], pii_found: [] };
        byKey.set(id, r);
      }
      if (!r.services.includes(s.service)) r.services.push(s.service);
      r.count += a.count;
      r.bytes += a.bytes;
      r.distinct = Math.max(r.distinct, a.distinct);
      for (const t of a.types) if (!r.types.includes(t)) r.types.push(t);
    }
    for (const f of s.findings) {
      for (const r of byKey.values()) {
        if (r.key !== f.key) continue;
        const mine = r.pii_found.find((p) => p.detector === f.detector);
        if (mine) { mine.count += f.count; mine.scanned += f.scanned; } else r.pii_found.push({ detector: f.detector, count: f.count, scanned: f.scanned });
      }
    }
  }
  const total = [...byKey.values()].reduce((n, r) => n + r.bytes, 0);
  const explanation = config ? explainStrategy(config.strategy, config.destinations.map((d) => d.name), registry) : undefined;
  const known = new Set((registry?.attributes ?? []).map((a) => a.key));
  for (const r of byKey.values()) {
    r.bytes_per_day = Math.round(r.bytes / days);
    r.volume_share = total > 0 ? Math.round((r.bytes / total) * 10_000) / 10_000 : 0;
    r.slos = sloReads.filter((s) => s.keys.includes(r.key) && (s.service === null || r.services.includes(s.service))).map((s) => s.slo).sort();
    if (config && explanation) {
      const cells = cellsFor(explanation, r.key, r.sensitivity, known.has(r.key));
      explanation.columns.forEach((c, i) => {
        const d = config.destinations.find((x) => x.name === c.destination);
        const routed = !d?.signals || d.signals.includes(r.signal as never);
        const cell = cells[i]!;
        r.destinations.push({
          destination: c.variant ? `${c.destination} when ${c.variant.when}` : c.destination,
          action: routed ? cell.action : 'not routed',
          rule: routed ? cell.rule : `signals: ${d?.signals?.join(', ')}`,
          receives: routed && cell.action !== 'drop',
        });
      });
    }
  }
  const attributes = [...byKey.values()].sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key));
  const { actions, snippet } = recommend(attributes, days, registry);
  return { from: inventory.from, to: inventory.to, registry: inventory.registry, days: Math.round(days * 1000) / 1000, total_bytes: total, attributes, actions, registry_snippet: snippet };
}

/** What each column of the strategy does to `key`: an override first, then its class, else the unknown-keys rule. */
function cellsFor(e: NonNullable<ReturnType<typeof explainStrategy>>, key: string, sensitivity: string | null, known: boolean): ExplainCell[] {
  const n = e.columns.length;
  const out: ExplainCell[] = [];
  const overrides = e.rows.filter((r) => r.kind === 'override');
  const cls = sensitivity ? e.rows.find((r) => r.kind === 'class' && r.name === sensitivity) : undefined;
  const unknown = e.rows.find((r) => r.kind === 'unknown')!;
  for (let i = 0; i < n; i++) {
    const o = overrides.find((r) => globTest(r.name)(key) && r.cells[i]!.action !== '—');
    if (o) out.push(o.cells[i]!);
    else if (cls) out.push(cls.cells[i]!);
    else if (known) out.push(unknown.cells[i]!.action === 'unchanged' ? unknown.cells[i]! : { action: unknown.cells[i]!.action === 'scan' ? 'scan' : 'allow', rule: 'declared without a class' });
    else out.push(unknown.cells[i]!);
  }
  return out;
}

function recommend(attributes: ReportAttribute[], days: number, registry: ResolvedRegistry | undefined): { actions: ReportAction[]; snippet: string | null } {
  const actions: ReportAction[] = [];
  const mb = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} kB`);
  for (const a of attributes) {
    if (a.volume_share >= HIGH_VOLUME_SHARE && a.destinations.length > 0 && a.destinations.every((d) => !d.receives) && a.slos.length === 0) {
      actions.push({ kind: 'drop', key: a.key, message: `Stop sending \`${a.key}\` (${mb(a.bytes_per_day)}/day, ${(a.volume_share * 100).toFixed(1)}% of attribute bytes): no destination receives it and no SLO reads it.` });
    }
  }
  for (const a of attributes) {
    if (a.pii_found.length === 0 || a.sensitivity === 'pii' || a.sensitivity === 'secret') continue;
    const found = a.pii_found.map((p) => `${p.detector} in ${p.count} of ${p.scanned} sampled values`).join(', ');
    actions.push({ kind: 'declare_sensitivity', key: a.key, message: `Declare \`sensitivity: pii\` for \`${a.key}\`${a.owner ? ` (owner ${a.owner})` : ''}: ${found}${a.sensitivity ? `, declared ${a.sensitivity}` : ', no sensitivity declared'}.` });
  }
  for (const a of attributes) {
    if ((a.conformance === 'alias' || a.conformance === 'deprecated') && a.canonical) {
      actions.push({ kind: 'rename', key: a.key, message: `Rename \`${a.key}\` to \`${a.canonical}\` in ${a.services.join(', ')} (${Math.round(a.count / days)} events/day).` });
    }
  }
  const frequent = attributes.filter((a) => a.conformance === 'unknown' && a.count / days >= FREQUENT_PER_DAY);
  const namespace = registry?.manifest.namespaces[0] ?? 'org';
  const entries: string[] = [];
  for (const a of frequent) {
    const inRegistry = a.suggestion !== null && (registry?.attributes ?? []).some((x) => x.key === a.suggestion);
    if (inRegistry) {
      actions.push({ kind: 'rename', key: a.key, message: `\`${a.key}\` looks like \`${a.suggestion}\`: send that key, or add \`${a.key}\` to its aliases (${Math.round(a.count / days)} events/day).` });
      continue;
    }
    const id = a.suggestion ?? proposedId(a.key, namespace);
    actions.push({ kind: 'register', key: a.key, message: `Register \`${a.key}\` (${Math.round(a.count / days)} events/day in ${a.services.join(', ')}) as \`${id}\`: see the registry snippet.` });
    entries.push(yamlEntry(a, id));
  }
  const snippet = entries.length === 0 ? null : `groups:\n  - id: registry.${namespace}.proposed\n    type: attribute_group\n    brief: Keys seen in telemetry and not in the registry (proposed by cairn report; review every TODO).\n    attributes:\n${entries.join('')}`;
  return { actions, snippet };
}

/** `cartTotal` → `acme.cart_total`; keys already dotted keep their words. */
function proposedId(key: string, namespace: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/[^a-z0-9._]+/g, '_').replace(/^[._]+|[._]+$/g, '');
  return words.startsWith(`${namespace}.`) ? words : `${namespace}.${words || 'field'}`;
}

function yamlEntry(a: ReportAttribute, id: string): string {
  const type = a.types.length === 1 && /^(string|int|double|boolean)(\[\])?$/.test(a.types[0]!) ? a.types[0] : 'string';
  const sensitivity = a.pii_found.length > 0 ? 'pii' : 'internal';
  const lines = [
    `      - id: ${id}`,
    `        type: ${type}`,
    `        brief: TODO describe ${JSON.stringify(a.key)} (seen in ${a.services.join(', ')}).`,
    `        stability: development`,
    `        annotations:`,
    `          cairn:`,
    `            owner: TODO`,
    `            sensitivity: ${sensitivity}`,
  ];
  if (id !== a.key) lines.push(`            aliases: [${JSON.stringify(a.key)}]`);
  return `${lines.join('\n')}\n`;
}
