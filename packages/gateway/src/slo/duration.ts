// OpenSLO durations (`5m`, `1h`, `28d`, `1w`, and for calendar windows `1M`, `1Q`, `1Y`) in whole
// minutes: counts are kept per minute, so nothing finer can be evaluated.

const MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440, w: 10080 };

/** Minutes of a rolling duration, or undefined when it is not one (`90s`, `1M`, `abc`). */
export function durationMinutes(text: unknown, allowZero = false): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^\s*-?(\d+)\s*([mhdw])\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * MINUTES[m[2]!]!;
  return (n > 0 || (allowZero && n === 0)) && Number.isSafeInteger(n) ? n : undefined;
}

/** A calendar duration: count and unit (`1M` → 1 month). */
export function calendarDuration(text: unknown): { count: number; unit: 'd' | 'w' | 'M' | 'Q' | 'Y' } | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^\s*(\d+)\s*(d|w|M|Q|Y)\s*$/.exec(text);
  if (!m || Number(m[1]) <= 0 || Number(m[1]) > 1000) return undefined;
  return { count: Number(m[1]), unit: m[2] as 'd' | 'w' | 'M' | 'Q' | 'Y' };
}

/** The shortest form of a number of minutes, for labels: 60 → `1h`, 4320 → `3d`. */
export function formatMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
