import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTraces, decodeTraces } from '@cairn/otlp';
import { thresholdForRate } from '../../cel/index.js';
import { KEPT_ATTRIBUTE, RATE_ATTRIBUTE } from '../sample/sampler.js';
import { spansOf, type OutSpan } from '../sample/test-support.js';
import { sampledIn } from './rules.js';
import type { TailOutput } from './sampler.js';
import { splitByTrace } from './split.js';
import { weightStamper } from './stamp.js';
import { harness, tailConfig, tailOutput, traceIdOf, type TestSpan } from './test-support.js';

const trace = (t: number, n: number, extra: Partial<TestSpan> = {}): TestSpan[] =>
  Array.from({ length: n }, (_, i) => ({ trace: t, span: t * 100 + i, root: i === 0, ...extra }));

const QUARTER = thresholdForRate(4);

describe('tail: dry_run', () => {
  it('delivers every trace whole, each span marked with what its decision would have done, and counts the would-be decisions', () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', rules: [{ name: 'errors', when: 'error', keep: true }, { name: 'some', sample_rate: 4 }] }) }, { dryRun: true });
    try {
      for (let t = 1; t <= 100; t++) h.sampler.commit('t', [tailOutput('hc', trace(t, 2, { error: t % 10 === 0 }))], []);
      h.clock.now += 1000;
      while (h.sampler.decide() > 0);
      const spans: OutSpan[] = h.queue.read('hc', 0, 1_000_000).flatMap((b) => spansOf(b.body));
      assert.equal(spans.length, 200);
      let wouldKeep = 0;
      for (let t = 1; t <= 100; t++) {
        const mine = spans.filter((s) => s.traceId === traceIdOf(t));
        assert.equal(mine.length, 2, `trace ${t} delivered whole`);
        const error = t % 10 === 0;
        const keep = error || sampledIn(Buffer.from(traceIdOf(t), 'hex'), QUARTER);
        if (keep) wouldKeep += 2;
        for (const s of mine) {
          assert.equal(s.attributes.get(KEPT_ATTRIBUTE), keep);
          assert.equal(s.attributes.get(RATE_ATTRIBUTE), keep ? (error ? 1 : 4) : undefined);
          assert.equal(s.sampleRate, undefined, 'no SampleRate in dry run');
          assert.equal(s.traceState, '', 'no th in dry run');
        }
      }
      assert.ok(wouldKeep > 20 && wouldKeep < 200, `${wouldKeep} spans would be kept`);
      const decisions = h.counts.decisions('hc');
      assert.equal(decisions.reduce((n, d) => n + d.kept, 0), wouldKeep);
      assert.equal(decisions.reduce((n, d) => n + d.dropped, 0), 200 - wouldKeep);
    } finally {
      h.close();
    }
  });

  it('late spans are delivered too, marked with the cached decision', () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', rules: [{ name: 'rest', drop: true }] }) }, { dryRun: true });
    try {
      h.sampler.commit('t', [tailOutput('hc', trace(1, 1))], []);
      h.clock.now += 1000;
      h.sampler.decide();
      h.sampler.commit('t', [tailOutput('hc', [{ trace: 1, span: 150 }])], []);
      assert.equal(h.sampler.buffered()[0]!.traces, 0);
      const spans = h.queue.read('hc', 0, 100).flatMap((b) => spansOf(b.body));
      assert.deepEqual(spans.map((s) => s.attributes.get(KEPT_ATTRIBUTE)), [false, false]);
      assert.equal(h.counts.decisions('hc')[0]!.dropped, 2);
    } finally {
      h.close();
    }
  });

  it('spans the per-span samplers\' dry run marked dropped are delivered but left out of tail\'s counts: they would never have reached it', () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', rules: [{ name: 'all', keep: true }] }) }, { dryRun: true });
    try {
      const body = buildTraces([{ resource: { attributes: { 'service.name': 's' } }, scopeSpans: [{ scope: { name: 't' }, spans: [0, 1, 2].map((n) => ({
        traceId: traceIdOf(1), spanId: (n + 1).toString(16).padStart(16, '0'), name: 'op', kind: 2, startTimeUnixNano: 1n, endTimeUnixNano: 2n,
        attributes: { [KEPT_ATTRIBUTE]: n !== 0, ...(n !== 0 ? { [RATE_ATTRIBUTE]: 1 } : {}) },
      })) }] }]);
      const output = (): TailOutput => {
        const split = splitByTrace(decodeTraces(body));
        return { destination: 'hc', body: split.body, items: 3, tail: { traceIds: split.traceIds, ends: split.ends, spans: split.spans } };
      };
      h.sampler.commit('t', [output()], []);
      h.clock.now += 1000;
      h.sampler.decide();
      h.sampler.commit('t', [output()], []);
      const spans = h.queue.read('hc', 0, 100).flatMap((b) => spansOf(b.body));
      assert.deepEqual(spans.map((s) => s.attributes.get(KEPT_ATTRIBUTE)), [false, true, true, false, true, true]);
      assert.deepEqual(h.counts.decisions('hc').map((d) => [d.rule, d.kept, d.dropped]), [['all', 4, 0]]);
    } finally {
      h.close();
    }
  });

  it('marks combine with the per-span samplers\' dry-run marks: their kept=false stays, the larger rate wins', () => {
    const id = traceIdOf(1);
    const span = (n: number, attributes: Record<string, boolean | number>) => ({
      traceId: id, spanId: (n + 1).toString(16).padStart(16, '0'), name: 'op', kind: 2,
      startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes,
    });
    const body = buildTraces([{ resource: { attributes: { 'service.name': 's' } }, scopeSpans: [{ scope: { name: 't' }, spans: [
      span(0, { [KEPT_ATTRIBUTE]: false }),
      span(1, { [KEPT_ATTRIBUTE]: true, [RATE_ATTRIBUTE]: 8 }),
      span(2, { [KEPT_ATTRIBUTE]: true, [RATE_ATTRIBUTE]: 2 }),
      span(3, { SampleRate: 5 }),
    ] }] }]);
    const tally = { spans: 0 };
    const kept = spansOf(weightStamper.mark(body, true, 4, tally));
    assert.equal(tally.spans, 1);
    assert.deepEqual(kept.map((s) => [s.attributes.get(KEPT_ATTRIBUTE), s.attributes.get(RATE_ATTRIBUTE) ?? null]), [[false, null], [true, 8], [true, 4], [true, 20]]);
    const dropped = spansOf(weightStamper.mark(body, false, 4, tally));
    assert.deepEqual(dropped.map((s) => [s.attributes.get(KEPT_ATTRIBUTE), s.attributes.has(RATE_ATTRIBUTE)]), [[false, false], [false, false], [false, false], [false, false]]);
    assert.ok(kept.every((s) => s.traceState === ''));
  });
});
