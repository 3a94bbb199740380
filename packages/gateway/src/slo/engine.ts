// The main thread's SLO state: per-minute counts (summed from each batch's SloDelta), alert
// states and their history, evaluated against a clock. The gateway runs it on wall-clock time
// with a SloStore behind it; `cairn slo replay` and the tests run it on event time, in memory.
import { initialAlertState, stepAlert, type AlertState } from './alerts.js';
import type { BrokenSlo, SloDefinition, SloSet } from './definition.js';
import type { SloDelta } from './delta.js';
import { burnRates, conditionHolds, MINUTE_MS, sloStatus, sloWindowAt, Snapshot, snapshotLength, type SloStatus } from './evaluate.js';
import type { HistoryEntry, SloStore, StoredMinute } from './store.js';

/** One alert transition: what is recorded, notified and printed by replay. */
export interface AlertTransition {
  slo: string;
  service: string | null;
  alert: string;
  severity: string;
  state: 'firing' | 'resolved';
  /** ms since the epoch. */
  at: number;
  burnRates: Record<string, number>;
  sli: number | null;
  budgetRemaining: number | null;
  objective: number;
}

/** Per `good` key, the share of matching events that lacked it (cairn gaps / report show these). */
export interface SloInstrumentationGap {
  slo: string;
  service: string | null;
  /** Events that matched `where` in the SLO window. */
  matched: number;
  /** Keys missing in more than the SLO's share, worst first. */
  keys: { key: string; missing: number; share: number }[];
  threshold: number;
  insufficient: boolean;
}

interface Tracked {
  def: SloDefinition;
  series: Map<number, StoredMinute>;
  created: number;
  alerts: Map<string, AlertState>;
  history: HistoryEntry[];
  /** Set when its expression failed at run time: counted no further. */
  error: string | null;
  dirty: Set<number>;
}

const HISTORY_KEPT = 50;
/** Minutes of burn-rate series in /api/slos. */
export const SERIES_MINUTES = 60;

export interface SloEngineOptions {
  store?: SloStore;
  /** Called for each transition, after it is recorded. */
  onTransition?: (t: AlertTransition) => void;
  /** The minute new SLOs start counting from (the first event's minute in a replay). */
  startMinute: number;
}

export class SloEngine {
  private readonly tracked = new Map<string, Tracked>();
  readonly broken: BrokenSlo[];
  /** Evaluation at the last minute, per SLO: what /metrics shows between evaluations. */
  readonly last = new Map<string, { status: SloStatus; burnRates: Record<string, number>; insufficient: boolean }>();

  constructor(set: SloSet, private readonly options: SloEngineOptions, broken: BrokenSlo[] = []) {
    this.broken = [...set.broken, ...broken];
    const skip = new Set(broken.map((b) => b.name));
    for (const def of set.slos) {
      if (skip.has(def.name)) continue;
      const store = options.store;
      const created = store ? store.register(def.name, def.fingerprint, options.startMinute) : options.startMinute;
      const series = new Map<number, StoredMinute>();
      if (store) for (const row of store.minutes(def.name, options.startMinute - snapshotLength(def, options.startMinute) - SERIES_MINUTES)) series.set(row.minute, row);
      const alerts = store ? store.alertStates(def.name) : new Map<string, AlertState>();
      for (const a of def.alerts) if (!alerts.has(a.name)) alerts.set(a.name, initialAlertState());
      this.tracked.set(def.name, { def, series, created, alerts, history: store ? store.history(def.name, HISTORY_KEPT) : [], error: null, dirty: new Set() });
    }
  }

  get definitions(): SloDefinition[] {
    return [...this.tracked.values()].map((t) => t.def);
  }

