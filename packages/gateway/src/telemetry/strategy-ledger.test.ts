import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { emptyLedgerDelta, OTHER_KEY, type LedgerDelta } from '../stages/ledger.js';
import { startAdminServer } from './admin.js';
import { GatewayMetrics } from './metrics.js';
import { OTHER_ATTRIBUTE, StrategyLedger } from './strategy-ledger.js';

function delta(fill: (d: LedgerDelta) => void): LedgerDelta {
  const d = emptyLedgerDelta();
  fill(d);
  return d;
}

describe('strategy ledger', () => {
  it('sums deltas from many batches per (destination, attribute, action, rule) and (service, attribute, detector)', async () => {
    const registry = new Registry();
    const ledger = new StrategyLedger(registry);
    for (let i = 0; i < 3; i++) {
      ledger.add(delta((d) => {
        d.actions.push({ destination: 'eu', key: 'user.email', action: 'hash', rule: 'sensitivity.pii', count: 2 });
        d.findings.push({ service: 'checkout', key: 'note', detector: 'email', count: 1 });
        d.normalization.renamed.push({ from: 'http.method', to: 'http.request.method', count: 1 });
        d.jurisdictionErrors = 1;
      }));
    }
    const text = await registry.metrics();
    assert.match(text, /cairn_strategy_actions_total\{destination="eu",attribute="user.email",action="hash",rule="sensitivity.pii"\} 6/);
    assert.match(text, /cairn_strategy_findings_total\{service="checkout",attribute="note",detector="email"\} 3/);
    assert.match(text, /cairn_strategy_renamed_total\{attribute="http.method",canonical="http.request.method"\} 3/);
    assert.match(text, /cairn_strategy_jurisdiction_errors_total 3/);
    const json = ledger.toJSON() as { actions: unknown[]; findings: unknown[]; jurisdictionErrors: number };
    assert.deepEqual(json.actions, [{ destination: 'eu', attribute: 'user.email', action: 'hash', rule: 'sensitivity.pii', count: 6 }]);
    assert.deepEqual(json.findings, [{ service: 'checkout', attribute: 'note', detector: 'email', count: 3 }]);
    assert.equal(json.jurisdictionErrors, 3);
  });

  it('caps distinct label sets: a sender inventing keys is counted under attribute="_other", never dropped', async () => {
    const registry = new Registry();
    const ledger = new StrategyLedger(registry, 10);
    ledger.add(delta((d) => {
      for (let i = 0; i < 500; i++) d.actions.push({ destination: 'eu', key: `random.${i}`, action: 'drop', rule: 'unknown', count: 1 });
      d.actions.push({ destination: 'eu', key: OTHER_KEY, action: 'drop', rule: 'unknown', count: 7 });
    }));
    const text = await registry.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('cairn_strategy_actions_total{'));
    assert.equal(series.length, 11, 'ten label sets and _other');
    assert.match(text, new RegExp(`cairn_strategy_actions_total\\{destination="eu",attribute="${OTHER_ATTRIBUTE}",action="drop",rule="unknown"\\} 497`));
    const json = ledger.toJSON() as { actions: { count: number }[]; overflow: { actions: number } };
    assert.equal(json.actions.reduce((s, a) => s + a.count, 0), 507, 'every count kept');
    assert.equal(json.overflow.actions, 490);
  });

  it('is on /metrics and /api/strategy/ledger of the admin listener', async () => {
    const metrics = new GatewayMetrics(() => undefined, ['eu'], () => 0);
    metrics.ledger.add(delta((d) => d.actions.push({ destination: 'eu', key: 'client.address', action: 'hash', rule: 'overrides["client.*"]', count: 4 })));
    const admin = await startAdminServer('127.0.0.1', 0, metrics, { live: () => true, ready: () => ({ ready: true }) });
    try {
      const base = `http://127.0.0.1:${admin.port}`;
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(text, /cairn_strategy_actions_total\{destination="eu",attribute="client.address",action="hash",rule="overrides\[\\"client.\*\\"\]"\} 4/);
      const res = await fetch(`${base}/api/strategy/ledger`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const body = await res.json() as { actions: unknown[] };
      assert.deepEqual(body.actions, [{ destination: 'eu', attribute: 'client.address', action: 'hash', rule: 'overrides["client.*"]', count: 4 }]);
      assert.doesNotMatch(JSON.stringify(body), /@|hmac:/, 'no values');
    } finally {
      await new Promise<void>((resolve) => admin.server.close(() => resolve()));
    }
  });
});

describe('strategy ledger: findings cap', () => {
  it('a sender varying service.name and keys cannot grow the findings past the cap plus one _other set per detector', async () => {
    const registry = new Registry();
    const ledger = new StrategyLedger(registry, 5);
    ledger.add(delta((d) => {
      for (let i = 0; i < 300; i++) d.findings.push({ service: `cart-${i}`, key: `k${i}`, detector: i % 2 ? 'email' : 'jwt', count: 1 });
    }));
    const series = (await registry.metrics()).split('\n').filter((l) => l.startsWith('cairn_strategy_findings_total{'));
    assert.equal(series.length, 7, series.join('\n'));
    assert.ok(series.some((l) => l.includes('service="_other",attribute="_other",detector="email"')));
  });
});
