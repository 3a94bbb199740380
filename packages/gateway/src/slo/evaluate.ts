// The arithmetic of one SLO at one minute, from its per-minute counts: SLI, budget remaining,
// burn rates over any window (SRE Workbook, "Alerting on SLOs": burn rate = error ratio over the
// window / (1 - objective)), and whether each alert's condition holds. Pure: the gateway, the
// replay command and the tests run the same code with their own clocks.
import type { AlertRule, SloDefinition, SloWindow } from './definition.js';

export const MINUTE_MS = 60_000;

/** Weighted counts of one minute (weights: upstream SampleRate / th, so floats). */
export interface MinuteRow {
  good: number;
  bad: number;
  unjudgeable: number;
}

/** Per-minute counts of one SLO, by minute since the epoch. */
export type MinuteSeries = ReadonlyMap<number, MinuteRow>;

/**
 * 1 - objective, rounded to 12 digits: 1 - 0.999 is 0.0010000000000000009 in binary, which would
 * put a burn of exactly 1 above 1 and move an alert by a minute.
 */
export function errorBudget(objective: number): number {
  return Math.round((1 - objective) * 1e12) / 1e12;
}

/** First minute of the calendar period holding `minute`, and the period's length in minutes. */
export function calendarPeriod(window: Extract<SloWindow, { kind: 'calendar' }>, minute: number): { start: number; minutes: number } {
  const at = minute * MINUTE_MS;
  const start = new Date(window.startMs);
  if (window.unit === 'd' || window.unit === 'w') {
    const step = window.count * (window.unit === 'd' ? 1440 : 10080) * MINUTE_MS;
    const k = Math.floor((at - window.startMs) / step);
    const from = window.startMs + k * step;
    return { start: Math.floor(from / MINUTE_MS), minutes: step / MINUTE_MS };
  }
  const months = window.count * (window.unit === 'M' ? 1 : window.unit === 'Q' ? 3 : 12);
  const monthAt = (k: number): number => Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + k * months, start.getUTCDate(), start.getUTCHours(), start.getUTCMinutes());
  const now = new Date(at);
  let k = Math.floor(((now.getUTCFullYear() - start.getUTCFullYear()) * 12 + now.getUTCMonth() - start.getUTCMonth()) / months);
  while (monthAt(k) > at) k--;
  while (monthAt(k + 1) <= at) k++;
  return { start: Math.floor(monthAt(k) / MINUTE_MS), minutes: Math.round((monthAt(k + 1) - monthAt(k)) / MINUTE_MS) };
}

/** The SLO window at `minute`: its first minute and its full length (a calendar period's, whole). */
export function sloWindowAt(def: SloDefinition, minute: number): { first: number; minutes: number } {
  if (def.window.kind === 'rolling') return { first: minute - def.window.minutes + 1, minutes: def.window.minutes };
  const p = calendarPeriod(def.window, minute);
  return { first: p.start, minutes: p.minutes };
}

/**
 * Prefix sums over the minutes ending at `minute`, so each window is two lookups. For
 * Timeslices, each minute instead carries whether its slice ended bad/judged (slices are aligned
 * to the epoch; a slice counts at its last minute).
 */
export class Snapshot {
  readonly length: number;
  private readonly good: Float64Array;
  private readonly bad: Float64Array;
  private readonly unjudgeable: Float64Array;
  private readonly badSlices: Float64Array | undefined;
  private readonly judgedSlices: Float64Array | undefined;
  readonly budget: number;

  constructor(readonly def: SloDefinition, series: MinuteSeries, readonly minute: number, length: number, readonly createdMinute = -Infinity) {
    this.length = length;
    this.budget = errorBudget(def.objective);
    const good = (this.good = new Float64Array(length + 1));
    const bad = (this.bad = new Float64Array(length + 1));
    const unj = (this.unjudgeable = new Float64Array(length + 1));
    const first = minute - length + 1;
    for (let i = 0; i < length; i++) {
      const row = first + i >= createdMinute ? series.get(first + i) : undefined;
      good[i + 1] = good[i]! + (row?.good ?? 0);
      bad[i + 1] = bad[i]! + (row?.bad ?? 0);
      unj[i + 1] = unj[i]! + (row?.unjudgeable ?? 0);
    }
    const slice = def.budgeting === 'Timeslices' ? def.timeslice : undefined;
    if (slice) {
      const badSlices = (this.badSlices = new Float64Array(length + 1));
      const judged = (this.judgedSlices = new Float64Array(length + 1));
      for (let i = 0; i < length; i++) {
        const m = first + i;
        let b = 0;
        let j = 0;
        // A slice is judged at its last minute (or at `minute` while it is still open).
        if ((m + 1) % slice.minutes === 0 || m === minute) {
          const from = Math.max(0, i - (m % slice.minutes));
          const g = good[i + 1]! - good[from]!;
          const x = bad[i + 1]! - bad[from]!;
          if (g + x > 0) {
            j = 1;
            b = g / (g + x) < slice.target ? 1 : 0;
          }
        }
        badSlices[i + 1] = badSlices[i]! + b;
        judged[i + 1] = judged[i]! + j;
      }
    }
  }

