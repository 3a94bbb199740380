// The `cairn/` annotations: what OpenSLO v1 cannot say (multiwindow alert pairs, exhaustion
// alerts, the low-traffic guard, the insufficient-instrumentation share, where a notification
// goes). OpenSLO annotations are string → string, so each value is a small string format.
import type { AlertRule } from './definition.js';
import { durationMinutes, formatMinutes } from './duration.js';

export class AnnotationError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

/**
 * `cairn/alerts`: `none`, or comma-separated `NAME SEVERITY LONG/SHORT THRESHOLD`, e.g.
 * `page-fast page 1h/5m 14.4, ticket ticket 3d/6h 1`.
 */
export function parseAlertList(value: string, minEvents: number, targets: string[]): AlertRule[] {
  if (value.trim() === 'none') return [];
  const out: AlertRule[] = [];
  for (const entry of value.split(',')) {
    const parts = entry.trim().split(/\s+/);
    const [name, severity, pair, rate] = parts;
    const windows = pair?.split('/') ?? [];
    const long = durationMinutes(windows[0]);
    const short = durationMinutes(windows[1]);
    const threshold = Number(rate);
    if (parts.length !== 4 || !name || !severity || windows.length !== 2 || !long || !short || !(threshold > 0)) {
      throw new AnnotationError('cairn/alerts', `\`${entry.trim()}\` is not \`NAME SEVERITY LONG/SHORT THRESHOLD\` (e.g. \`page-fast page 1h/5m 14.4\`), or \`none\``);
    }
    if (short >= long) throw new AnnotationError('cairn/alerts', `\`${entry.trim()}\`: the short window must be shorter than the long one`);
    out.push({ kind: 'burn_rate', name, severity, longMinutes: long, shortMinutes: short, long: formatMinutes(long), short: formatMinutes(short), threshold, forMinutes: 0, minEvents, targets });
  }
  return out;
}

/** `cairn/exhaustion`: `WITHIN` or `WITHIN/LOOKBACK` (default lookback 1h), e.g. `24h/6h`. */
export function parseExhaustion(value: string, minEvents: number, targets: string[]): AlertRule {
  const [w, l] = value.trim().split('/');
  const within = durationMinutes(w);
  const lookback = l === undefined ? 60 : durationMinutes(l);
  if (!within || !lookback) throw new AnnotationError('cairn/exhaustion', `\`${value}\` is not \`WITHIN\` or \`WITHIN/LOOKBACK\` (e.g. \`24h/6h\`)`);
  return { kind: 'exhaustion', name: `exhaustion-${w!.trim()}`, severity: 'ticket', withinMinutes: within, within: formatMinutes(within), lookbackMinutes: lookback, lookback: formatMinutes(lookback), minEvents, targets };
}

export function parseCount(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new AnnotationError(key, `\`${value}\` is not a whole number ≥ 0`);
  return n;
}

export function parseShare(key: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new AnnotationError(key, `\`${value}\` is not a share between 0 and 1`);
  return n;
}

/** `metadata.annotations` as a string map; anything else is ignored (OpenSLO says strings). */
export function annotationsOf(metadata: unknown): Record<string, string> {
  const raw = (metadata as { annotations?: unknown } | undefined)?.annotations;
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  return out;
}
