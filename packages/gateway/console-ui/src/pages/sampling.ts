import { fmt, html, percent, status, Table, useApi, Figure } from '../ui.js';

interface Decision { sampler: string; rule: string | null; key: string | null; kept: number; dropped: number; sample_rate: number | null }
interface Sampling { destinations: { destination: string; dry_run: boolean; seen: number; kept: number; dropped: number; effective_sample_rate: number; decisions: Decision[] }[] }

export function SamplingPage() {
  const [loaded] = useApi<Sampling>('/api/sampling', 10_000);
  const waiting = status(loaded, 'sampling');
  if (waiting || loaded.state !== 'ready') return html`<h2>Sampling</h2>${waiting}`;
  return html`<h2>Sampling</h2>
    <p class="muted">Kept and dropped per destination, rule and key. A dry run decides and counts but keeps everything.</p>
    ${loaded.data.destinations.length === 0 ? html`<p class="muted" data-testid="empty">No destination samples: every item is kept.</p>` : null}
    ${loaded.data.destinations.map((d) => html`<section class="card" data-testid=${`sampling-${d.destination}`} style="margin-bottom:14px">
      <h3>${d.destination} ${d.dry_run ? html`<span class="badge warn">dry run</span>` : null}</h3>
      <div class="figures">
        <${Figure} label="Seen" value=${fmt(d.seen)} testid="seen" />
        <${Figure} label="Kept" value=${fmt(d.kept)} testid="kept" />
        <${Figure} label="Dropped" value=${fmt(d.dropped)} testid="dropped" />
        <${Figure} label="Effective sample rate" value=${`1 in ${fmt(d.effective_sample_rate)}`} testid="rate" />
        <${Figure} label="Kept share" value=${percent(d.seen ? d.kept / d.seen : null)} />
      </div>
      <${Table} id=${`decisions-${d.destination}`} label=${`decisions of ${d.destination}`} rows=${d.decisions} columns=${[
        { key: 'sampler', label: 'Sampler' }, { key: 'rule', label: 'Rule' }, { key: 'key', label: 'Key' },
        { key: 'kept', label: 'Kept', numeric: true }, { key: 'dropped', label: 'Dropped', numeric: true },
        { key: 'sample_rate', label: 'Sample rate', numeric: true },
      ]} />
    </section>`)}`;
}
