import { LEVELS, levelRank, type FindingLevel, type PolicyFinding } from './findings.js';
import type { LiveCheckReport, Sample } from './checker.js';

export type ReportFormat = 'ansi' | 'json' | 'md';
export type FailOn = FindingLevel | 'none';

/** Exit code for CI: 1 when a finding reached `failOn`, else 0. */
export function exitCodeOf(report: LiveCheckReport, failOn: FailOn): number {
  if (failOn === 'none') return 0;
  const counts = report.statistics.advice_level_counts as Record<string, number>;
  return LEVELS.some((level) => levelRank(level) >= levelRank(failOn) && (counts[level] ?? 0) > 0) ? 1 : 0;
}

/** Every finding in the report, with the sample type it was found on. */
export function allFindings(report: LiveCheckReport): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'live_check_result') out.push(...(v as { all_advice: PolicyFinding[] }).all_advice);
      else visit(v);
    }
  };
  report.samples.forEach((s: Sample) => visit(s));
  return out;
}

interface Group {
  finding: PolicyFinding;
  count: number;
  signals: Set<string>;
}

/** Findings folded by (id, key, level): a CI log wants "userId: 120 times", not 120 lines. */
function grouped(report: LiveCheckReport): Group[] {
  const groups = new Map<string, Group>();
  for (const f of allFindings(report)) {
    const key = `${f.level}\u0000${f.id}\u0000${String(f.context.attribute_key ?? f.context.metric_name ?? f.context.event_name ?? '')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { finding: f, count: 0, signals: new Set() }));
    g.count++;
    if (f.signal_name) g.signals.add(`${f.signal_type} ${f.signal_name}`);
    else if (f.signal_type) g.signals.add(f.signal_type);
  }
  return [...groups.values()].sort((a, b) => levelRank(b.finding.level) - levelRank(a.finding.level) || b.count - a.count || (a.finding.message < b.finding.message ? -1 : 1));
}

function subject(f: PolicyFinding): string {
  return String(f.context.attribute_key ?? f.context.metric_name ?? f.context.event_name ?? '');
}

function hint(f: PolicyFinding): string {
  if (f.context.canonical) return `use ${String(f.context.canonical)}`;
  if (f.context.suggestion) return `did you mean ${String(f.context.suggestion)}?`;
  if (f.context.expected) return `expected ${String(f.context.expected)}`;
  return '';
}

function signalList(g: Group): string {
  const list = [...g.signals].sort();
  return list.length > 3 ? `${list.slice(0, 3).join(', ')} (+${list.length - 3})` : list.join(', ');
}

const COLOR: Record<FindingLevel, string> = { violation: '\u001b[31m', improvement: '\u001b[33m', information: '\u001b[36m' };
const RESET = '\u001b[0m';

export function renderReport(report: LiveCheckReport, format: ReportFormat, color = true): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const stats = report.statistics as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const groups = grouped(report);
  const coverage = stats.cairn.coverage_by_signal as Record<string, { seen_keys: number; registry_keys_seen: number; share_of_seen_in_registry: number; share_of_registry_seen: number }>;
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const levels = LEVELS.slice().reverse().map((l) => `${l}: ${stats.advice_level_counts[l] ?? 0}`).join(', ');
  const nonRegistry = Object.entries(stats.seen_non_registry_attributes as Record<string, number>).sort((a, b) => b[1] - a[1]);
  const attributes = stats.cairn.attributes as Record<string, { count: number; distinct_values: number; distinct_exact: boolean }>;
  if (format === 'md') {
    const lines = ['# Live-check report', '', `${stats.total_entities} entities checked, ${stats.total_advisories} findings (${levels}). Registry coverage: ${pct(stats.registry_coverage)}.`, ''];
    lines.push('## Findings', '', '| level | id | key | count | where | hint |', '|---|---|---|---:|---|---|');
    for (const g of groups) lines.push(`| ${g.finding.level} | \`${g.finding.id}\` | \`${md(subject(g.finding))}\` | ${g.count} | ${md(signalList(g))} | ${md(hint(g.finding))} |`);
    lines.push('', '## Coverage by signal', '', '| signal | keys seen | in registry | share of seen in registry | share of registry seen |', '|---|---:|---:|---:|---:|');
    for (const [signal, c] of Object.entries(coverage)) lines.push(`| ${signal} | ${c.seen_keys} | ${c.registry_keys_seen} | ${pct(c.share_of_seen_in_registry)} | ${pct(c.share_of_registry_seen)} |`);
    lines.push('', '## Attributes not in the registry', '', '| key | count | distinct values |', '|---|---:|---:|');
    for (const [key, n] of nonRegistry) lines.push(`| \`${md(key)}\` | ${n} | ${distinct(attributes[key])} |`);
    return `${lines.join('\n')}\n`;
  }
  const c = (level: FindingLevel, text: string): string => (color ? `${COLOR[level]}${text}${RESET}` : text);
  const lines: string[] = [];
  for (const g of groups) {
    const h = hint(g.finding);
    lines.push(`${c(g.finding.level, g.finding.level.padEnd(11))} ${g.finding.id.padEnd(30)} ${subject(g.finding)}${g.count > 1 ? ` ×${g.count}` : ''}${h ? ` — ${h}` : ''}${g.signals.size ? `  [${signalList(g)}]` : ''}`);
  }
  lines.push('', `${stats.total_entities} entities, ${stats.total_advisories} findings (${levels}); registry coverage ${pct(stats.registry_coverage)}`);
  for (const [signal, cov] of Object.entries(coverage)) lines.push(`  ${signal.padEnd(12)} ${cov.seen_keys} keys, ${pct(cov.share_of_seen_in_registry)} in the registry`);
  if (nonRegistry.length) lines.push(`  not in the registry: ${nonRegistry.slice(0, 10).map(([k, n]) => `${k} (${n}, ${distinct(attributes[k])} distinct)`).join(', ')}${nonRegistry.length > 10 ? ', …' : ''}`);
  return `${lines.join('\n')}\n`;
}

function distinct(a: { distinct_values: number; distinct_exact: boolean } | undefined): string {
  return a ? `${a.distinct_exact ? '' : '≈'}${a.distinct_values}` : '?';
}

function md(text: string): string {
  return text.replace(/[|\\`]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}