  /** Adds one batch's counts. Counts before an SLO's first minute are not its own: dropped. */
  add(delta: SloDelta): void {
    for (const e of delta.errors) {
      const t = this.tracked.get(e.slo);
      if (t && t.error === null) t.error = e.message;
    }
    for (const c of delta.counts) {
      const t = this.tracked.get(c.slo);
      if (!t || t.error !== null || c.minute < t.created) continue;
      let row = t.series.get(c.minute);
      if (!row) t.series.set(c.minute, (row = { minute: c.minute, good: 0, bad: 0, unjudgeable: 0, missing: {} }));
      row.good += c.good;
      row.bad += c.bad;
      row.unjudgeable += c.unjudgeable;
      for (const [key, n] of Object.entries(c.missing)) row.missing[key] = (row.missing[key] ?? 0) + n;
      t.dirty.add(c.minute);
    }
  }

  /** Writes the minutes changed since the last flush. */
  flush(): void {
    const store = this.options.store;
    if (!store) return;
    const rows: { slo: string; row: StoredMinute }[] = [];
    for (const t of this.tracked.values()) {
      for (const m of t.dirty) {
        const row = t.series.get(m);
        if (row) rows.push({ slo: t.def.name, row });
      }
      t.dirty.clear();
    }
    store.write(rows);
  }

  private snapshot(t: Tracked, minute: number, extra = 0): Snapshot {
    // Nothing before the SLO's first minute counts: a young SLO needs a short snapshot.
    const length = Math.max(1, Math.min(snapshotLength(t.def, minute), minute - t.created + 1)) + extra;
    return new Snapshot(t.def, t.series, minute, length, t.created);
  }

  /**
   * Evaluates every SLO at `minute` (the minute holding `at`): steps each alert and returns the
   * transitions, already recorded. Minutes older than any window are forgotten.
   */
  evaluate(at: number, minute = Math.floor(at / MINUTE_MS)): AlertTransition[] {
    const out: AlertTransition[] = [];
    for (const t of this.tracked.values()) {
      if (t.error !== null) continue;
      const s = this.snapshot(t, minute);
      const status = sloStatus(s);
      const rates = burnRates(s);
      this.last.set(t.def.name, { status, burnRates: rates, insufficient: this.gapOf(t, minute).insufficient });
      for (const alert of t.def.alerts) {
        const state = t.alerts.get(alert.name)!;
        const before = state.pendingSince;
        const change = stepAlert(state, conditionHolds(s, alert, status.budgetRemaining), at, alert.kind === 'burn_rate' ? alert.forMinutes : 0);
        if (!change) {
          if (before !== state.pendingSince) this.options.store?.saveAlert(t.def.name, alert.name, state);
          continue;
        }
        const transition: AlertTransition = {
          slo: t.def.name, service: t.def.service, alert: alert.name, severity: alert.severity, state: change, at, burnRates: rates,
          sli: status.sli, budgetRemaining: status.budgetRemaining, objective: t.def.objective,
        };
        const entry: HistoryEntry = { slo: t.def.name, alert: alert.name, state: change, at, burnRates: rates };
        this.options.store?.saveAlert(t.def.name, alert.name, state, entry);
        t.history.push(entry);
        if (t.history.length > HISTORY_KEPT) t.history.shift();
        out.push(transition);
        this.options.onTransition?.(transition);
      }
      const keep = minute - snapshotLength(t.def, minute) - SERIES_MINUTES;
      for (const m of t.series.keys()) if (m < keep && !t.dirty.has(m)) t.series.delete(m);
    }
    return out;
  }

  /** Deletes minutes no window reads any more from the store. */
  prune(minute: number): void {
    for (const t of this.tracked.values()) this.options.store?.prune(t.def.name, minute - snapshotLength(t.def, minute) - SERIES_MINUTES);
  }

  private gapOf(t: Tracked, minute: number): SloInstrumentationGap {
    const first = Math.max(t.created, sloWindowAt(t.def, minute).first);
    let matched = 0;
    const missing = new Map<string, number>();
    for (const [m, row] of t.series) {
      if (m < first || m > minute) continue;
      matched += row.good + row.bad + row.unjudgeable;
      for (const [key, n] of Object.entries(row.missing)) missing.set(key, (missing.get(key) ?? 0) + n);
    }
    const threshold = t.def.insufficientShare;
    const keys = [...missing].map(([key, n]) => ({ key, missing: n, share: matched > 0 ? n / matched : 0 }))
      .filter((k) => k.share > threshold).sort((a, b) => b.share - a.share || a.key.localeCompare(b.key));
    return { slo: t.def.name, service: t.def.service, matched, keys, threshold, insufficient: keys.length > 0 };
  }

