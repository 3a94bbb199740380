// `cairn gaps` / `GET /api/gaps`: the post-incident instrumentation gap report for one service
// and time window, from the inventory. Structured fields plus the same as Markdown to paste into
// a review: narrow routes and spans, registry fields expected on those spans and absent, unknown
// fields, error spans without business context, SLO fields missing, and what to add.
import type { GroupAggregate, InventoryAggregate } from './aggregate.js';
import { isHolder, type Judge } from './query.js';

/**
 * The SLO hook: which attribute keys each SLO reads (`SpanExpression.reads`). The SLO feature
 * fills it (Inventory.sloReads); until then it is empty and the section says so.
 */
export interface SloReads {
  slo: string;
  /** The service the SLO is about; null: any. */
  service: string | null;
  keys: string[];
}

export interface GapsJson {
  service: string;
  from: string;
  to: string;
  spans: number;
  narrow_spans: number;
  narrow_share: number;
  narrow_routes: { route: string; spans: number; narrow: number; share: number }[];
  narrow_span_names: { name: string; kind: string; spans: number; narrow: number; share: number }[];
  expected_missing: { key: string; level: string; group: string; missing: number; share: number; spans: string[] }[];
  unknown_fields: { key: string; count: number; share: number; suggestion: string | null; spans: string[] }[];
  error_spans: number;
  error_spans_narrow: number;
  error_narrow_share: number;
  error_examples: { name: string; kind: string; errors: number; narrow: number }[];
  business_fields: { key: string; share: number }[];
  slo_fields_missing: { slo: string; key: string; missing: number; share: number }[] | null;
  what_to_add: string[];
  markdown: string;
}

const LEVELS = ['required', 'conditionally_required', 'recommended'];
const TOP = 10;

export function gapsReport(aggregate: InventoryAggregate, judge: Judge, service: string, from: number, to: number, sloReads?: SloReads[]): GapsJson {
  const groups = [...aggregate.groups.values()].filter((g) => g.service === service && g.signal === 'traces' && !isHolder(g));
  const spans = sum(groups, (g) => g.events);
  const narrow = sum(groups, (g) => g.narrow);
  const routes = [...aggregate.routes.values()].filter((r) => r.service === service && r.narrow > 0)
    .map((r) => ({ route: r.route, spans: r1(r.spans), narrow: r1(r.narrow), share: ratio(r.narrow, r.spans) }))
    .sort((a, b) => b.narrow - a.narrow || cmp(a.route, b.route));
  const narrowNames = groups.filter((g) => g.narrow > 0)
    .map((g) => ({ name: g.name, kind: g.kind, spans: r1(g.events), narrow: r1(g.narrow), share: ratio(g.narrow, g.events) }))
    .sort((a, b) => b.narrow - a.narrow || cmp(a.name, b.name));

  // Registry fields each matched span group expects, absent on part of the spans.
  const expected = new Map<string, { key: string; level: string; group: string; missing: number; total: number; spans: string[] }>();
  for (const g of groups) {
    const matched = judge.matchSpanGroup(g);
    if (!matched) continue;
    for (const ref of matched.attributes) {
      const level = ref.requirementLevel ?? 'recommended';
      if (!LEVELS.includes(level)) continue;
      const have = g.attributes.get(`span\u0000${ref.key}`)?.count ?? 0;
      const missing = g.events - have;
      if (missing <= 0) continue;
      const id = `${matched.id}\u0000${ref.key}`;
      const row = expected.get(id) ?? { key: ref.key, level, group: matched.id, missing: 0, total: 0, spans: [] };
      row.missing += missing;
      row.total += g.events;
      if (row.spans.length < 3) row.spans.push(g.name);
      expected.set(id, row);
    }
  }
  const expectedMissing = [...expected.values()]
    .map((e) => ({ key: e.key, level: e.level, group: e.group, missing: r1(e.missing), share: ratio(e.missing, e.total), spans: e.spans }))
    .sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || b.missing - a.missing || cmp(a.key, b.key));

  // Unknown keys, and the org's keys (business context) seen on the service's spans.
  const unknown = new Map<string, { count: number; spans: string[] }>();
  const business = new Map<string, number>();
  for (const g of groups) {
    for (const a of g.attributes.values()) {
      if (a.place !== 'span' && a.place !== 'event') continue;
      if (judge.index && judge.index.lookup(a.key).kind === 'unknown' && !judge.isOrg(a.key)) {
        const u = unknown.get(a.key) ?? { count: 0, spans: [] };
        u.count += a.count;
        if (u.spans.length < 3 && !u.spans.includes(g.name)) u.spans.push(g.name);
        unknown.set(a.key, u);
      }
      if (judge.isOrg(a.key)) business.set(a.key, (business.get(a.key) ?? 0) + a.count);
    }
  }
  const unknownFields = [...unknown].map(([key, u]) => ({ key, count: r1(u.count), share: ratio(u.count, spans), suggestion: judge.judge({ key, types: new Set(['string']), values: new Map() }, 'traces').suggestion, spans: u.spans }))
    .sort((a, b) => b.count - a.count || cmp(a.key, b.key));
  const businessFields = [...business].map(([key, n]) => ({ key, share: ratio(n, spans) })).sort((a, b) => b.share - a.share || cmp(a.key, b.key));

  const errors = sum(groups, (g) => g.errors);
  const errorsNarrow = sum(groups, (g) => g.errorsNarrow);
  const errorExamples = groups.filter((g) => g.errors > 0).map((g) => ({ name: g.name, kind: g.kind, errors: r1(g.errors), narrow: r1(g.errorsNarrow) }))
    .sort((a, b) => b.narrow - a.narrow || b.errors - a.errors || cmp(a.name, b.name));

  let sloMissing: GapsJson['slo_fields_missing'] = null;
  if (sloReads && sloReads.length > 0) {
    sloMissing = [];
    for (const slo of sloReads.filter((s) => s.service === null || s.service === service)) {
      for (const key of slo.keys) {
        const have = sum(groups, (g) => g.attributes.get(`span\u0000${key}`)?.count ?? 0);
        if (have < spans) sloMissing.push({ slo: slo.slo, key, missing: r1(spans - have), share: ratio(spans - have, spans) });
      }
    }
  }

  const report: Omit<GapsJson, 'markdown' | 'what_to_add'> = {
    service, from: iso(from), to: iso(to), spans: r1(spans), narrow_spans: r1(narrow), narrow_share: ratio(narrow, spans),
    narrow_routes: routes, narrow_span_names: narrowNames, expected_missing: expectedMissing, unknown_fields: unknownFields,
    error_spans: r1(errors), error_spans_narrow: r1(errorsNarrow), error_narrow_share: ratio(errorsNarrow, errors), error_examples: errorExamples,
    business_fields: businessFields, slo_fields_missing: sloMissing,
  };
  const whatToAdd = advice(report, judge);
  return { ...report, what_to_add: whatToAdd, markdown: markdown({ ...report, what_to_add: whatToAdd }, judge) };
}

