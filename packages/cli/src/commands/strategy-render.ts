// `cairn strategy explain` output: the strategy matrix as Markdown or as one self-contained HTML
// page (inline CSS, no scripts, nothing fetched), for teams to review and negotiate over.
import type { ExplainColumn, ExplainRow, StrategyExplanation } from '@cairn/gateway';

function heading(c: ExplainColumn): string {
  if (c.variant) return `${c.destination} when ${c.variant.when}`;
  return c.unchanged ? `${c.destination} (no entry)` : c.destination;
}

const ROW_TITLES: Record<ExplainRow['kind'], string> = {
  class: 'By sensitivity class',
  unknown: 'Keys no registry declaration covers',
  override: 'Overrides (key or glob)',
  attribute: 'Registry attributes',
};

function groups(e: StrategyExplanation): [ExplainRow['kind'], ExplainRow[]][] {
  const out: [ExplainRow['kind'], ExplainRow[]][] = [];
  for (const kind of ['class', 'unknown', 'override', 'attribute'] as const) {
    const rows = e.rows.filter((r) => r.kind === kind);
    if (rows.length > 0) out.push([kind, rows]);
  }
  return out;
}

function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const LEGEND = 'allow: kept as sent · hash: HMAC-SHA256 with the destination\'s key (hmac:<key id>:…) · mask: **** · truncate N: at most N bytes · drop: removed · scan: value detectors replace what they find (as pii; keys and tokens as secret) · unchanged: the destination has no strategy entry';

export function renderMarkdown(e: StrategyExplanation): string {
  const lines: string[] = [`# Data strategy`, '', `Strategy: \`${e.source}\`${e.registry ? ` · registry: \`${e.registry}\`` : ' · no registry (conventions:)'}`, ''];
  lines.push('| Destination | Unknown keys | Key |', '|---|---|---|');
  for (const c of e.columns) lines.push(`| ${mdCell(heading(c))} | ${c.unchanged ? 'unchanged' : c.unknown} | ${c.keyId ? `\`${c.keyId}\`` : '—'} |`);
  lines.push('');
  for (const [kind, rows] of groups(e)) {
    const attributes = kind === 'attribute';
    lines.push(`## ${ROW_TITLES[kind]}`, '');
    lines.push(`| ${attributes ? 'Attribute | Owner | Sensitivity' : 'Row'} | ${e.columns.map((c) => mdCell(heading(c))).join(' | ')} |`);
    lines.push(`|${attributes ? '---|---|---|' : '---|'}${e.columns.map(() => '---|').join('')}`);
    for (const r of rows) {
      const head = attributes ? `\`${mdCell(r.name)}\` | ${mdCell(r.owner ?? '—')} | ${r.sensitivity ?? '—'}` : kind === 'override' ? `\`${mdCell(r.name)}\`` : mdCell(r.name);
      lines.push(`| ${head} | ${r.cells.map((c) => `${mdCell(c.action)}`).join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push(`_${LEGEND}._`, '');
  return lines.join('\n');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:0 0 2rem}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f4f4f4}th.variant{background:#fff4e0}
code{font:12px ui-monospace,monospace}td.a-allow{background:#eaf7ea}td.a-hash{background:#e8f0fb}td.a-mask,td.a-truncate{background:#fbf6e3}
td.a-drop{background:#fbe9e9}td.a-scan{background:#f1ebfa}td.a-unchanged{color:#888}small{color:#666;display:block}`;

export function renderHtml(e: StrategyExplanation): string {
  const out: string[] = ['<!doctype html>', '<html lang="en"><head><meta charset="utf-8">', '<title>Data strategy</title>', `<style>${CSS}</style></head><body>`];
  out.push('<h1>Data strategy</h1>', `<p>Strategy: <code>${esc(e.source)}</code>${e.registry ? ` · registry: <code>${esc(e.registry)}</code>` : ' · no registry (conventions:)'}</p>`);
  const header = (c: ExplainColumn): string => c.variant
    ? `<th class="variant">${esc(c.destination)}<small>when <code>${esc(c.variant.when)}</code></small></th>`
    : `<th>${esc(c.destination)}${c.unchanged ? '<small>no entry: unchanged</small>' : `<small>unknown: ${esc(c.unknown)}${c.keyId ? ` · key ${esc(c.keyId)}` : ''}</small>`}</th>`;
  for (const [kind, rows] of groups(e)) {
    const attributes = kind === 'attribute';
    out.push(`<h2>${esc(ROW_TITLES[kind])}</h2>`, '<table><thead><tr>');
    out.push(attributes ? '<th>Attribute</th><th>Owner</th><th>Sensitivity</th>' : '<th></th>');
    out.push(...e.columns.map(header), '</tr></thead><tbody>');
    for (const r of rows) {
      out.push('<tr>');
      out.push(attributes
        ? `<td><code>${esc(r.name)}</code>${r.brief ? `<small>${esc(r.brief)}</small>` : ''}</td><td>${esc(r.owner ?? '—')}</td><td>${esc(r.sensitivity ?? '—')}</td>`
        : `<th>${kind === 'override' ? `<code>${esc(r.name)}</code>` : esc(r.name)}</th>`);
      for (const c of r.cells) out.push(`<td class="a-${esc(c.action.split(' ')[0]!)}" title="${esc(c.rule)}">${esc(c.action)}</td>`);
      out.push('</tr>');
    }
    out.push('</tbody></table>');
  }
  out.push(`<p><small>${esc(LEGEND)}. Hover a cell for the rule that decides it.</small></p>`, '</body></html>', '');
  return out.join('\n');
}
