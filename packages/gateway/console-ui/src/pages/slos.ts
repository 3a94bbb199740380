import { Chart, fmt, html, percent, status, Table, Time, useApi, Figure } from '../ui.js';

interface Alert { name: string; severity: string; state: string; since: string | null; threshold: number; long: string; short: string }
interface Slo {
  name: string; service: string | null; objective: number; window: string; sli: number | null; budget_remaining: number | null;
  good: number; bad: number; unjudgeable: number; unjudgeable_share: number; insufficient: boolean;
  burn_rates: Record<string, number>; alerts: Alert[]; history: { alert: string; state: string; at: string }[];
  series: { at: string; burn_rates: Record<string, number> }[]; error: string | null;
}

function SloCard({ slo }: { slo: Slo }) {
  const id = `slo-${slo.name}`;
  if (slo.error) {
    return html`<section class="card broken" data-testid=${id} aria-labelledby=${`${id}-t`}><h3 id=${`${id}-t`}>${slo.name} <span class="badge error">broken</span></h3>
      <div class="error-box" role="alert" data-testid="slo-error">${slo.error}</div></section>`;
  }
  const windows = [...new Set(slo.series.flatMap((p) => Object.keys(p.burn_rates)))].sort();
  const times = slo.series.map((p) => Date.parse(p.at) / 1000);
  const thresholds = [...new Set(slo.alerts.map((a) => a.threshold))];
  const lines = [
    ...windows.map((w) => ({ label: `burn ${w}`, values: slo.series.map((p) => p.burn_rates[w] ?? null) })),
    ...thresholds.map((t) => ({ label: `threshold ${t}`, values: times.map(() => t), dash: true })),
  ];
  return html`<section class="card" data-testid=${id} aria-labelledby=${`${id}-t`}>
    <h3 id=${`${id}-t`}>${slo.name} ${slo.alerts.some((a) => a.state === 'firing') ? html`<span class="badge firing">firing</span>` : html`<span class="badge ok">ok</span>`} ${slo.insufficient ? html`<span class="badge warn">insufficient instrumentation</span>` : null}</h3>
    <p class="muted">${slo.service ?? 'all services'} · objective ${percent(slo.objective)} over ${slo.window}</p>
    <div class="figures">
      <${Figure} label="SLI" value=${percent(slo.sli)} testid="sli" />
      <${Figure} label="Budget remaining" value=${percent(slo.budget_remaining)} testid="budget" />
      <${Figure} label="Unjudgeable" value=${percent(slo.unjudgeable_share)} testid="unjudgeable" />
      <${Figure} label="Good / bad" value=${`${fmt(slo.good)} / ${fmt(slo.bad)}`} />
    </div>
    <${Chart} title="Burn rate" testid="burn-chart" times=${times} lines=${lines} />
    <h4>Alerts</h4>
    <${Table} id=${`${id}-alerts`} label=${`alerts of ${slo.name}`} filter=${false} rows=${slo.alerts} columns=${[
      { key: 'name', label: 'Alert' }, { key: 'severity', label: 'Severity' }, { key: 'state', label: 'State', render: (a: Alert) => html`<span class=${a.state}>${a.state}</span>` },
      { key: 'threshold', label: 'Threshold', numeric: true }, { key: 'windows', label: 'Windows', value: (a: Alert) => `${a.long} / ${a.short}` },
      { key: 'since', label: 'Since', render: (a: Alert) => html`<${Time} at=${a.since} />` },
    ]} />
    <h4>History</h4>
    ${slo.history.length === 0 ? html`<p class="muted">No alert has changed state.</p>` : html`<ul>${slo.history.map((e) => html`<li><${Time} at=${e.at} />: ${e.alert} ${e.state}</li>`)}</ul>`}
  </section>`;
}

export function SlosPage() {
  const [loaded] = useApi<{ slos: Slo[] }>('/api/slos', 10_000);
  const waiting = status(loaded, 'SLO');
  if (waiting || loaded.state !== 'ready') return html`<h2>SLOs</h2>${waiting}`;
  return html`<h2>SLOs</h2>
    ${loaded.data.slos.length === 0 ? html`<p class="muted" data-testid="empty">No SLOs are defined.</p>` : null}
    <div class="cards">${loaded.data.slos.map((slo) => html`<${SloCard} slo=${slo} />`)}</div>`;
}
