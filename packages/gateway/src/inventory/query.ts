// `/api/inventory`: the stored aggregate over a time range, per service, with each key's
// conformance against the registry. Conformance is judged here, at read time, by live-check's
// AttributeAdvisor on what the bucket kept (key, types seen, enum values seen), so a registry
// change re-judges the history and the processing threads do no registry work per value.
import { RegistryIndex, type Group, type ResolvedRegistry } from '@cairn/conventions';
import { AttributeAdvisor } from '../livecheck/attribute.js';
import { FINDING_IDS } from '../livecheck/findings.js';
import { MergeableSketch } from '../livecheck/hll.js';
import { Suggester } from '../livecheck/suggest.js';
import type { AttributeAggregate, GroupAggregate, InventoryAggregate, RouteAggregate } from './aggregate.js';
import type { Place } from './types.js';

export type Conformance = 'conforming' | 'unknown' | 'alias' | 'deprecated' | 'type_mismatch' | 'undefined_enum_value' | 'required_missing' | 'not_stable' | 'template';

export interface InventoryAttributeJson {
  key: string;
  signal: string;
  place: Place;
  types: string[];
  count: number;
  observed: number;
  distinct: number;
  bytes: number;
  share: number;
  conformance: Conformance;
  /** Every finding id the advisor gave (a key can be deprecated and not stable). */
  findings: string[];
  canonical: string | null;
  suggestion: string | null;
  owner: string | null;
  sensitivity: string | null;
  /** Only for enum and `public` keys. */
  values?: Record<string, number>;
}

export interface InventoryGroupJson {
  signal: string;
  name: string;
  kind: string;
  events: number;
  narrow: number;
  errors: number;
  errors_narrow: number;
  /** The registry span group it matched (`span.http.server`), if any. */
  matched_group: string | null;
  attributes: { key: string; place: Place; count: number; share: number }[];
}

export interface InventoryServiceJson {
  service: string;
  events: number;
  narrow_spans: number;
  error_spans: number;
  error_spans_narrow: number;
  routes: { route: string; spans: number; narrow: number }[];
  attributes: InventoryAttributeJson[];
  findings: { key: string; detector: string; count: number; scanned: number }[];
  groups: InventoryGroupJson[];
}

export interface InventoryJson {
  from: string;
  to: string;
  /** False when the gateway has no registry: conformance is `unknown` and narrow spans cannot be told. */
  registry: string | null;
  services: InventoryServiceJson[];
}

/** What the registry says about keys; built once per registry. */
export class Judge {
  readonly index: RegistryIndex | undefined;
  private readonly advisor: AttributeAdvisor | undefined;
  private readonly spanGroups: Group[];

  constructor(readonly registry: ResolvedRegistry | undefined) {
    this.index = registry ? new RegistryIndex(registry) : undefined;
    this.advisor = registry ? new AttributeAdvisor(this.index!, new Suggester(registry), false) : undefined;
    this.spanGroups = (registry?.groups ?? []).filter((g) => g.type === 'span' && !g.deprecated && g.attributes.length > 0);
  }

  /** The advisor's findings over every type and enum value seen; the worst one names the conformance. */
  judge(a: Pick<AttributeAggregate, 'key' | 'types' | 'values'>, signal: string): { conformance: Conformance; findings: string[]; canonical: string | null; suggestion: string | null } {
    if (!this.advisor) return { conformance: 'unknown', findings: [], canonical: null, suggestion: null };
    const ids = new Set<string>();
    let canonical: string | null = null;
    let suggestion: string | null = null;
    const values = a.values.size > 0 ? [...a.values.keys()].filter((v) => v !== '(other)') : [];
    for (const type of a.types) {
      const samples: unknown[] = values.length > 0 && (type === 'string' || type === 'int') ? values.map((v) => (type === 'int' ? BigInt(/^-?\d+$/.test(v) ? v : '0') : v)) : [sampleOf(type)];
      for (const value of samples) {
        const result = this.advisor.check(a.key, value as never, type, { type: signal === 'traces' ? 'span' : signal === 'logs' ? 'log' : 'metric', name: null });
        for (const f of result.live_check_result.all_advice) {
          ids.add(f.id);
          if (typeof f.context.canonical === 'string') canonical = f.context.canonical;
          if (typeof f.context.suggestion === 'string') suggestion = f.context.suggestion;
        }
      }
    }
    const found = this.index!.lookup(a.key);
    const conformance: Conformance =
      ids.has(FINDING_IDS.typeMismatch) ? 'type_mismatch'
      : found.kind === 'alias' ? 'alias'
      : ids.has(FINDING_IDS.deprecated) ? 'deprecated'
      : found.kind === 'unknown' ? 'unknown'
      : ids.has(FINDING_IDS.undefinedEnumVariant) ? 'undefined_enum_value'
      : ids.has(FINDING_IDS.notStable) ? 'not_stable'
      : found.kind === 'template' ? 'template'
      : 'conforming';
    return { conformance, findings: [...ids].sort(), canonical, suggestion };
  }

