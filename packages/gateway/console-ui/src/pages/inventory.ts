import { useState } from 'preact/hooks';
import { fmt, html, percent, status, Table, Time, useApi } from '../ui.js';

export interface InventoryAttribute { key: string; signal: string; types: string[]; count: number; distinct: number; bytes: number; share: number; conformance: string; canonical: string | null; owner: string | null; sensitivity: string | null }
export interface InventoryService { service: string; events: number; narrow_spans: number; routes: { route: string; spans: number; narrow: number }[]; attributes: InventoryAttribute[]; findings: { key: string; detector: string; count: number }[] }
export interface Inventory { from: string; to: string; services: InventoryService[] }

function ServiceDetail({ s }: { s: InventoryService }) {
  return html`<section aria-labelledby="svc-title" data-testid="service-detail">
    <h3 id="svc-title">${s.service}</h3>
    <p>${fmt(s.events)} events, ${fmt(s.narrow_spans)} narrow spans.</p>
    <h4>Attributes</h4>
    <${Table} id="attributes" label=${`attributes of ${s.service}`} rows=${s.attributes} sort=${{ key: 'share', desc: true }} columns=${[
      { key: 'key', label: 'Key' }, { key: 'signal', label: 'Signal' },
      { key: 'types', label: 'Types', value: (a: InventoryAttribute) => a.types.join(', ') },
      { key: 'distinct', label: 'Cardinality', numeric: true },
      { key: 'share', label: 'Volume share', numeric: true, render: (a: InventoryAttribute) => percent(a.share) },
      { key: 'conformance', label: 'Conformance' },
      { key: 'owner', label: 'Owner' },
      { key: 'sensitivity', label: 'Sensitivity' },
    ]} />
    <h4>Detector findings</h4>
    <${Table} id="inv-findings" label=${`findings of ${s.service}`} rows=${s.findings} sort=${{ key: 'count', desc: true }} columns=${[{ key: 'key', label: 'Key' }, { key: 'detector', label: 'Detector' }, { key: 'count', label: 'Count', numeric: true }]} />
    <h4>Narrow-span coverage per route</h4>
    <${Table} id="routes" label=${`routes of ${s.service}`} rows=${s.routes} sort=${{ key: 'spans', desc: true }} columns=${[
      { key: 'route', label: 'Route' }, { key: 'spans', label: 'Spans', numeric: true }, { key: 'narrow', label: 'Narrow', numeric: true },
      { key: 'coverage', label: 'Coverage', numeric: true, value: (r: { spans: number; narrow: number }) => (r.spans ? r.narrow / r.spans : 0), render: (r: { spans: number; narrow: number }) => percent(r.spans ? r.narrow / r.spans : 0) },
    ]} />
  </section>`;
}

export function InventoryPage() {
  const [loaded] = useApi<Inventory>('/api/inventory', 30_000);
  const [chosen, setChosen] = useState<string | null>(null);
  const waiting = status(loaded, 'inventory');
  if (waiting || loaded.state !== 'ready') return html`<h2>Inventory</h2>${waiting}`;
  const inv = loaded.data;
  // Until one is chosen: the biggest, the first row of the table as it is sorted.
  const selected = inv.services.find((s) => s.service === chosen) ?? inv.services.reduce<InventoryService | undefined>((top, s) => (!top || s.events > top.events ? s : top), undefined);
  return html`<h2>Inventory</h2>
    <p class="muted">What each service sends, from <${Time} at=${inv.from} /> to <${Time} at=${inv.to} />.</p>
    <div class="split"><div class="scroll">
      <${Table} id="services" label="services" rows=${inv.services} sort=${{ key: 'events', desc: true }} columns=${[
        { key: 'service', label: 'Service', render: (s: InventoryService) => html`<button type="button" class="plain" aria-pressed=${s === selected} style="border:0;padding:0;background:none;color:var(--accent);cursor:pointer" onClick=${() => setChosen(s.service)}>${s.service}</button>` },
        { key: 'events', label: 'Events', numeric: true },
        { key: 'attrs', label: 'Attributes', numeric: true, value: (s: InventoryService) => s.attributes.length },
        { key: 'finds', label: 'Findings', numeric: true, value: (s: InventoryService) => s.findings.reduce((n, f) => n + f.count, 0) },
      ]} />
    </div><div>${selected ? html`<${ServiceDetail} s=${selected} />` : html`<p class="muted">No service has sent data yet.</p>`}</div></div>`;
}
