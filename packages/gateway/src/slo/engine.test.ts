import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SloEngine } from './engine.js';
import { calendarPeriod, MINUTE_MS } from './evaluate.js';
import { Notifier, webhookBody } from './notify.js';
import { parseSloTexts } from './openslo.js';
import { SloStore } from './store.js';

const T0 = 29_000_000;

function set(spec: string, annotations = '') {
  const s = parseSloTexts([{ file: 's.yaml', text: `apiVersion: openslo/v1
kind: SLO
metadata:
  name: a
${annotations}
spec:
  service: checkout
  indicator:
    metadata: { name: i }
    spec: { spans: { where: 'true', good: 'span.status.code != 2' } }
${spec}` }]);
  assert.deepEqual(s.problems, []);
  return s;
}
const ROLLING = `  timeWindow: [{ duration: 1d, isRolling: true }]\n  objectives: [{ target: 0.99 }]\n`;
const counts = (minute: number, good: number, bad: number, unjudgeable = 0) => ({ counts: [{ slo: 'a', minute, good, bad, unjudgeable, missing: {} }], errors: [] });

describe('SLO engine', () => {
  it('a new SLO starts with a full budget and counts nothing before its first minute; counts older than the window leave it', () => {
    const engine = new SloEngine(set(ROLLING), { startMinute: T0 });
    engine.add(counts(T0 - 5, 0, 100)); // before the SLO existed (a late batch, a replay's past)
    let r = engine.report(T0 * MINUTE_MS).slos[0]!;
    assert.deepEqual([r.good, r.bad, r.budget_remaining, r.sli], [0, 0, null, null]);
    engine.add(counts(T0, 990, 10));
    r = engine.report(T0 * MINUTE_MS).slos[0]!;
    assert.deepEqual([r.good, r.bad, r.sli, r.budget_remaining], [990, 10, 0.99, 0]);
    r = engine.report((T0 + 1440) * MINUTE_MS).slos[0]!;
    assert.deepEqual([r.good, r.bad], [0, 0], 'a day later the minute is out of the 1d window');
  });

  it('Timeslices: the SLI is the share of good 5-minute slices; the budget is (1 - objective) of the window\'s slices', () => {
    const engine = new SloEngine(set(`  timeWindow: [{ duration: 1d, isRolling: true }]
  budgetingMethod: Timeslices
  objectives: [{ target: 0.99, timeSliceTarget: 0.9, timeSliceWindow: 5m }]
`), { startMinute: 0 });
    const start = T0 - (T0 % 5); // aligned to a slice
    // Slice 1: 100% good; slice 2: 85% good (bad slice); slice 3: 95% good.
    for (let m = 0; m < 15; m++) engine.add(counts(start + m, m < 5 ? 10 : m < 10 ? 8.5 : 9.5, m < 5 ? 0 : m < 10 ? 1.5 : 0.5));
    const r = engine.report((start + 15) * MINUTE_MS - 1).slos[0]!;
    assert.equal(r.sli, 2 / 3);
    // 288 slices a day, 1% of them (2.88) may be bad: one bad slice spends 1/2.88 of the budget.
    assert.ok(Math.abs(r.budget_remaining! - (1 - 1 / 2.88)) < 1e-9);
  });

  it('calendar windows: a month from its start in UTC, February being 28 days', () => {
    const window = { kind: 'calendar' as const, unit: 'M' as const, count: 1, startMs: Date.UTC(2024, 0, 1), text: '1M' };
    const p = calendarPeriod(window, Math.floor(Date.UTC(2025, 1, 14, 12) / MINUTE_MS));
    assert.equal(p.start * MINUTE_MS, Date.UTC(2025, 1, 1));
    assert.equal(p.minutes, 28 * 1440);
    const q = calendarPeriod({ ...window, unit: 'Q' }, Math.floor(Date.UTC(2025, 4, 3) / MINUTE_MS));
    assert.equal(q.start * MINUTE_MS, Date.UTC(2025, 3, 1));
  });

  it('restart: counts, alert states and history come back from slo.db; a changed indicator starts over with a full budget', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-slo-store-'));
    const file = join(dir, 'slo.db');
    const s = set(ROLLING, '  annotations: { cairn/alerts: "fast page 1h/5m 14.4" }');
    let store = new SloStore(file);
    let engine = new SloEngine(s, { store, startMinute: T0 });
    engine.add(counts(T0, 0, 50));
    engine.flush();
    assert.deepEqual(engine.evaluate((T0 + 1) * MINUTE_MS, T0).map((t) => t.state), ['firing']);
    store.close();

    store = new SloStore(file);
    engine = new SloEngine(s, { store, startMinute: T0 + 1 });
    const r = engine.report((T0 + 1) * MINUTE_MS).slos[0]!;
    assert.deepEqual([r.bad, r.alerts[0]!.state, r.alerts[0]!.since, r.history.length], [50, 'firing', new Date((T0 + 1) * MINUTE_MS).toISOString().replace('.000Z', 'Z'), 1]);
    assert.deepEqual(engine.evaluate((T0 + 2) * MINUTE_MS, T0 + 1), [], 'still firing: no second transition');
    store.close();

    const changed = set(ROLLING.replace('0.99', '0.95'), '  annotations: { cairn/alerts: "fast page 1h/5m 14.4" }');
    store = new SloStore(file);
    engine = new SloEngine(changed, { store, startMinute: T0 + 2 });
    const fresh = engine.report((T0 + 2) * MINUTE_MS).slos[0]!;
    assert.deepEqual([fresh.bad, fresh.alerts[0]!.state, fresh.budget_remaining], [0, 'ok', null]);
    store.close();
  });

  it('a run-time error reported by the tap disables that SLO alone, shown with its error', () => {
    const s = parseSloTexts([{ file: 's.yaml', text: `${['a', 'b'].map((n) => `apiVersion: openslo/v1
kind: SLO
metadata: { name: ${n} }
spec:
  indicator: { metadata: { name: i${n} }, spec: { spans: { good: 'true' } } }
${ROLLING}`).join('---\n')}` }]);
    const engine = new SloEngine(s, { startMinute: T0 });
    engine.add({ counts: [{ slo: 'b', minute: T0, good: 1, bad: 0, unjudgeable: 0, missing: {} }], errors: [{ slo: 'a', message: 'CAIRN_CEL_RUNTIME: boom' }] });
    engine.add(counts(T0, 5, 5));
    const [a, b] = engine.report(T0 * MINUTE_MS).slos;
    assert.deepEqual([a!.error, a!.good, a!.sli], ['CAIRN_CEL_RUNTIME: boom', 0, null]);
    assert.deepEqual([b!.error, b!.good], [null, 1]);
  });
});