function advice(r: Omit<GapsJson, 'markdown' | 'what_to_add'>, judge: Judge): string[] {
  const out: string[] = [];
  const context = r.business_fields.slice(0, 3).map((b) => `\`${b.key}\``).join(', ');
  const orgKeys = context || (judge.registry?.manifest.namespaces.length ? `a \`${judge.registry.manifest.namespaces[0]}.*\` field from the registry` : 'a field of your registry');
  for (const route of r.narrow_routes.slice(0, 5)) out.push(`Add business context (${orgKeys}) to the spans of route \`${route.route}\`: ${pct(route.share)} of its ${fmt(route.spans)} spans carry none.`);
  if (r.error_spans_narrow > 0) out.push(`Record the business context on failing requests: ${pct(r.error_narrow_share)} of ${fmt(r.error_spans)} error spans had none (${r.error_examples.filter((e) => e.narrow > 0).slice(0, 3).map((e) => `\`${e.name}\` ${e.kind}`).join(', ')}).`);
  for (const e of r.expected_missing.filter((x) => worthAdding(x, r)).slice(0, 5)) out.push(`Set \`${e.key}\` (${e.level.replace('_', ' ')} on ${e.group}) on ${e.spans.map((s) => `\`${s}\``).join(', ')}: missing on ${pct(e.share)}.`);
  for (const u of r.unknown_fields.slice(0, 5)) out.push(u.suggestion ? `Rename \`${u.key}\` to \`${u.suggestion}\` (registry), or register it.` : `Register \`${u.key}\` in the registry (\`cairn report\` prints a snippet), or drop it.`);
  for (const s of r.slo_fields_missing ?? []) out.push(`SLO \`${s.slo}\` reads \`${s.key}\`, missing on ${pct(s.share)} of spans: those spans cannot be judged.`);
  return out;
}

/**
 * Which absent fields go to "what to add": required ones; conditionally required ones only where
 * the condition is known to hold (`http.route` on server spans of a service that has routes) or
 * where the field is on some spans of the group and not others (inconsistent instrumentation).
 * Other conditional fields (error.type, url.query…) depend on conditions the inventory cannot
 * see: they stay in the table, marked, and are not pushed on anyone.
 */
function worthAdding(e: GapsJson['expected_missing'][number], r: Omit<GapsJson, 'markdown' | 'what_to_add'>): boolean {
  if (e.level === 'required') return true;
  if (e.level !== 'conditionally_required') return false;
  return (e.key === 'http.route' && e.group.endsWith('.server')) || (e.share > 0 && e.share < 1 && r.spans > 0);
}

