// Sampling through BatchProcessor (after routing and redact, per destination) and its counts on
// the main thread: /api/sampling's JSON and /metrics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parseConfig } from '../../config/load.js';
import { BatchProcessor, type ProcessResult } from '../../pipeline/process.js';
import { parseStrategyText } from '../../strategy/document.js';
import { compileStrategy } from '../../strategy/compile.js';
import { scoped } from './routes.js';
import { SamplingTotals } from './totals.js';
import { hexId, prng, request, spansOf } from './test-support.js';

const config = parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-sample-test-unused }
auth: { anonymous: true }
destinations:
  honeycomb: { exporter: { debug: {} } }
  archive: { exporter: { debug: {} } }
`, 'sample.test.yaml');

const strategyYaml = `destinations:
  honeycomb:
    overrides: { user.email: drop }
    sampling:
      head: { sample_rate: 10 }
      keep: ['span.status.code == 2']
      drop: ['span.attributes["user.email"] == "x@example.com"']
  archive: {}
`;

function processor(): BatchProcessor {
  const parsed = parseStrategyText(strategyYaml, 'strategy.yaml', ['honeycomb', 'archive']);
  assert.deepEqual(parsed.problems, []);
  return new BatchProcessor(config, { strategy: compileStrategy({ strategy: parsed.document!, keys: {} })! });
}

function run(p: BatchProcessor, n: number, seed: number, extra: { error?: boolean; attributes?: Record<string, string> } = {}): Extract<ProcessResult, { ok: true }> {
  const random = prng(seed);
  const view = request(Array.from({ length: n }, () => ({ traceId: hexId(random, 16), ...extra })));
  const result = p.process({ signal: 'traces', format: 'protobuf', body: view.bytes, tenant: 'anonymous' });
  assert.ok(result.ok);
  return result;
}

describe('sampling in the pipeline', () => {
  it('samples only the destination that asks, after redact, and reports result.sampling', () => {
    const result = run(processor(), 2000, 1);
    const honeycomb = result.outputs.find((o) => o.destination === 'honeycomb')!;
    const archive = result.outputs.find((o) => o.destination === 'archive')!;
    assert.equal(archive.items, 2000, 'the archive gets everything, unsampled');
    assert.ok(honeycomb.items > 150 && honeycomb.items < 250, `${honeycomb.items}`);
    assert.equal(spansOf(honeycomb.body).length, honeycomb.items);
    assert.equal(spansOf(archive.body).some((s) => s.sampleRate !== undefined), false);
    const delta = result.sampling!.destinations;
    assert.equal(delta.length, 1);
    assert.deepEqual([delta[0]!.destination, delta[0]!.seen, delta[0]!.kept], ['honeycomb', 2000, honeycomb.items]);
  });

  it('rules see what the destination sees: a key redact dropped is absent to them', () => {
    const result = run(processor(), 50, 2, { attributes: { 'user.email': 'x@example.com' }, error: true });
    const honeycomb = result.outputs.find((o) => o.destination === 'honeycomb')!;
    assert.equal(honeycomb.items, 50, 'errors kept; the drop rule never saw user.email');
    assert.ok(spansOf(honeycomb.body).every((s) => !s.attributes.has('user.email')));
  });

  it('a request sampled to nothing sends nothing to that destination', () => {
    const p = processor();
    let emptied = 0;
    for (let seed = 10; seed < 40; seed++) {
      const result = run(p, 1, seed);
      if (!result.outputs.some((o) => o.destination === 'honeycomb')) emptied++;
      else assert.equal(result.outputs.find((o) => o.destination === 'honeycomb')!.items, 1);
    }
    assert.ok(emptied > 15, `${emptied}`);
  });
});

describe('sampling counts on the main thread', () => {
  it('sums deltas into /api/sampling (sorted) and cairn_sampling_* on /metrics', async () => {
    const p = processor();
    const registry = new Registry();
    const totals = new SamplingTotals(registry);
    let seen = 0;
    for (let seed = 0; seed < 5; seed++) {
      const result = run(p, 400, 100 + seed, seed === 0 ? { error: true } : {});
      totals.add(result.sampling);
      seen += 400;
    }
    const json = totals.toJSON();
    assert.equal(json.destinations.length, 1);
    const d = json.destinations[0]!;
    assert.equal(d.destination, 'honeycomb');
    assert.equal(d.dry_run, false);
    assert.equal(d.seen, seen);
    assert.equal(d.kept + d.dropped, seen);
    assert.equal(d.effective_sample_rate, seen / d.kept);
    assert.deepEqual(d.decisions.map((c) => c.sampler), ['head', 'keep']);
    assert.deepEqual(d.decisions[1], { sampler: 'keep', rule: 'keep[0]', key: null, kept: 400, dropped: 0, sample_rate: null });
    assert.equal(d.decisions[0]!.sample_rate, 10);
    const text = await registry.metrics();
    assert.match(text, new RegExp(`cairn_sampling_spans_total\\{destination="honeycomb",outcome="kept"\\} ${d.kept}`));
    assert.match(text, /cairn_sampling_decisions_total\{destination="honeycomb",sampler="keep",rule="keep\[0\]",key="",outcome="kept"\} 400/);
  });

  it('caps decision rows per destination: new keys past the cap count as _other', () => {
    const totals = new SamplingTotals(new Registry(), 3);
    const decisions = Array.from({ length: 10 }, (_, i) => ({ sampler: 'dynamic' as const, rule: null, key: `/route/${i}`, kept: 1, dropped: 1, sample_rate: 2 }));
    totals.add({ destinations: [{ destination: 'd', dry_run: false, seen: 20, kept: 10, dropped: 10, weight: 20, rule_errors: 0, decisions }] });
    const rows = totals.toJSON().destinations[0]!.decisions;
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[0], { sampler: 'dynamic', rule: null, key: '_other', kept: 7, dropped: 7, sample_rate: 2 });
  });

  it('a caller scoped to some services sees totals and unkeyed decisions, and only its own budget rows', () => {
    const totals = new SamplingTotals(new Registry());
    totals.add({ destinations: [{ destination: 'd', dry_run: false, seen: 9, kept: 4, dropped: 5, weight: 9, rule_errors: 0, decisions: [
      { sampler: 'dynamic', rule: null, key: 'payments•/pay', kept: 1, dropped: 1, sample_rate: 2 },
      { sampler: 'budget', rule: null, key: 'cart', kept: 1, dropped: 2, sample_rate: 3 },
      { sampler: 'budget', rule: null, key: 'payments', kept: 1, dropped: 2, sample_rate: 3 },
      { sampler: 'keep', rule: 'keep[0]', key: null, kept: 1, dropped: 0, sample_rate: null },
    ] }] });
    const seen = scoped(totals.toJSON(), { admin: false, services: new Set(['cart']) }).destinations[0]!;
    assert.equal(seen.seen, 9);
    assert.deepEqual(seen.decisions.map((c) => `${c.sampler}:${c.key}`), ['budget:cart', 'keep:null']);
  });
});
