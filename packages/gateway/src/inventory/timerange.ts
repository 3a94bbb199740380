// `--from` / `--to` (and `?from=` / `?to=`): RFC 3339 times, dates, or times relative to now.
// One strict grammar for the CLI and the admin API, so both read a range the same way.

export class TimeRangeError extends Error {
  readonly code = 'CAIRN_TIME_RANGE';
  constructor(readonly input: string, message: string) {
    super(`${input}: ${message}`);
    this.name = 'TimeRangeError';
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(?:now)?(?:-(\d{1,9})(ms|s|m|h|d|w))?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2}))?$/;
/** Latest time accepted: year 9999. */
const MAX_MS = 253_402_300_799_999;

/**
 * One time: `now`, `now-2h`, `-30m`, `-7d`, `2026-12-02` (UTC midnight), or an RFC 3339 time with
 * a zone (`2026-12-02T03:00:00Z`, `…+02:00`). `name` (`--from`, `from`) names the input in errors.
 */
export function parseTime(text: string, now: number, name: string): number {
  const t = text.trim();
  if (t === '') throw new TimeRangeError(name, 'is empty; give an RFC 3339 time (2026-12-02T03:00:00Z), a date, now, or now-2h');
  const rel = RELATIVE.exec(t);
  if (rel && (t.startsWith('now') || t.startsWith('-'))) {
    return rel[1] === undefined ? now : now - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  }
  const m = RFC3339.exec(t);
  if (!m) throw new TimeRangeError(name, `\`${text}\` is not a time: give an RFC 3339 time with a zone (2026-12-02T03:00:00Z), a date (2026-12-02), now, or now-2h / -30m (units ms s m h d w)`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (h !== undefined && zone === undefined) throw new TimeRangeError(name, `\`${text}\` has no zone: add Z or an offset like +02:00`);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  const daysInMonth = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) throw new TimeRangeError(name, `\`${text}\` is not a valid date or time of day`);
  let offset = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) throw new TimeRangeError(name, `\`${text}\` has an invalid offset`);
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const ms = Date.UTC(Number(y), month - 1, day, hour, minute, second, Number((frac ?? '0').slice(0, 3).padEnd(3, '0'))) - offset;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_MS) throw new TimeRangeError(name, `\`${text}\` is out of range`);
  return ms;
}

/** `from` (default `defaultFrom` before `to`) and `to` (default now); `from` must be before `to`. */
export function parseRange(from: string | undefined, to: string | undefined, now: number, names: { from: string; to: string } = { from: '--from', to: '--to' }, defaultSpanMs = 86_400_000): { from: number; to: number } {
  const end = to === undefined ? now : parseTime(to, now, names.to);
  const start = from === undefined ? end - defaultSpanMs : parseTime(from, now, names.from);
  if (start >= end) throw new TimeRangeError(names.from, `must be before ${names.to} (${new Date(start).toISOString()} is not before ${new Date(end).toISOString()})`);
  return { from: start, to: end };
}
