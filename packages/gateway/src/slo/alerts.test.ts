// Alert timing on a test clock, against the SRE Workbook's arithmetic ("Alerting on SLOs",
// multiwindow multi-burn-rate alerts): detection time = (1 - SLO) / error ratio × window × threshold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SloEngine, type AlertTransition } from './engine.js';
import { MINUTE_MS } from './evaluate.js';
import { parseSloTexts } from './openslo.js';

const T0 = 29_000_000; // a minute index (2025): the SLO starts counting here

function sloYaml(extra = '', window = '30d'): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
${extra ? `  annotations:\n${extra}` : ''}
spec:
  service: checkout
  indicator:
    metadata: { name: checkout-ok }
    spec:
      spans:
        where: 'span.kind == 2'
        good: 'span.status.code != 2'
  timeWindow: [{ duration: ${window}, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.999 }]
`;
}

/** Runs minutes from T0 with `perMinute(k)` → [good, bad], evaluating at the end of each minute. */
function run(yaml: string, minutes: number, perMinute: (k: number) => [number, number]): { engine: SloEngine; transitions: (AlertTransition & { k: number })[] } {
  const set = parseSloTexts([{ file: 'slos.yaml', text: yaml }]);
  assert.deepEqual(set.problems, []);
  const engine = new SloEngine(set, { startMinute: T0 });
  const transitions: (AlertTransition & { k: number })[] = [];
  for (let k = 0; k < minutes; k++) {
    const [good, bad] = perMinute(k);
    engine.add({ counts: [{ slo: 'checkout-availability', minute: T0 + k, good, bad, unjudgeable: 0, missing: {} }], errors: [] });
    for (const t of engine.evaluate((T0 + k + 1) * MINUTE_MS, T0 + k)) transitions.push({ ...t, k });
  }
  return { engine, transitions };
}

describe('multiwindow multi-burn-rate alerts (SRE Workbook arithmetic)', () => {
  it('a 100% error burst on a 99.9% SLO pages in its first minute (1h: 1/60 of the hour bad = burn 16.7 > 14.4; 5m: burn 200), the 6h/30m page in its third (6h: 3/360 = burn 8.3 > 6)', () => {
    const HISTORY = 360; // six hours of good traffic first, so both long windows are full
    const { transitions } = run(sloYaml(), HISTORY + 10, (k) => (k < HISTORY ? [100, 0] : [0, 100]));
    const first = (alert: string) => transitions.find((t) => t.alert === alert && t.state === 'firing')?.k;
    // Workbook: 1h at 14.4 detects a 100% burst after 0.001 × 60 min × 14.4 = 0.864 min: minute 1.
    assert.equal(first('page-fast'), HISTORY);
    // 6h at 6: 0.001 × 360 min × 6 = 2.16 min: the third minute of the burst.
    assert.equal(first('page-slow'), HISTORY + 2);
    assert.equal(first('ticket'), HISTORY);
    const page = transitions.find((t) => t.alert === 'page-fast')!;
    assert.ok(page.burnRates['1h']! > 14.4 && page.burnRates['5m']! > 14.4);
    assert.equal(page.at, (T0 + HISTORY + 1) * MINUTE_MS);
  });

  it('a 2% error ratio (burn 20) pages at the 44th minute: 0.001 / 0.02 × 60 min × 14.4 = 43.2 min', () => {
    const HISTORY = 360;
    const { transitions } = run(sloYaml(), HISTORY + 60, (k) => (k < HISTORY ? [1000, 0] : [980, 20]));
    const page = transitions.find((t) => t.alert === 'page-fast' && t.state === 'firing');
    assert.equal(page?.k, HISTORY + 43, 'the 44th minute of the burn (0-based 43)');
    assert.ok(page.burnRates['1h']! > 14.4);
    // One minute earlier the 1h burn was 43 × 20 / 6000 / 0.001 = 14.33: not yet.
  });

  it('the page resolves when the short window recovers: the fifth good minute after the burst empties the 5m window', () => {
    const HISTORY = 360;
    const BURST = 10;
    const { transitions } = run(sloYaml(), HISTORY + BURST + 30, (k) => (k >= HISTORY && k < HISTORY + BURST ? [0, 100] : [100, 0]));
    const fast = transitions.filter((t) => t.alert === 'page-fast');
    assert.deepEqual(fast.map((t) => [t.state, t.k]), [['firing', HISTORY], ['resolved', HISTORY + BURST + 4]]);
    const resolved = fast[1]!;
    assert.equal(resolved.burnRates['5m'], 0);
    assert.ok(resolved.burnRates['1h']! > 14.4, 'the long window alone keeps nothing firing');
  });

  it('a 2× burn never pages and opens a ticket after 36 hours (3d at 1: 3d / 2 = 36 h) once three days of good traffic filled the window', () => {
    const HISTORY = 3 * 1440;
    const { transitions, engine } = run(sloYaml('', '7d'), HISTORY + 2200, (k) => (k < HISTORY ? [1000, 0] : [998, 2]));
    assert.equal(transitions.filter((t) => t.severity === 'page').length, 0);
    const ticket = transitions.filter((t) => t.alert === 'ticket');
    // At minute 2160 the 3d burn is exactly 2 × 2160 / 4320 = 1, not above it; at 2161 it is.
    assert.deepEqual(ticket.map((t) => [t.state, t.k - HISTORY]), [['firing', 2160]]);
    const report = engine.report((T0 + HISTORY + 2200) * MINUTE_MS).slos[0]!;
    assert.equal(report.alerts.find((a) => a.name === 'ticket')?.state, 'firing');
  });

  it('the low-traffic guard: fewer than 10 judged events in the short window never fire, whatever the burn', () => {
    const { transitions } = run(sloYaml(), 120, (k) => (k % 2 === 0 ? [0, 1] : [0, 0]));
    assert.deepEqual(transitions.filter((t) => t.alert === 'page-fast'), []);
    const guarded = run(sloYaml('    cairn/min-events: "2"\n'), 120, (k) => (k % 2 === 0 ? [0, 1] : [0, 0]));
    assert.equal(guarded.transitions.find((t) => t.alert === 'page-fast')?.k, 2, 'with cairn/min-events 2 the third minute (2 events in 5m) pages');
  });

  it('cairn/alerts replaces the windows and rates; cairn/exhaustion fires when the budget would run out within the time given', () => {
    const yaml = sloYaml('    cairn/alerts: "fast page 30m/5m 10"\n    cairn/exhaustion: "24h/1h"\n', '7d');
    const { transitions, engine } = run(yaml, 200, (k) => (k < 60 ? [1000, 0] : [980, 20]));
    assert.deepEqual(engine.definitions[0]!.alerts.map((a) => a.name), ['fast', 'exhaustion-24h']);
    assert.equal(transitions.find((t) => t.alert === 'fast')?.state, 'firing');
    // Burn 20 over 1h spends a whole 7-day budget in 8.4 h: the exhaustion alert fires.
    const exhaustion = transitions.find((t) => t.alert === 'exhaustion-24h');
    assert.equal(exhaustion?.state, 'firing');
    assert.ok(exhaustion.burnRates['1h']! > 0);
  });
});
