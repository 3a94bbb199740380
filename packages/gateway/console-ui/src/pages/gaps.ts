import { useState } from 'preact/hooks';
import { html, status, useApi } from '../ui.js';
import type { Inventory } from './inventory.js';

interface Gaps { service: string; from: string; to: string; markdown: string }

function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function GapsPage() {
  const [services] = useApi<Inventory>('/api/inventory');
  const [service, setService] = useState('');
  const [from, setFrom] = useState(toLocalInput(new Date(Date.now() - 24 * 3600_000)));
  const [to, setTo] = useState('');
  const [copied, setCopied] = useState('');
  const names = services.state === 'ready' ? services.data.services.map((s) => s.service).sort() : [];
  const chosen = service || names[0] || '';
  const params = new URLSearchParams({ service: chosen, ...(from ? { from: new Date(from).toISOString() } : {}), ...(to ? { to: new Date(to).toISOString() } : {}) });
  const [loaded] = useApi<Gaps>(chosen || services.state === 'absent' ? `/api/gaps?${params}` : null);
  const copy = async (markdown: string) => {
    try {
      await navigator.clipboard.writeText(markdown);
      setCopied('Copied as Markdown.');
    } catch {
      setCopied('The browser refused the clipboard: select the text below and copy it.');
    }
  };
  const waiting = status(loaded, 'gaps');
  return html`<h2>Gaps</h2>
    <div class="toolbar">
      <label for="gaps-service">Service${names.length ? html`<select id="gaps-service" value=${chosen} onChange=${(e: Event) => setService((e.target as HTMLSelectElement).value)}>${names.map((n) => html`<option value=${n}>${n}</option>`)}</select>`
        : html`<input id="gaps-service" value=${service} onChange=${(e: Event) => setService((e.target as HTMLInputElement).value)} />`}</label>
      <label for="gaps-from">From (your time)<input id="gaps-from" type="datetime-local" value=${from} onChange=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} /></label>
      <label for="gaps-to">To (empty: now)<input id="gaps-to" type="datetime-local" value=${to} onChange=${(e: Event) => setTo((e.target as HTMLInputElement).value)} /></label>
    </div>
    ${waiting ?? (loaded.state === 'ready' ? html`<div class="toolbar"><button type="button" class="primary" onClick=${() => copy(loaded.data.markdown)}>Copy as Markdown</button><span role="status" aria-live="polite" data-testid="copied">${copied}</span></div>
      <pre data-testid="gaps-markdown" tabindex="0" aria-label="gaps report">${loaded.data.markdown}</pre>` : null)}`;
}
