import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { html, status, Table, useApi } from '../ui.js';

interface Explanation {
  source: string; registry?: string;
  columns: { destination: string; variant?: { index: number; when: string }; unchanged?: boolean; unknown: string; keyId?: string }[];
  rows: { kind: string; name: string; owner?: string; sensitivity?: string; brief?: string; cells: { action: string; rule: string }[] }[];
}
interface LedgerRow { destination: string; attribute: string; action: string; rule: string; count: number }
interface Ledger { actions: LedgerRow[]; findings: { service: string; attribute: string; detector: string; count: number }[] }
interface Change { where: string; key: string; before: string | null; after: string | null }
interface Trial { signal: string; unrouted_items: number; outputs: { destination: string; items: number; changes: Change[]; after: unknown }[] }

const EXAMPLE = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'POST /checkout', kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000', attributes: [{ key: 'user.email', value: { stringValue: 'ada@example.com' } }, { key: 'http.route', value: { stringValue: '/checkout' } }] }] }] }] }, null, 2);

function Matrix() {
  const [loaded] = useApi<Explanation>('/api/strategy/explain');
  const waiting = status(loaded, 'strategy');
  if (waiting || loaded.state !== 'ready') return waiting;
  const e = loaded.data;
  const columns = [
    { key: 'name', label: 'Attribute or class', value: (r: Explanation['rows'][number]) => r.name, render: (r: Explanation['rows'][number]) => html`<span title=${r.brief ?? ''}>${r.name}</span>` },
    { key: 'owner', label: 'Owner', value: (r: Explanation['rows'][number]) => r.owner ?? null },
    { key: 'sensitivity', label: 'Sensitivity', value: (r: Explanation['rows'][number]) => r.sensitivity ?? null },
    ...e.columns.map((c, i) => ({
      key: `c${i}`,
      label: c.variant ? `${c.destination} [${c.variant.when}]` : c.destination,
      value: (r: Explanation['rows'][number]) => r.cells[i]?.action ?? null,
      render: (r: Explanation['rows'][number]) => {
        const cell = r.cells[i];
        return cell ? html`<span class=${`act-${cell.action.split(' ')[0]}`} title=${`rule: ${cell.rule}`}>${cell.action}</span>` : '—';
      },
    })),
  ];
  return html`<p class="muted">From ${e.source}${e.registry ? `, registry ${e.registry}` : ''}. Hover a cell for the rule that decides it.</p>
    <div class="matrix"><${Table} id="matrix" label="strategy matrix" rows=${e.rows} columns=${columns} /></div>`;
}

function LedgerView() {
  const [loaded] = useApi<Ledger>('/api/strategy/ledger', 10_000);
  const waiting = status(loaded, 'ledger');
  if (waiting || loaded.state !== 'ready') return waiting;
  return html`<${Table} id="ledger" label="audit ledger" rows=${loaded.data.actions} sort=${{ key: 'count', desc: true }} columns=${[
    { key: 'destination', label: 'Destination' }, { key: 'attribute', label: 'Attribute' }, { key: 'action', label: 'Action' }, { key: 'rule', label: 'Rule' }, { key: 'count', label: 'Count', numeric: true },
  ]} />
  <h3>Detector findings</h3>
  <${Table} id="findings" label="detector findings" rows=${loaded.data.findings} sort=${{ key: 'count', desc: true }} columns=${[
    { key: 'service', label: 'Service' }, { key: 'attribute', label: 'Attribute' }, { key: 'detector', label: 'Detector' }, { key: 'count', label: 'Count', numeric: true },
  ]} />`;
}

function TryIt() {
  const [text, setText] = useState(EXAMPLE);
  const [result, setResult] = useState<Trial | null>(null);
  const [error, setError] = useState('');
  const run = async () => {
    setError('');
    let otlp: unknown;
    try {
      otlp = JSON.parse(text);
    } catch (e) {
      setError(`Not JSON: ${(e as Error).message}`);
      return;
    }
    try {
      setResult(await post<Trial>('/api/strategy/try', { otlp }));
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    }
  };
  const upload = async (event: Event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) setText(await file.text());
  };
  return html`<div class="field"><label for="try-input">A recorded OTLP/JSON export request (traces, logs or metrics)</label>
      <textarea id="try-input" rows="12" value=${text} onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)} spellcheck="false"></textarea></div>
    <div class="toolbar"><label for="try-file">…or upload a file<input id="try-file" type="file" accept=".json,application/json" onChange=${upload} /></label>
      <button type="button" class="primary" onClick=${run}>Try it</button></div>
    ${error ? html`<div class="error-box" role="alert">${error}</div>` : null}
    ${result ? html`<div data-testid="try-result">
      <p>${result.outputs.length} destinations receive it${result.unrouted_items ? `; ${result.unrouted_items} items match no destination` : ''}.</p>
      ${result.outputs.map((o) => html`<section class="card" data-testid=${`try-${o.destination}`}><h4>${o.destination} <span class="muted">(${o.items} items)</span></h4>
        ${o.changes.length === 0 ? html`<p class="muted">Receives it unchanged.</p>` : html`<table aria-label=${`changes for ${o.destination}`}><thead><tr><th scope="col">Where</th><th scope="col">Key</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
          <tbody>${o.changes.map((c) => html`<tr><td>${c.where}</td><td>${c.key}</td><td>${c.before ?? html`<span class="muted">(absent)</span>`}</td><td>${c.after ?? html`<span class="muted">(dropped)</span>`}</td></tr>`)}</tbody></table>`}
      </section>`)}
    </div>` : null}`;
}

export function StrategyPage({ admin }: { admin: boolean }) {
  return html`<h2>Strategy</h2>
    <h3>What each destination receives</h3><${Matrix} />
    <h3>Audit ledger</h3>${admin ? html`<${LedgerView} />` : html`<p class="muted">The ledger names every team's services: it needs the admin token.</p>`}
    <h3>Try it</h3><${TryIt} />`;
}