  /** Sums over the `minutes` minutes ending `offset` minutes before the snapshot's minute. */
  sums(minutes: number, offset = 0): { good: number; bad: number; unjudgeable: number; badSlices: number; judgedSlices: number } {
    const end = this.length - offset;
    const start = Math.max(0, end - minutes);
    return {
      good: this.good[end]! - this.good[start]!,
      bad: this.bad[end]! - this.bad[start]!,
      unjudgeable: this.unjudgeable[end]! - this.unjudgeable[start]!,
      badSlices: this.badSlices ? this.badSlices[end]! - this.badSlices[start]! : 0,
      judgedSlices: this.judgedSlices ? this.judgedSlices[end]! - this.judgedSlices[start]! : 0,
    };
  }

  /** Burn rate over the window: its error ratio (bad events, or bad slices) / (1 - objective); 0 with nothing judged. */
  burnRate(minutes: number, offset = 0): number {
    const s = this.sums(minutes, offset);
    if (this.def.budgeting === 'Timeslices') return s.judgedSlices > 0 ? s.badSlices / s.judgedSlices / this.budget : 0;
    const total = s.good + s.bad;
    return total > 0 ? s.bad / total / this.budget : 0;
  }

  /** Judged events in the window (the low-traffic guard counts these). */
  events(minutes: number, offset = 0): number {
    const s = this.sums(minutes, offset);
    return s.good + s.bad;
  }
}

export interface SloStatus {
  sli: number | null;
  budgetRemaining: number | null;
  good: number;
  bad: number;
  unjudgeable: number;
  unjudgeableShare: number;
}

/** Minutes a snapshot must cover for this SLO: its window and its longest alert window. */
export function snapshotLength(def: SloDefinition, minute: number): number {
  let n = sloWindowAt(def, minute).minutes;
  if (def.window.kind === 'calendar') n = minute - sloWindowAt(def, minute).first + 1;
  for (const a of def.alerts) n = Math.max(n, a.kind === 'burn_rate' ? a.longMinutes : a.lookbackMinutes);
  return n;
}

/** SLI and budget over the SLO window at the snapshot's minute. */
export function sloStatus(s: Snapshot): SloStatus {
  const { def, minute } = s;
  const w = sloWindowAt(def, minute);
  const sums = s.sums(minute - w.first + 1);
  const judged = sums.good + sums.bad;
  const all = judged + sums.unjudgeable;
  let sli: number | null = judged > 0 ? sums.good / judged : null;
  let budgetRemaining: number | null = judged > 0 ? 1 - sums.bad / (judged * s.budget) : null;
  if (def.budgeting === 'Timeslices' && def.timeslice) {
    sli = sums.judgedSlices > 0 ? (sums.judgedSlices - sums.badSlices) / sums.judgedSlices : null;
    // A time budget is known up front: (1 - objective) of the window's slices.
    budgetRemaining = sums.judgedSlices > 0 ? 1 - sums.badSlices / (s.budget * (w.minutes / def.timeslice.minutes)) : null;
  }
  return { sli, budgetRemaining, good: sums.good, bad: sums.bad, unjudgeable: sums.unjudgeable, unjudgeableShare: all > 0 ? sums.unjudgeable / all : 0 };
}

/** Whether an alert's condition holds at the snapshot's minute (before `alertAfter`). */
export function conditionHolds(s: Snapshot, alert: AlertRule, budgetRemaining: number | null): boolean {
  if (alert.kind === 'burn_rate') {
    if (s.events(alert.shortMinutes) < alert.minEvents) return false;
    return s.burnRate(alert.longMinutes) > alert.threshold && s.burnRate(alert.shortMinutes) > alert.threshold;
  }
  if (budgetRemaining === null || s.events(alert.lookbackMinutes) < alert.minEvents) return false;
  if (budgetRemaining <= 0) return true;
  const burn = s.burnRate(alert.lookbackMinutes);
  if (burn <= 0) return false;
  // At burn rate b the whole budget lasts window / b; what is left lasts remaining × window / b.
  const left = (budgetRemaining * sloWindowAt(s.def, s.minute).minutes) / burn;
  return left < alert.withinMinutes;
}

/** Burn rate per distinct window of the SLO's alerts (`{"5m": 0.4, "1h": 0.1, …}`). */
export function burnRates(s: Snapshot, offset = 0): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, minutes] of alertWindows(s.def)) out[label] = s.burnRate(minutes, offset);
  return out;
}

/** The windows the SLO's alerts read, shortest first, with their labels. */
export function alertWindows(def: SloDefinition): [string, number][] {
  const windows = new Map<string, number>();
  for (const a of def.alerts) {
    if (a.kind === 'burn_rate') {
      windows.set(a.short, a.shortMinutes);
      windows.set(a.long, a.longMinutes);
    } else windows.set(a.lookback, a.lookbackMinutes);
  }
  return [...windows].sort((a, b) => a[1] - b[1]);
}