  attribute(key: string): { owner: string | null; sensitivity: string | null } {
    const found = this.index?.lookup(key);
    const a = found && found.kind !== 'unknown' ? found.attribute : undefined;
    return { owner: a?.owner ?? null, sensitivity: a?.sensitivity ?? null };
  }

  /** Whether a key belongs to the org (its registry attributes or namespaces). */
  isOrg(key: string): boolean {
    const found = this.index?.lookup(key);
    if (found && found.kind !== 'unknown' && found.attribute.origin === 'org') return true;
    return (this.registry?.manifest.namespaces ?? []).some((n) => key.startsWith(`${n}.`));
  }

  /**
   * The registry span group a span group matches: same span kind, and carrying at least one
   * attribute of the group's own namespace (`span.http.server` → `http.*`); the one with the most
   * of its attributes present wins.
   */
  matchSpanGroup(g: GroupAggregate): Group | undefined {
    if (g.signal !== 'traces') return undefined;
    const present = new Set<string>();
    for (const a of g.attributes.values()) if (a.place === 'span' && a.count > 0) present.add(a.key);
    let best: Group | undefined;
    let bestScore = 0;
    for (const group of this.spanGroups) {
      if (group.spanKind !== undefined && group.spanKind !== g.kind) continue;
      const ns = group.id.replace(/^span\./, '').split('.')[0]!;
      let own = false;
      let score = 0;
      for (const ref of group.attributes) {
        if (!present.has(ref.key)) continue;
        score++;
        if (ref.key.startsWith(`${ns}.`)) own = true;
      }
      if (!own) continue;
      if (score > bestScore || (score === bestScore && best && group.attributes.length < best.attributes.length)) {
        best = group;
        bestScore = score;
      }
    }
    return best;
  }
}

function sampleOf(type: string): unknown {
  switch (type) {
    case 'string': return '';
    case 'int': return 0n;
    case 'double': return 0.5;
    case 'boolean': return false;
    default: return type.endsWith('[]') ? [] : null;
  }
}

const ERROR_LEVELS = new Set(['required']);

export function inventoryJson(aggregate: InventoryAggregate, judge: Judge, from: number, to: number): InventoryJson {
  const services = new Map<string, GroupAggregate[]>();
  for (const g of aggregate.groups.values()) {
    const list = services.get(g.service) ?? [];
    list.push(g);
    services.set(g.service, list);
  }
  const routes = new Map<string, RouteAggregate[]>();
  for (const r of aggregate.routes.values()) {
    const list = routes.get(r.service) ?? [];
    list.push(r);
    routes.set(r.service, list);
  }
  const out: InventoryServiceJson[] = [];
  for (const service of [...new Set([...services.keys(), ...routes.keys()])].sort()) out.push(serviceJson(service, services.get(service) ?? [], routes.get(service) ?? [], judge));
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), registry: judge.registry?.manifest.name ?? null, services: out };
}

/** Denominator of a key's share: records of its signal, or resources / scopes for those places. */
function eventsFor(groups: GroupAggregate[], signal: string, place: Place): number {
  let n = 0;
  for (const g of groups) {
    if (g.signal !== signal) continue;
    const isResource = g.kind === '' && g.name === '(resource)';
    const isScope = g.kind === '' && g.name.startsWith('(scope) ');
    if (place === 'resource' ? isResource : place === 'scope' ? isScope : !isResource && !isScope) n += g.events;
  }
  return n;
}