  /** Insufficient instrumentation per SLO at `at` (every SLO, or one service's). */
  instrumentationGaps(at: number, service?: string): SloInstrumentationGap[] {
    const minute = Math.floor(at / MINUTE_MS);
    return [...this.tracked.values()].filter((t) => service === undefined || t.def.service === service).map((t) => this.gapOf(t, minute)).sort((a, b) => a.slo.localeCompare(b.slo));
  }

  /** `GET /api/slos` (contracts §3), sorted by name; `visible` filters by service. */
  report(at: number, visible: (service: string | null) => boolean = () => true): { slos: SloReport[] } {
    const minute = Math.floor(at / MINUTE_MS);
    const slos: SloReport[] = [];
    for (const t of this.tracked.values()) {
      if (!visible(t.def.service)) continue;
      if (t.error !== null) {
        slos.push(brokenReport({ name: t.def.name, service: t.def.service, location: t.def.location, error: t.error }, t.def));
        continue;
      }
      const s = this.snapshot(t, minute, SERIES_MINUTES);
      const status = sloStatus(s);
      const series: SloReport['series'] = [];
      for (let k = SERIES_MINUTES - 1; k >= 0; k--) {
        if (minute - k < t.created) continue;
        series.push({ at: iso((minute - k + 1) * MINUTE_MS), burn_rates: burnRates(s, k) });
      }
      slos.push({
        name: t.def.name, service: t.def.service, objective: t.def.objective, window: t.def.window.text,
        sli: status.sli, budget_remaining: status.budgetRemaining, good: status.good, bad: status.bad, unjudgeable: status.unjudgeable,
        unjudgeable_share: status.unjudgeableShare, insufficient: this.gapOf(t, minute).insufficient, burn_rates: burnRates(s),
        alerts: t.def.alerts.map((a) => {
          const st = t.alerts.get(a.name)!;
          return a.kind === 'burn_rate'
            ? { name: a.name, severity: a.severity, state: st.state, since: st.since === null ? null : iso(st.since), threshold: a.threshold, long: a.long, short: a.short }
            : { name: a.name, severity: a.severity, state: st.state, since: st.since === null ? null : iso(st.since), threshold: a.withinMinutes / 60, long: a.lookback, short: a.lookback };
        }),
        history: t.history.map((h) => ({ alert: h.alert, state: h.state, at: iso(h.at) })),
        series,
        error: null,
      });
    }
    for (const b of this.broken) if (visible(b.service)) slos.push(brokenReport(b));
    slos.sort((a, b) => a.name.localeCompare(b.name));
    return { slos };
  }
}

/** One SLO in /api/slos (contracts §3). */
export interface SloReport {
  name: string;
  service: string | null;
  objective: number | null;
  window: string | null;
  sli: number | null;
  budget_remaining: number | null;
  good: number;
  bad: number;
  unjudgeable: number;
  unjudgeable_share: number;
  insufficient: boolean;
  burn_rates: Record<string, number>;
  alerts: { name: string; severity: string; state: 'firing' | 'resolved' | 'ok'; since: string | null; threshold: number; long: string; short: string }[];
  history: { alert: string; state: string; at: string }[];
  series: { at: string; burn_rates: Record<string, number> }[];
  error: string | null;
}

function brokenReport(b: BrokenSlo, def?: SloDefinition): SloReport {
  return {
    name: b.name, service: b.service, objective: def?.objective ?? null, window: def?.window.text ?? null, sli: null, budget_remaining: null,
    good: 0, bad: 0, unjudgeable: 0, unjudgeable_share: 0, insufficient: false, burn_rates: {}, alerts: [], history: [], series: [], error: b.error,
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}
