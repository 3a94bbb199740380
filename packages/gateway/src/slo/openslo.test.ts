import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { formatSloProblem, type BurnRateAlert } from './definition.js';
import { loadSloFiles, parseSloTexts } from './openslo.js';
import { sloReadsOf } from './compile.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/slos/checkout.yaml', import.meta.url));

const SLO = (name: string, indicator: string) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: shop
${indicator}
  timeWindow: [{ duration: 7d, isRolling: true }]
  objectives: [{ target: 0.99 }]
`;
const SPANS = `  indicator:
    metadata: { name: ok }
    spec:
      spans: { where: 'true', good: 'span.status.code != 2' }`;

describe('OpenSLO v1 loader', () => {
  it('reads the example: SLI by reference, the Workbook alerts by default, a Timeslices calendar SLO with a referenced policy, condition and OTLP target', () => {
    const set = loadSloFiles([EXAMPLE]);
    assert.deepEqual(set.problems.map(formatSloProblem), []);
    assert.deepEqual(set.slos.map((s) => s.name), ['checkout-availability', 'checkout-latency-slices']);
    const [availability, slices] = set.slos;
    assert.equal(availability!.indicator.good, 'span.status.code != 2 && span.duration_ms < 500');
    assert.deepEqual(availability!.window, { kind: 'rolling', minutes: 28 * 1440, text: '28d' });
    assert.deepEqual(availability!.alerts.map((a) => [a.name, a.severity, a.kind === 'burn_rate' ? `${a.long}/${a.short}@${a.threshold}` : `${a.within}/${a.lookback}`]),
      [['page-fast', 'page', '1h/5m@14.4'], ['page-slow', 'page', '6h/30m@6'], ['ticket', 'ticket', '3d/6h@1'], ['exhaustion-24h', 'ticket', '1d/6h']]);
    assert.deepEqual(availability!.targets, [{ name: 'oncall', kind: 'otlp', destination: 'archive' }]);
    assert.equal(slices!.budgeting, 'Timeslices');
    assert.deepEqual(slices!.timeslice, { minutes: 5, target: 0.95 });
    assert.equal(slices!.window.kind, 'calendar');
    const alert = slices!.alerts[0] as BurnRateAlert;
    assert.deepEqual([alert.name, alert.long, alert.short, alert.threshold, alert.targets], ['latency-fast-burn', '1h', '5m', 14.4, ['oncall']]);
    assert.match(availability!.location, /checkout\.yaml:\d+:\d+$/);
  });

  it('a Prometheus SLI loads as `unsupported` naming file:line and field; the other SLOs still load', () => {
    const prometheus = `apiVersion: openslo/v1
kind: SLI
metadata:
  name: latency-prom
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: Prometheus
        spec: { query: 'sum(rate(http_requests_total{code!~"5.."}[5m]))' }
    total:
      metricSource:
        type: Prometheus
        spec: { query: 'sum(rate(http_requests_total[5m]))' }
---
${SLO('prom-slo', '  indicatorRef: latency-prom')}
---
${SLO('spans-slo', SPANS)}`;
    const set = parseSloTexts([{ file: 'team/slos.yaml', text: prometheus }]);
    assert.deepEqual(set.slos.map((s) => s.name), ['spans-slo']);
    assert.equal(set.problems.length, 1);
    const [p] = set.problems;
    assert.equal(p!.code, 'CAIRN_SLO_UNSUPPORTED');
    assert.equal(p!.location, 'team/slos.yaml:7:5');
    assert.equal(p!.field, 'SLI latency-prom.spec.ratioMetric');
    assert.match(formatSloProblem(p!), /^team\/slos\.yaml:7:5: unsupported: SLI latency-prom\.spec\.ratioMetric: data source Prometheus:/);
    assert.deepEqual(set.broken.map((b) => b.name), ['prom-slo']);
    assert.match(set.broken[0]!.error, /^unsupported: team\/slos\.yaml:7:5/);
  });

  it('other kinds and versions are unsupported with their line; Service is accepted silently', () => {
    const text = `apiVersion: openslo/v1