function serviceJson(service: string, groups: GroupAggregate[], routes: RouteAggregate[], judge: Judge): InventoryServiceJson {
  // Per (signal, place, key), over every group of the service.
  const merged = new Map<string, { signal: string; a: AttributeAggregate }>();
  for (const g of groups) {
    for (const a of g.attributes.values()) {
      const id = `${g.signal}\u0000${a.place}\u0000${a.key}`;
      const m = merged.get(id);
      if (!m) {
        merged.set(id, { signal: g.signal, a: { ...a, types: new Set(a.types), sketch: MergeableSketch.fromBytes(a.sketch.toBytes()), values: new Map(a.values), findings: new Map(a.findings) } });
        continue;
      }
      for (const t of a.types) m.a.types.add(t);
      m.a.count += a.count;
      m.a.observed += a.observed;
      m.a.bytes += a.bytes;
      m.a.scanned += a.scanned;
      m.a.sketch.merge(a.sketch);
      for (const [v, n] of a.values) m.a.values.set(v, (m.a.values.get(v) ?? 0) + n);
      for (const [d, n] of a.findings) m.a.findings.set(d, (m.a.findings.get(d) ?? 0) + n);
    }
  }
  const attributes: InventoryAttributeJson[] = [];
  const findings: InventoryServiceJson['findings'] = [];
  for (const { signal, a } of merged.values()) {
    const events = eventsFor(groups, signal, a.place);
    const verdict = judge.judge(a, signal);
    const facts = judge.attribute(a.key);
    attributes.push({
      key: a.key, signal, place: a.place, types: [...a.types].sort(), count: round(a.count), observed: a.observed, distinct: a.sketch.estimate(), bytes: a.bytes,
      share: events > 0 ? Math.min(1, a.count / events) : 0, conformance: verdict.conformance, findings: verdict.findings, canonical: verdict.canonical, suggestion: verdict.suggestion,
      ...facts, ...(a.values.size > 0 ? { values: Object.fromEntries([...a.values].sort((x, y) => y[1] - x[1])) } : {}),
    });
    for (const [detector, count] of a.findings) findings.push({ key: a.key, detector, count, scanned: a.scanned });
  }
  // Required keys of matched span groups that never appeared: listed with count 0.
  const groupsJson: InventoryGroupJson[] = [];
  for (const g of groups) {
    const matched = judge.matchSpanGroup(g);
    if (matched) {
      for (const ref of matched.attributes) {
        if (!ERROR_LEVELS.has(ref.requirementLevel ?? '')) continue;
        const have = g.attributes.get(`span\u0000${ref.key}`)?.count ?? 0;
        if (have >= g.events) continue;
        const existing = attributes.find((x) => x.key === ref.key && x.signal === 'traces' && x.place === 'span');
        if (existing) {
          if (existing.conformance === 'conforming') existing.conformance = 'required_missing';
        } else {
          attributes.push({ key: ref.key, signal: 'traces', place: 'span', types: [], count: 0, observed: 0, distinct: 0, bytes: 0, share: 0, conformance: 'required_missing', findings: [FINDING_IDS.required], canonical: null, suggestion: null, ...judge.attribute(ref.key) });
        }
      }
    }
    groupsJson.push({
      signal: g.signal, name: g.name, kind: g.kind, events: round(g.events), narrow: round(g.narrow), errors: round(g.errors), errors_narrow: round(g.errorsNarrow),
      matched_group: matched?.id ?? null,
      attributes: [...g.attributes.values()].map((a) => ({ key: a.key, place: a.place, count: round(a.count), share: g.events > 0 ? Math.min(1, a.count / g.events) : 0 })).sort((x, y) => y.count - x.count || cmp(x.key, y.key)),
    });
  }
  attributes.sort((x, y) => y.count - x.count || cmp(x.key, y.key) || cmp(x.signal, y.signal) || cmp(x.place, y.place));
  findings.sort((x, y) => y.count - x.count || cmp(x.key, y.key) || cmp(x.detector, y.detector));
  groupsJson.sort((x, y) => y.events - x.events || cmp(x.name, y.name) || cmp(x.kind, y.kind));
  const spans = groups.filter((g) => g.signal === 'traces' && g.kind !== '');
  return {
    service,
    events: round(groups.filter((g) => !isHolder(g)).reduce((n, g) => n + g.events, 0)),
    narrow_spans: round(spans.reduce((n, g) => n + g.narrow, 0)),
    error_spans: round(spans.reduce((n, g) => n + g.errors, 0)),
    error_spans_narrow: round(spans.reduce((n, g) => n + g.errorsNarrow, 0)),
    routes: routes.map((r) => ({ route: r.route, spans: round(r.spans), narrow: round(r.narrow) })).sort((x, y) => y.spans - x.spans || cmp(x.route, y.route)),
    attributes, findings, groups: groupsJson,
  };
}

/** The `(resource)` and `(scope) NAME` groups, which hold resource and scope attributes, not records. */
export function isHolder(g: Pick<GroupAggregate, 'name' | 'kind'>): boolean {
  return g.kind === '' && (g.name === '(resource)' || g.name.startsWith('(scope) '));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
