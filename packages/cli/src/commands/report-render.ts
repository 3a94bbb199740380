// `cairn report` as Markdown or as one self-contained HTML page (inline CSS, no scripts).
import type { ReportAttribute, ReportJson } from './report-model.js';

const TOP = 200;

function bytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x >= 0.1 ? 0 : 1)}%`;
}

function destinations(a: ReportAttribute): string {
  if (a.destinations.length === 0) return '—';
  return a.destinations.map((d) => `${d.destination}: ${d.action}`).join('; ');
}

function row(a: ReportAttribute): string[] {
  return [
    a.key, a.signal, a.owner ?? '—', a.sensitivity ?? '—', `${bytes(a.bytes_per_day)}/day`, pct(a.volume_share), String(a.distinct),
    destinations(a), a.slos.length > 0 ? a.slos.join(', ') : '—',
    a.conformance + (a.canonical ? ` → ${a.canonical}` : '') + (a.pii_found.length > 0 ? `; PII: ${a.pii_found.map((p) => p.detector).join(', ')}` : ''),
  ];
}

const HEAD = ['Attribute', 'Signal', 'Owner', 'Sensitivity', 'Volume', 'Share', 'Distinct', 'Destinations (after the strategy)', 'Read by SLOs', 'Conformance'];

function md(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderReportMarkdown(r: ReportJson): string {
  const L: string[] = [];
  L.push(`# Data inventory and value report`, '');
  L.push(`${r.from} → ${r.to} (${r.days} days) · registry: ${r.registry ?? 'none'} · ${r.attributes.length} attributes · ${bytes(Math.round(r.total_bytes / r.days))}/day of attribute bytes`, '');
  L.push('## Recommended actions', '');
  if (r.actions.length === 0) L.push('None.', '');
  for (const a of r.actions) L.push(`- **${a.kind.replace('_', ' ')}**: ${a.message}`);
  if (r.actions.length > 0) L.push('');
  if (r.registry_snippet) L.push('### Registry snippet (Weaver format)', '', '```yaml', r.registry_snippet.trimEnd(), '```', '');
  L.push('## Attributes', '', `| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`);
  for (const a of r.attributes.slice(0, TOP)) L.push(`| ${row(a).map((c, i) => (i === 0 ? `\`${md(c)}\`` : md(c))).join(' | ')} |`);
  if (r.attributes.length > TOP) L.push('', `…and ${r.attributes.length - TOP} more (see --format json).`);
  L.push('');
  return L.join('\n');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderReportHtml(r: ReportJson): string {
  const actions = r.actions.length === 0 ? '<p>None.</p>' : `<ul>${r.actions.map((a) => `<li><b>${esc(a.kind.replace('_', ' '))}</b>: ${esc(a.message)}</li>`).join('')}</ul>`;
  const snippet = r.registry_snippet ? `<h3>Registry snippet (Weaver format)</h3><pre>${esc(r.registry_snippet)}</pre>` : '';
  const rows = r.attributes.slice(0, TOP).map((a) => `<tr>${row(a).map((c, i) => (i === 0 ? `<td><code>${esc(c)}</code></td>` : `<td>${esc(c)}</td>`)).join('')}</tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cairn data inventory report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}pre{background:#f6f6f6;padding:1em}</style>
</head><body>
<h1>Data inventory and value report</h1>
<p>${esc(`${r.from} → ${r.to} (${r.days} days) · registry: ${r.registry ?? 'none'} · ${r.attributes.length} attributes · ${bytes(Math.round(r.total_bytes / r.days))}/day of attribute bytes`)}</p>
<h2>Recommended actions</h2>${actions}${snippet}
<h2>Attributes</h2>
<table><thead><tr>${HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
</body></html>
`;
}