kind: DataSource
metadata: { name: prom }
spec: { type: Prometheus }
---
apiVersion: openslo/v1alpha
kind: SLO
metadata: { name: old }
---
apiVersion: openslo/v1
kind: Service
metadata: { name: shop }
spec: {}
`;
    const set = parseSloTexts([{ file: 'a.yaml', text }]);
    assert.deepEqual(set.problems.map((p) => [p.code, p.location, p.field]), [
      ['CAIRN_SLO_UNSUPPORTED', 'a.yaml:2:7', 'DataSource prom.kind'],
      ['CAIRN_SLO_UNSUPPORTED', 'a.yaml:6:13', 'SLO old.apiVersion'],
    ]);
  });

  it('errors inside one SLO name the file:line of the field and disable that SLO alone', () => {
    const text = `${SLO('bad-target', SPANS).replace('target: 0.99', 'target: 1.5')}---
${SLO('missing-ref', '  indicatorRef: nope')}---
${SLO('fine', SPANS)}---
${SLO('bad-alerts', SPANS).replace('  name: bad-alerts', '  name: bad-alerts\n  annotations:\n    cairn/alerts: "fast page 5m/1h 14.4"')}`;
    const set = parseSloTexts([{ file: 's.yaml', text }]);
    assert.deepEqual(set.slos.map((s) => s.name), ['fine']);
    assert.deepEqual(set.problems.map((p) => `${p.location} ${p.field}`), [
      's.yaml:12:26 SLO bad-target.spec.objectives.0.target',
      's.yaml:20:17 SLO missing-ref.spec.indicatorRef',
      's.yaml:42:19 SLO bad-alerts.metadata.annotations.cairn/alerts',
    ]);
  });

  it('YAML that does not parse is a CAIRN_SLO_FILE problem with its line; a missing file names itself', () => {
    const set = parseSloTexts([{ file: 'x.yaml', text: 'kind: SLO\n  bad: [indent\n' }]);
    assert.equal(set.problems[0]!.code, 'CAIRN_SLO_FILE');
    assert.match(set.problems[0]!.location, /^x\.yaml:\d+:\d+$/);
    const missing = loadSloFiles(['/nonexistent/slos.yaml']);
    assert.equal(missing.problems[0]!.code, 'CAIRN_SLO_FILE');
    assert.match(missing.problems[0]!.message, /ENOENT/);
  });

  it('property: any text, and any mutation of a valid file, loads without throwing; every problem names the file', () => {
    const valid = SLO('a', SPANS);
    const mutated = fc.tuple(fc.nat(valid.length), fc.nat(40), fc.string({ maxLength: 20 })).map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    const docs = fc.array(fc.oneof(mutated, fc.string({ maxLength: 200 }), fc.jsonValue().map((v) => JSON.stringify({ apiVersion: 'openslo/v1', kind: 'SLO', metadata: { name: 'j' }, spec: v }))), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('\n---\n'));
    fc.assert(fc.property(docs, (text) => {
      const set = parseSloTexts([{ file: 'p.yaml', text }]);
      for (const p of set.problems) assert.ok(p.location.startsWith('p.yaml'), p.location);
      for (const s of set.slos) assert.ok(s.objective > 0 && s.objective < 1 && s.alerts.every((a) => a.kind !== 'burn_rate' || a.shortMinutes < a.longMinutes));
      assert.equal(new Set([...set.slos, ...set.broken].map((s) => s.name)).size, set.slos.length + set.broken.length);
    }), { numRuns: process.env.CI ? 200 : 1000 });
  });
});

describe('sloReadsOf', () => {
  it('lists the span keys each SLO reads in where and good, for cairn report and cairn gaps; a broken SLO reads nothing', () => {
    const reads = sloReadsOf(parseSloTexts([{
      file: 'r.yaml',
      text: [
        SLO('paid', `  indicator:\n    metadata: { name: paid }\n    spec:\n      spans: { where: 'span.attributes["http.route"] == "/pay"', good: 'span.attributes["acme.payment.method"] != "" && span.status.code != 2' }`),
        SLO('broken', `  indicator:\n    metadata: { name: broken }\n    spec:\n      spans: { where: 'true', good: 'span.attributes[' }`),
      ].join('---\n'),
    }]));
    assert.deepEqual(reads, [{ slo: 'paid', service: 'shop', keys: ['acme.payment.method', 'http.route'] }]);
  });
});
