// Shared pieces of the console's pages: htm bound to Preact, data loading with its states, a
// sortable and filterable table, times in the viewer's zone (UTC on hover), figures, charts.
import { h, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import uPlot from 'uplot';
import { ApiError, get, NotAvailable } from './api.js';

export const html = htm.bind(h);

export type Loaded<T> = { state: 'loading' } | { state: 'ready'; data: T } | { state: 'absent' } | { state: 'error'; message: string };

/** Loads `path` (again every `refreshMs`, and whenever `path` changes). */
export function useApi<T>(path: string | null, refreshMs = 0): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return undefined;
    let live = true;
    const load = () => get<T>(path).then(
      (data) => live && setLoaded({ state: 'ready', data }),
      (error: Error) => live && setLoaded(error instanceof NotAvailable ? { state: 'absent' } : { state: 'error', message: error instanceof ApiError ? error.message : String(error) }),
    );
    void load();
    const timer = refreshMs > 0 ? setInterval(load, refreshMs) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [path, refreshMs, tick]);
  return [loaded, () => setTick((t) => t + 1)];
}

/** The states other than ready, rendered; undefined when ready. */
export function status<T>(loaded: Loaded<T>, what: string): ComponentChildren | undefined {
  if (loaded.state === 'loading') return html`<p class="muted" role="status">Loading ${what}…</p>`;
  if (loaded.state === 'absent') return html`<div class="notice" role="status" data-testid="not-available"><strong>Not available in this gateway.</strong> This gateway has no ${what} API (its feature is not part of this build).</div>`;
  if (loaded.state === 'error') return html`<div class="error-box" role="alert">${loaded.message}</div>`;
  return undefined;
}

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A time in the viewer's time zone, with UTC on hover. */
export function Time({ at }: { at: string | number | null | undefined }) {
  if (at === null || at === undefined) return html`<span class="muted">—</span>`;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return html`<span>${String(at)}</span>`;
  const utc = date.toISOString();
  return html`<time datetime=${utc} title=${`${utc} (UTC)`}>${local.format(date)}</time>`;
}

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
export function fmt(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${number.format(value)}${unit}`;
}

export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${number.format(v)} ${units[i]}`;
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${number.format(value * 100)} %`;
}

export function Figure({ label, value, testid }: { label: string; value: ComponentChildren; testid?: string }) {
  return html`<div class="figure"><div class="label">${label}</div><div class="value" data-testid=${testid}>${value}</div></div>`;
}

export interface Column<R> {
  key: string;
  label: string;
  numeric?: boolean;
  /** The value sorted and filtered on; defaults to row[key]. */
  value?: (row: R) => string | number | null;
  render?: (row: R) => ComponentChildren;
}

const ROWS_SHOWN = 500;

/** A table whose headers sort (click or Enter) and whose rows a text box filters. */
export function Table<R>({ columns, rows, label, sort: initial, filter = true, id }: { columns: Column<R>[]; rows: R[]; label: string; sort?: { key: string; desc?: boolean }; filter?: boolean; id?: string }) {
  const [sort, setSort] = useState(initial ?? null);
  const [query, setQuery] = useState('');
  const valueOf = (column: Column<R>, row: R) => (column.value ? column.value(row) : ((row as Record<string, unknown>)[column.key] as string | number | null));
  let shown = rows;
  if (query) {
    const q = query.toLowerCase();
    shown = shown.filter((row) => columns.some((c) => String(valueOf(c, row) ?? '').toLowerCase().includes(q)));
  }
  if (sort) {
    const column = columns.find((c) => c.key === sort.key);
    if (column) {
      const dir = sort.desc ? -1 : 1;
      shown = [...shown].sort((a, b) => {
        const x = valueOf(column, a);
        const y = valueOf(column, b);
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * dir;
      });
    }
  }
  const total = shown.length;
  shown = shown.slice(0, ROWS_SHOWN);
  const filterId = `filter-${id ?? label.replace(/\W+/g, '-')}`;
  return html`<div class="table" data-testid=${id}>
    ${filter ? html`<div class="toolbar"><label for=${filterId}>Filter ${label}<input id=${filterId} type="search" value=${query} onInput=${(e: Event) => setQuery((e.target as HTMLInputElement).value)} /></label>
      <span class="muted" aria-live="polite">${total === rows.length ? `${rows.length} rows` : `${total} of ${rows.length} rows`}${total > ROWS_SHOWN ? `, first ${ROWS_SHOWN} shown` : ''}</span></div>` : null}
    <table aria-label=${label}>
      <thead><tr>${columns.map((c) => {
        const active = sort?.key === c.key;
        const ariaSort = active ? (sort!.desc ? 'descending' : 'ascending') : 'none';
        return html`<th class=${c.numeric ? 'num' : ''} aria-sort=${ariaSort} scope="col"><button type="button" onClick=${() => setSort({ key: c.key, desc: active ? !sort!.desc : !!c.numeric })}>${c.label}${active ? (sort!.desc ? ' ▼' : ' ▲') : ''}</button></th>`;
      })}</tr></thead>
      <tbody>${shown.map((row) => html`<tr>${columns.map((c) => html`<td class=${c.numeric ? 'num' : ''}>${c.render ? c.render(row) : c.numeric ? fmt(valueOf(c, row) as number) : valueOf(c, row) ?? '—'}</td>`)}</tr>`)}</tbody>
    </table>
    ${rows.length === 0 ? html`<p class="muted">Nothing yet.</p>` : null}
  </div>`;
}

const COLORS = ['#0b57b0', '#c2410c', '#1a6b32', '#7e22ce', '#a4161a', '#0e7490'];

export interface Line {
  label: string;
  values: (number | null)[];
  /** A constant threshold drawn dashed. */
  dash?: boolean;
}

/** A uPlot line chart of `lines` over `times` (epoch seconds). */
export function Chart({ title, times, lines, testid, unit = '' }: { title: string; times: number[]; lines: Line[]; testid?: string; unit?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = lines.map((l) => `${l.label}${l.dash ? '-' : ''}`).join('|');
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const width = Math.max(280, Math.min(el.clientWidth || 420, 900));
    const options: uPlot.Options = {
      title, width, height: 170,
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${fmt(t)}${unit}`), size: 60 }],
      series: [{}, ...lines.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length], width: l.dash ? 1 : 2, dash: l.dash ? [6, 4] : undefined, points: { show: times.length < 3 } }))],
    };
    plot.current = new uPlot(options, [times, ...lines.map((l) => l.values)] as uPlot.AlignedData, el);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, title]);
  useEffect(() => {
    plot.current?.setData([times, ...lines.map((l) => l.values)] as uPlot.AlignedData);
  });
  return html`<figure class="chart" data-testid=${testid} aria-label=${`${title} chart`} style="margin:0"><div ref=${box}></div></figure>`;
}
