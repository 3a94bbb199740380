import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTraces, decodeTraces, type SpanInput } from '@cairn/otlp';
import type { ResolvedRegistry } from '@cairn/conventions';
import { compileSlos, sloRegistryProblems } from './compile.js';
import { parseSloTexts } from './openslo.js';
import { SloTap } from './tap.js';

const MIN = 60_000;
const NOW = 1_764_000_000_000; // an arrival time, ms

function sloText(name: string, where: string, good: string): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: checkout
  indicator:
    metadata: { name: ${name}-sli }
    spec:
      spans:
        where: ${JSON.stringify(where)}
        good: ${JSON.stringify(good)}
  timeWindow: [{ duration: 28d, isRolling: true }]
  objectives: [{ target: 0.99 }]
---
`;
}

function defs(...texts: string[]) {
  const set = parseSloTexts([{ file: 'slos.yaml', text: texts.join('') }]);
  assert.deepEqual(set.problems, []);
  return set.slos;
}

let spanNo = 0;
function span(extra: Partial<SpanInput>): SpanInput {
  spanNo++;
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: spanNo.toString(16).padStart(16, '0'), name: 'POST /checkout', kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_200_000_000n, ...extra,
  };
}

function view(service: string, spans: SpanInput[]) {
  return decodeTraces(buildTraces([{ resource: { attributes: { 'service.name': service } }, scopeSpans: [{ scope: { name: 't' }, spans }] }]));
}

describe('SLI tap', () => {
  it('counts good, bad and unjudgeable among the spans `where` matches, per SLO, in the arrival minute', () => {
    const tap = new SloTap(defs(
      sloText('errors', 'resource["service.name"] == "checkout" && span.kind == 2', 'span.status.code != 2'),
      sloText('fast-routes', 'span.kind == 2', 'span.attributes["http.route"] != "/slow" && span.duration_ms < 500'),
    ));
    const delta = tap.run(view('checkout', [
      span({ status: { code: 2 }, attributes: { 'http.route': '/a' } }),
      span({ attributes: { 'http.route': '/slow' } }),
      span({}), // no http.route: fast-routes cannot judge it
      span({ kind: 3, status: { code: 2 } }), // a client span: neither SLO's `where`
    ]), NOW)!;
    const by = Object.fromEntries(delta.counts.map((c) => [c.slo, [c.minute, c.good, c.bad, c.unjudgeable, c.missing]]));
    assert.deepEqual(by.errors, [Math.floor(NOW / MIN), 2, 1, 0, {}]);
    assert.deepEqual(by['fast-routes'], [Math.floor(NOW / MIN), 1, 1, 1, { 'span.attributes["http.route"]': 1 }]);
    assert.deepEqual(delta.errors, []);
    assert.equal(tap.run(view('other', [span({ kind: 3 })]), NOW), undefined, 'nothing matched: no delta');
  });

  it('a key read under `!` is decoded: !(…) judges spans that carry it instead of calling them unjudgeable', () => {
    const tap = new SloTap(defs(sloText('not-slow', 'true', '!(span.attributes["http.route"] == "/slow")')));
    const delta = tap.run(view('checkout', [span({ attributes: { 'http.route': '/slow' } }), span({ attributes: { 'http.route': '/a' } }), span({})]), NOW)!;
    assert.deepEqual([delta.counts[0]!.good, delta.counts[0]!.bad, delta.counts[0]!.unjudgeable], [1, 1, 1]);
  });

  it('weights each span by its upstream sampling: SampleRate, or the ot=th threshold in tracestate', () => {
    const tap = new SloTap(defs(sloText('errors', 'true', 'span.status.code != 2')));
    const delta = tap.run(view('checkout', [
      span({ attributes: { SampleRate: 10 } }),
      span({ status: { code: 2 }, traceState: 'ot=th:8' }), // th 8 = keep 1/2: weight 2
      span({ attributes: { SampleRate: 'nonsense' } }), // weight 1
    ]), NOW)!;
    assert.deepEqual([delta.counts[0]!.good, delta.counts[0]!.bad], [11, 2]);
  });

  it('an SLO whose expression fails at run time is reported and disabled alone; the others go on counting', () => {
    const tap = new SloTap(defs(
      sloText('broken', 'true', 'span.attributes["http.route"] + 1 > 0'),
      sloText('fine', 'true', 'span.status.code != 2'),
    ));
    const first = tap.run(view('checkout', [span({ attributes: { 'http.route': '/a' } }), span({})]), NOW)!;
    assert.equal(first.errors.length, 1);
    assert.equal(first.errors[0]!.slo, 'broken');
    assert.match(first.errors[0]!.message, /^CAIRN_CEL_RUNTIME: /);
    assert.deepEqual(first.counts.map((c) => [c.slo, c.good]), [['fine', 2]]);
    const second = tap.run(view('checkout', [span({ attributes: { 'http.route': '/a' } })]), NOW)!;
    assert.deepEqual(second.errors, []);
    assert.deepEqual(second.counts.map((c) => c.slo), ['fine']);
  });

  it('on the event clock (replay), each span counts in the minute it ended', () => {
    const tap = new SloTap(defs(sloText('errors', 'true', 'span.status.code != 2')), 'event');
    const t = 1_700_000_000_000;
    const delta = tap.run(view('checkout', [
      span({ endTimeUnixNano: BigInt(t) * 1_000_000n }),
      span({ endTimeUnixNano: BigInt(t + 3 * MIN) * 1_000_000n, status: { code: 2 } }),
    ]), NOW)!;
    assert.deepEqual(delta.counts.map((c) => [c.minute - Math.floor(t / MIN), c.good, c.bad]), [[0, 1, 0], [3, 0, 1]]);
  });

  it('CEL that does not compile disables that SLO with CAIRN_CEL_EXPRESSION naming the file, line and field', () => {
    const all = defs(sloText('typo', 'span.knd == 2', 'true'), sloText('fine', 'true', 'true'));
    const broken = compileSlos(all);
    assert.equal(broken.length, 1);
    assert.equal(broken[0]!.name, 'typo');
    assert.match(broken[0]!.error, /^CAIRN_CEL_EXPRESSION: slos\.yaml:\d+:\d+: SLO typo\.spec\.indicator\.spec\.spans\.where: /);
    assert.equal(new SloTap(all).size, 1);
  });

  it('registry check: a key an SLO reads that the registry lacks is named with the SLO and the expression; an alias names its canonical key', () => {
    const registry = { attributes: [{ key: 'http.route', type: 'string' }, { key: 'service.name', type: 'string' }], aliases: { route: 'http.route' } } as unknown as ResolvedRegistry;
    const problems = sloRegistryProblems(defs(sloText('routes', 'resource["service.name"] == "checkout"', 'span.attributes["http.route"] != "/x" && span.attributes["acme.tier"] == "gold" && span.attributes.route == "y"')), registry);
    assert.deepEqual(problems.map((p) => [p.slo, p.field, p.key]), [['routes', 'good', 'acme.tier'], ['routes', 'good', 'route']]);
    assert.match(problems[0]!.message, /^SLO routes: good `span\.attributes\["http\.route"\] != "\/x" && .*` reads span\.attributes\["acme\.tier"\], which is not in the registry$/);
    assert.match(problems[1]!.message, /an alias of http\.route/);
  });
});

describe('SLI tap without generated code', () => {
  it('a Node that refuses code generation from strings counts the same, every expression in CEL', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { parseSloTexts } from './openslo.js';
      import { SloTap } from './tap.js';
      import { buildTraces, decodeTraces } from '@cairn/otlp';
      const set = parseSloTexts([{ file: 's.yaml', text: ${JSON.stringify(sloText('errors', 'span.kind == 2', 'span.status.code != 2'))} }]);
      const view = decodeTraces(buildTraces([{ resource: { attributes: { 'service.name': 'c' } }, scopeSpans: [{ scope: { name: 't' }, spans: [
        { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0000000000000001', name: 'a', kind: 2, startTimeUnixNano: 1n, endTimeUnixNano: 2n, status: { code: 2 } },
        { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0000000000000002', name: 'b', kind: 2, startTimeUnixNano: 1n, endTimeUnixNano: 2n } ] }] }]));
      const c = new SloTap(set.slos).run(view, 0).counts[0];
      process.stdout.write(JSON.stringify([c.good, c.bad]));`;
    const result = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { cwd: new URL('.', import.meta.url).pathname, encoding: 'utf8' });
    assert.equal(result.stdout, '[1,1]', result.stderr);
  });
});