describe('SLO notifications', () => {
  it('webhook JSON carries the transition; a 4xx is not retried, a 5xx is, with backoff, until it succeeds', async () => {
    const statuses = [400, 503, 503, 200];
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.writeHead(statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const def = set(ROLLING).slos[0]!;
      def.targets = [{ name: 'hook', kind: 'webhook', url, format: 'json', headers: {} }];
      def.alerts = [{ ...(def.alerts[0] as Extract<typeof def.alerts[0], { kind: 'burn_rate' }>), targets: ['hook'] }];
      const outcomes: string[] = [];
      const notifier = new Notifier([def], { retry: { initialMs: 5, maxMs: 20, attempts: 5, timeoutMs: 2000 }, onOutcome: (_t, o) => outcomes.push(o) });
      const t = { slo: 'a', service: 'checkout', alert: def.alerts[0]!.name, severity: 'page', state: 'firing' as const, at: Date.UTC(2025, 0, 1), burnRates: { '5m': 20 }, sli: 0.9, budgetRemaining: 0.5, objective: 0.99 };
      notifier.notify(t);
      await notifier.idle();
      assert.deepEqual(outcomes, ['failed'], 'a 400 is final');
      notifier.notify({ ...t, state: 'resolved' });
      await notifier.idle();
      assert.deepEqual(outcomes, ['failed', 'retried', 'retried', 'sent']);
      assert.deepEqual(bodies[0], webhookBody(t));
      assert.deepEqual(bodies[0], { slo: 'a', service: 'checkout', alert: 'page-fast', severity: 'page', state: 'firing', at: '2025-01-01T00:00:00Z', burn_rates: { '5m': 20 }, sli: 0.9, budget_remaining: 0.5, objective: 0.99 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
