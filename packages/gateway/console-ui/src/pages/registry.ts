import { useState } from 'preact/hooks';
import { html, status, Table, useApi } from '../ui.js';

interface Entry { key: string; type: string; members: { value: string | number; brief: string | null }[] | null; brief: string; note: string | null; examples: unknown[] | null; stability: string | null; deprecated: { reason: string; renamedTo?: string; note?: string } | null; requirement_level: string | null; owner: string | null; sensitivity: string | null; origin: string; group: string; aliases: string[]; source: string | null }
interface Registry { registry: { name: string; version: string | null } | null; total: number; matched: number; owners: string[]; sensitivities: string[]; attributes: Entry[] }

function Docs({ entry }: { entry: Entry }) {
  return html`<section class="card" data-testid="attribute-docs" aria-live="polite"><h3><code>${entry.key}</code></h3>
    <p>${entry.brief}</p>${entry.note ? html`<p class="muted">${entry.note}</p>` : null}
    <table aria-label="attribute details"><tbody>
      <tr><th scope="row">Type</th><td>${entry.type}</td></tr>
      ${entry.members ? html`<tr><th scope="row">Values</th><td>${entry.members.map((m) => html`<div><code>${String(m.value)}</code> ${m.brief ?? ''}</div>`)}</td></tr>` : null}
      <tr><th scope="row">Owner</th><td>${entry.owner ?? '—'}</td></tr>
      <tr><th scope="row">Sensitivity</th><td>${entry.sensitivity ?? '—'}</td></tr>
      <tr><th scope="row">Stability</th><td>${entry.stability ?? '—'}</td></tr>
      ${entry.deprecated ? html`<tr><th scope="row">Deprecated</th><td>${entry.deprecated.reason}${entry.deprecated.renamedTo ? ` → ${entry.deprecated.renamedTo}` : ''}</td></tr>` : null}
      ${entry.examples ? html`<tr><th scope="row">Examples</th><td>${entry.examples.map((e) => JSON.stringify(e)).join(', ')}</td></tr>` : null}
      ${entry.aliases.length ? html`<tr><th scope="row">Aliases</th><td>${entry.aliases.join(', ')}</td></tr>` : null}
      <tr><th scope="row">Defined</th><td>${entry.origin} · ${entry.group}${entry.source ? ` · ${entry.source}` : ''}</td></tr>
    </tbody></table></section>`;
}

export function RegistryPage() {
  const [q, setQ] = useState('');
  const [owner, setOwner] = useState('');
  const [sensitivity, setSensitivity] = useState('');
  const [selected, setSelected] = useState<Entry | null>(null);
  const params = new URLSearchParams({ ...(q ? { q } : {}), ...(owner ? { owner } : {}), ...(sensitivity ? { sensitivity } : {}) });
  const [loaded] = useApi<Registry>(`/api/registry?${params}`);
  const waiting = status(loaded, 'registry');
  const data = loaded.state === 'ready' ? loaded.data : null;
  return html`<h2>Registry</h2>
    <div class="toolbar" role="search">
      <label for="reg-q">Key or text<input id="reg-q" type="search" value=${q} onInput=${(e: Event) => setQ((e.target as HTMLInputElement).value)} /></label>
      <label for="reg-owner">Owner<select id="reg-owner" value=${owner} onChange=${(e: Event) => setOwner((e.target as HTMLSelectElement).value)}><option value="">any</option>${data?.owners.map((o) => html`<option value=${o}>${o}</option>`)}</select></label>
      <label for="reg-sens">Sensitivity<select id="reg-sens" value=${sensitivity} onChange=${(e: Event) => setSensitivity((e.target as HTMLSelectElement).value)}><option value="">any</option>${data?.sensitivities.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
      ${data ? html`<span class="muted" data-testid="registry-count">${data.matched} of ${data.total} attributes${data.registry ? ` in ${data.registry.name}` : ''}</span>` : null}
    </div>
    ${waiting ?? (data && !data.registry ? html`<div class="notice">This gateway has no registry (<code>conventions:</code> in cairn.yaml).</div>` : null)}
    ${data && data.registry ? html`<div class="split"><div>
      <${Table} id="registry" label="attributes" filter=${false} rows=${data.attributes} columns=${[
        { key: 'key', label: 'Key', render: (a: Entry) => html`<button type="button" class="plain" style="border:0;padding:0;color:var(--accent);background:none;cursor:pointer" onClick=${() => setSelected(a)}>${a.key}</button>` },
        { key: 'owner', label: 'Owner' }, { key: 'sensitivity', label: 'Sensitivity' },
      ]} /></div>
      <div>${selected ? html`<${Docs} entry=${selected} />` : html`<p class="muted">Choose an attribute to read its docs.</p>`}</div></div>` : null}`;
}
