// --from / --to: every RFC 3339 time reads back as the instant it names, relative times are exact,
// and any other input is refused with CAIRN_TIME_RANGE naming the option (never another error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRange, parseTime, TimeRangeError } from './timerange.js';

const RUNS = process.env.CI ? 200 : 2000;
const NOW = Date.UTC(2026, 11, 2, 4, 0, 0);
const instant = fc.integer({ min: 0, max: 253_402_300_799_000 });

test('RFC 3339 with Z reads back the same instant', () => {
  fc.assert(fc.property(instant, (ms) => parseTime(new Date(ms).toISOString(), NOW, '--from') === ms), { numRuns: RUNS });
});

test('an offset names the same instant as its UTC form', () => {
  fc.assert(fc.property(fc.integer({ min: 86_400_000, max: 253_402_200_000_000 }), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (ms, offsetMin) => {
    const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
    const sign = offsetMin < 0 ? '-' : '+';
    const abs = Math.abs(offsetMin);
    const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    return parseTime(text, NOW, 'from') === Math.floor(ms / 1000) * 1000;
  }), { numRuns: RUNS });
});

test('relative times are exact', () => {
  const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
  fc.assert(fc.property(fc.integer({ min: 0, max: 999 }), fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])), fc.boolean(), (n, unit, withNow) => {
    return parseTime(`${withNow ? 'now' : ''}-${n}${unit}`, NOW, '--from') === NOW - n * units[unit];
  }), { numRuns: RUNS });
  assert.equal(parseTime('now', NOW, '--to'), NOW);
  assert.equal(parseTime('2026-12-01', NOW, '--from'), Date.UTC(2026, 11, 1));
});

test('anything else: CAIRN_TIME_RANGE naming the option, or a valid instant', () => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom('2026-02-30', '2026-12-02T03:00:00', '2026-13-01', 'now+1h', '-1y', '2026-12-02T24:00:00Z', 'yesterday', '')), (text) => {
    try {
      const ms = parseTime(text, NOW, '--from');
      return Number.isFinite(ms) && ms >= 0;
    } catch (error) {
      return error instanceof TimeRangeError && error.code === 'CAIRN_TIME_RANGE' && error.message.startsWith('--from: ');
    }
  }), { numRuns: RUNS });
  for (const bad of ['2026-02-30', '2026-12-02T03:00:00', 'now+1h', 'yesterday']) assert.throws(() => parseTime(bad, NOW, '--from'), TimeRangeError, bad);
});

test('a range: defaults to the last day; from must be before to', () => {
  assert.deepEqual(parseRange(undefined, undefined, NOW), { from: NOW - 86_400_000, to: NOW });
  assert.deepEqual(parseRange('-2h', 'now-1h', NOW), { from: NOW - 7_200_000, to: NOW - 3_600_000 });
  assert.throws(() => parseRange('now', '-1h', NOW), /--from: must be before --to/);
});
