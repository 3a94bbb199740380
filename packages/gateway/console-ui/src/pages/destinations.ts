import { useRef, useState } from 'preact/hooks';
import { post } from '../api.js';
import { bytes, fmt, Figure, html, status, Table, Time, useApi } from '../ui.js';

interface DeadLetter { id: number; tenant: string; signal: string; items: number; bytes: number; reason: string; failed_at: string }
interface Destination {
  destination: string; exporter: string; signals: string[]; queue_mode: string; health: string;
  exported_items: number; failed_items: number; retried_items: number; dead_letter_batches: number; queue_bytes: number; queue_batches: number; queue_limit_bytes: number;
  oldest_queued: { id: number; enqueued_at: string; attempts: number; items: number; bytes: number } | null;
  dead_letters: DeadLetter[];
}

type Pending = { action: 'replay' | 'purge'; destination: string; count: number };

export function DestinationsPage({ admin }: { admin: boolean }) {
  const [loaded, reload] = useApi<{ destinations: Destination[] }>('/api/destinations', 10_000);
  const [pending, setPending] = useState<Pending | null>(null);
  const [message, setMessage] = useState<string>('');
  const dialog = useRef<HTMLDialogElement>(null);
  const ask = (p: Pending) => {
    setPending(p);
    setTimeout(() => dialog.current?.showModal(), 0);
  };
  const confirm = async () => {
    const p = pending!;
    dialog.current?.close();
    setPending(null);
    try {
      const result = await post<{ count: number }>(`/api/deadletters/${p.action}`, { destination: p.destination });
      setMessage(`${p.action === 'replay' ? 'Replayed' : 'Purged'} ${result.count} dead letters of ${p.destination}.`);
    } catch (error) {
      setMessage(`Could not ${p.action}: ${(error as Error).message}`);
    }
    reload();
  };
  const waiting = status(loaded, 'destinations');
  if (waiting || loaded.state !== 'ready') return html`<h2>Destinations</h2>${waiting}`;
  return html`<h2>Destinations</h2>
    <p class="muted">What each exporter is doing: its health, its queue, its retries and what it refused for good (the dead letters, as <code>cairn deadletters</code> shows them).</p>
    <p role="status" aria-live="polite" data-testid="action-message">${message}</p>
    <div class="cards">${loaded.data.destinations.map((d) => html`<section class="card" data-testid=${`destination-${d.destination}`} aria-labelledby=${`dest-${d.destination}`}>
      <h3 id=${`dest-${d.destination}`}>${d.destination} <span class=${`badge ${d.health}`} data-testid="health">${d.health}</span></h3>
      <p class="muted">${d.exporter} exporter · ${d.signals.join(', ')} · ${d.queue_mode} queue</p>
      <div class="figures">
        <${Figure} label="Exported items" value=${fmt(d.exported_items)} testid="exported" />
        <${Figure} label="Retried items" value=${fmt(d.retried_items)} testid="retried" />
        <${Figure} label="Queue" value=${`${bytes(d.queue_bytes)} / ${bytes(d.queue_limit_bytes)}`} testid="queue" />
        <${Figure} label="Dead letters" value=${fmt(d.dead_letter_batches)} testid="dead-letters" />
      </div>
      <p>Oldest queued batch: ${d.oldest_queued ? html`<${Time} at=${d.oldest_queued.enqueued_at} />, ${d.oldest_queued.attempts} attempts, ${d.oldest_queued.items} items` : html`<span class="muted">none</span>`}</p>
      ${!admin && d.dead_letter_batches > 0 ? html`<p class="muted">The dead letters' details, replay and purge need the admin token.</p>` : null}
      ${d.dead_letters.length > 0 ? html`
        <${Table} id=${`dead-letters-${d.destination}`} label=${`dead letters of ${d.destination}`} rows=${d.dead_letters} sort=${{ key: 'id', desc: true }} columns=${[
          { key: 'id', label: 'Id', numeric: true },
          { key: 'failed_at', label: 'Failed', render: (l: DeadLetter) => html`<${Time} at=${l.failed_at} />` },
          { key: 'signal', label: 'Signal' },
          { key: 'items', label: 'Items', numeric: true },
          { key: 'reason', label: 'Reason' },
        ]} />
        ${admin ? html`<div class="toolbar">
          <button type="button" class="plain" onClick=${() => ask({ action: 'replay', destination: d.destination, count: d.dead_letter_batches })}>Replay dead letters…</button>
          <button type="button" class="danger" onClick=${() => ask({ action: 'purge', destination: d.destination, count: d.dead_letter_batches })}>Purge dead letters…</button>
        </div>` : null}` : null}
    </section>`)}</div>
    <dialog ref=${dialog} aria-labelledby="confirm-title" onClose=${() => setPending(null)}>
      ${pending ? html`<h3 id="confirm-title">${pending.action === 'replay' ? 'Replay' : 'Purge'} ${pending.count} dead letters of ${pending.destination}?</h3>
        <p>${pending.action === 'replay' ? 'They go back to the end of the queue and are sent again.' : 'They are deleted for good; this cannot be undone.'}</p>
        <div class="toolbar"><button type="button" class=${pending.action === 'purge' ? 'danger' : 'primary'} onClick=${confirm} data-testid="confirm">${pending.action === 'replay' ? 'Replay' : 'Purge'}</button>
        <button type="button" class="plain" onClick=${() => dialog.current?.close()}>Cancel</button></div>` : null}
    </dialog>`;
}