function markdown(r: Omit<GapsJson, 'markdown'>, judge: Judge): string {
  const L: string[] = [];
  L.push(`## Instrumentation gaps: \`${r.service}\`, ${r.from.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '')} → ${r.to.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '')} UTC`, '');
  if (r.spans === 0) {
    L.push(`No spans from \`${r.service}\` were recorded by the inventory in this window.`, '');
    return L.join('\n');
  }
  const registry = judge.registry ? `registry \`${judge.registry.manifest.name}\`` : 'no registry (narrow spans and conformance cannot be told)';
  L.push(`${fmt(r.spans)} spans; **${pct(r.narrow_share)} narrow** (${fmt(r.narrow_spans)} spans carried only upstream or auto-instrumentation fields, none of the org's); ${r.error_spans > 0 ? `**${pct(r.error_narrow_share)} of ${fmt(r.error_spans)} error spans had no business context**` : 'no error spans'}. Judged against ${registry}; counts re-weighted by incoming sample rates.`, '');
  if (r.what_to_add.length > 0) {
    L.push('### What to add', '');
    for (const a of r.what_to_add) L.push(`- ${a}`);
    L.push('');
  }
  L.push('### Narrow routes', '');
  if (r.narrow_routes.length === 0) L.push('None (or no span carried `http.route`).', '');
  else table(L, ['Route', 'Spans', 'Narrow', 'Share'], r.narrow_routes.slice(0, TOP).map((x) => [`\`${x.route}\``, fmt(x.spans), fmt(x.narrow), pct(x.share)]), r.narrow_routes.length);
  L.push('### Narrow spans', '');
  if (r.narrow_span_names.length === 0) L.push('None.', '');
  else table(L, ['Span name', 'Kind', 'Spans', 'Narrow', 'Share'], r.narrow_span_names.slice(0, TOP).map((x) => [`\`${x.name}\``, x.kind, fmt(x.spans), fmt(x.narrow), pct(x.share)]), r.narrow_span_names.length);
  L.push('### Expected registry fields that were absent', '');
  if (r.expected_missing.length === 0) L.push('None: every span that matched a registry span group carried its required, conditionally required and recommended fields (or no span matched one).', '');
  else table(L, ['Field', 'Level', 'Span group', 'Missing on', 'Example spans'], r.expected_missing.slice(0, 2 * TOP).map((x) => [`\`${x.key}\``, x.level === 'conditionally_required' ? 'conditionally required (when its condition applies)' : x.level, x.group, `${fmt(x.missing)} (${pct(x.share)})`, x.spans.map((s) => `\`${s}\``).join(', ')]), r.expected_missing.length);
  L.push('### Unknown fields that appeared', '');
  if (r.unknown_fields.length === 0) L.push('None.', '');
  else table(L, ['Field', 'Spans', 'Share', 'Did you mean', 'Example spans'], r.unknown_fields.slice(0, TOP).map((x) => [`\`${x.key}\``, fmt(x.count), pct(x.share), x.suggestion ? `\`${x.suggestion}\`` : '—', x.spans.map((s) => `\`${s}\``).join(', ')]), r.unknown_fields.length);
  L.push('### Error spans without business context', '');
  if (r.error_spans === 0) L.push('No error spans in this window.', '');
  else {
    L.push(`${fmt(r.error_spans_narrow)} of ${fmt(r.error_spans)} error spans (${pct(r.error_narrow_share)}) carried no field of the org's registry.`, '');
    table(L, ['Span name', 'Kind', 'Errors', 'Without context'], r.error_examples.slice(0, TOP).map((x) => [`\`${x.name}\``, x.kind, fmt(x.errors), fmt(x.narrow)]), r.error_examples.length);
  }
  L.push('### SLO fields missing', '');
  if (r.slo_fields_missing === null) L.push('No SLO reads fields of this service (or SLOs are not configured).', '');
  else if (r.slo_fields_missing.length === 0) L.push('None: every field the SLOs read was on every span.', '');
  else table(L, ['SLO', 'Field', 'Missing on'], r.slo_fields_missing.map((x) => [`\`${x.slo}\``, `\`${x.key}\``, `${fmt(x.missing)} (${pct(x.share)})`]), r.slo_fields_missing.length);
  if (r.business_fields.length > 0) L.push(`Business context that was present: ${r.business_fields.slice(0, 8).map((b) => `\`${b.key}\` (${pct(b.share)})`).join(', ')}.`, '');
  return L.join('\n');
}

function table(L: string[], head: string[], rows: string[][], total: number): void {
  L.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const r of rows) L.push(`| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  if (total > rows.length) L.push('', `…and ${total - rows.length} more (see the JSON).`);
  L.push('');
}

function sum(groups: GroupAggregate[], f: (g: GroupAggregate) => number): number {
  let n = 0;
  for (const g of groups) n += f(g);
  return n;
}

function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0;
}

function r1(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share >= 0.1 || share === 0 ? 0 : 1)}%`;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
