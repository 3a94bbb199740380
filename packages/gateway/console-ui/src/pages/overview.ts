import { bytes, Chart, fmt, html, status, Table, Time, useApi } from '../ui.js';

interface Overview {
  at: string;
  interval_seconds: number;
  receivers: { receiver: string; received_items: number; accepted_items: number; refused_items: number; refused_requests: number; backpressure: number; ingest_rate: number }[];
  destinations: { destination: string; exported_items: number; failed_items: number; retried_items: number; dead_letter_items: number; dead_letter_batches: number; queue_bytes: number; queue_batches: number; export_rate: number }[];
  series: { at: string; receivers: Record<string, { ingest_rate: number; refused_rate: number; backpressure_rate: number }>; destinations: Record<string, { export_rate: number; failed_rate: number; queue_bytes: number; dead_letter_batches: number }> }[];
}

export function OverviewPage() {
  const [loaded] = useApi<Overview>('/api/overview', 10_000);
  const waiting = status(loaded, 'overview');
  if (waiting || loaded.state !== 'ready') return html`<h2>Overview</h2>${waiting}`;
  const o = loaded.data;
  const times = o.series.map((p) => Date.parse(p.at) / 1000);
  const byReceiver = (pick: (v: Overview['series'][number]['receivers'][string]) => number) => o.receivers.map((r) => ({ label: r.receiver, values: o.series.map((p) => (p.receivers[r.receiver] ? pick(p.receivers[r.receiver]!) : null)) }));
  const byDestination = (pick: (v: Overview['series'][number]['destinations'][string]) => number) => o.destinations.map((d) => ({ label: d.destination, values: o.series.map((p) => (p.destinations[d.destination] ? pick(p.destinations[d.destination]!) : null)) }));
  return html`<h2>Overview</h2>
    <p class="muted">Is data flowing, and where does it back up? Figures since the gateway started; charts over the last hour, sampled every ${o.interval_seconds} s and refreshed live. As of <${Time} at=${o.at} />.</p>
    <div class="cards">
      <div class="card"><${Chart} title="Ingest (items/s)" testid="chart-ingest" times=${times} lines=${byReceiver((v) => v.ingest_rate)} /></div>
      <div class="card"><${Chart} title="Export (items/s)" testid="chart-export" times=${times} lines=${byDestination((v) => v.export_rate)} /></div>
      <div class="card"><${Chart} title="Refused and backpressure (items/s)" testid="chart-refused" times=${times} lines=${[...byReceiver((v) => v.refused_rate).map((l) => ({ ...l, label: `${l.label} refused` })), ...byReceiver((v) => v.backpressure_rate).map((l) => ({ ...l, label: `${l.label} backpressure` }))]} /></div>
      <div class="card"><${Chart} title="Queue depth (bytes)" testid="chart-queue" times=${times} lines=${byDestination((v) => v.queue_bytes)} /></div>
    </div>
    <h3>Receivers</h3>
    <${Table} id="receivers" label="receivers" filter=${false} rows=${o.receivers} columns=${[
      { key: 'receiver', label: 'Receiver' },
      { key: 'ingest_rate', label: 'Ingest items/s', numeric: true },
      { key: 'received_items', label: 'Received', numeric: true },
      { key: 'accepted_items', label: 'Accepted', numeric: true },
      { key: 'refused_items', label: 'Refused items', numeric: true },
      { key: 'refused_requests', label: 'Refused requests', numeric: true },
      { key: 'backpressure', label: 'Backpressure answers', numeric: true },
    ]} />
    <h3>Destinations</h3>
    <${Table} id="destinations" label="destinations" filter=${false} rows=${o.destinations} columns=${[
      { key: 'destination', label: 'Destination' },
      { key: 'export_rate', label: 'Export items/s', numeric: true },
      { key: 'exported_items', label: 'Exported', numeric: true },
      { key: 'failed_items', label: 'Failed', numeric: true },
      { key: 'queue_bytes', label: 'Queue', numeric: true, render: (d: Overview['destinations'][number]) => bytes(d.queue_bytes) },
      { key: 'queue_batches', label: 'Queued batches', numeric: true },
      { key: 'dead_letter_batches', label: 'Dead letters', numeric: true, render: (d: Overview['destinations'][number]) => fmt(d.dead_letter_batches) },
    ]} />`;
}
