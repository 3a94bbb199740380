import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { thresholdForRate } from '../../cel/index.js';
import { spansOf } from '../sample/test-support.js';
import { compileTailRules, sampledIn } from './rules.js';
import { harness, tailConfig, tailOutput, testCompiler, traceIdOf, type Harness, type TestSpan } from './test-support.js';

const trace = (t: number, n: number, extra: Partial<TestSpan> = {}): TestSpan[] =>
  Array.from({ length: n }, (_, i) => ({ trace: t, span: t * 100 + i, root: i === 0, ...extra }));

async function metric(h: Harness, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await h.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((s, v) => s + v.value, 0);
}

const QUARTER = thresholdForRate(4);
/** The first trace numbers from `from` that 1-in-4 sampling keeps and drops. */
function sampledTraces(from: number): { kept: number; dropped: number } {
  let kept: number | undefined;
  let dropped: number | undefined;
  for (let t = from; kept === undefined || dropped === undefined; t++) {
    if (sampledIn(Buffer.from(traceIdOf(t), 'hex'), QUARTER)) kept ??= t;
    else dropped ??= t;
  }
  return { kept: kept!, dropped: dropped! };
}

function rows(h: Harness): number {
  return (h.queue.database.prepare('SELECT COUNT(*) AS n FROM tail_decisions').get() as { n: number }).n;
}

const RULES = [{ name: 'errors', when: 'error', keep: true }, { name: 'some', sample_rate: 4 }];

describe('tail: decisions survive a restart', () => {
  it('a late span after a restart follows the decision recorded before it: kept with the same weight, or dropped and counted as late', async () => {
    const config = tailConfig({ decision_wait: '1s', rules: RULES });
    const { kept, dropped } = sampledTraces(1);
    const first = harness({ hc: config });
    first.sampler.commit('t', [tailOutput('hc', [...trace(kept, 2), ...trace(dropped, 2)])], []);
    first.clock.now += 1000;
    assert.equal(first.sampler.decide(), 2);
    assert.equal(rows(first), 2);
    first.close();

    // A wait no test reaches: a late span that did not follow a recorded decision would stay buffered.
    const later = tailConfig({ decision_wait: '10m', rules: RULES });
    const second = harness({ hc: later }, { path: first.path });
    try {
      assert.deepEqual(second.sampler.restore(new Set(['hc']), later), { traces: 0, unknown: 0, decisions: 2 });
      const before = second.queued('hc').length;
      second.sampler.commit('t', [tailOutput('hc', [{ trace: kept, span: kept * 100 + 50 }, { trace: dropped, span: dropped * 100 + 50 }])], []);
      assert.equal(second.sampler.buffered()[0]!.traces, 0, 'both late spans followed a recorded decision');
      const late = second.queue.read('hc', 0, 1_000_000).slice(-1)[0]!;
      const spans = spansOf(late.body);
      assert.deepEqual(spans.map((s) => [s.traceId, s.sampleRate]), [[traceIdOf(kept), 4]]);
      assert.equal(second.queued('hc').length, before + 1);
      assert.equal(await metric(second, 'cairn_tail_spans_total', { late: 'true', decision: 'kept', rule: 'some' }), 1);
      assert.equal(await metric(second, 'cairn_tail_spans_total', { late: 'true', decision: 'dropped', rule: 'some' }), 1);
    } finally {
      second.close();
    }
  });

  it('the table is bounded by decision_cache_size, oldest first; the forgotten trace is buffered anew after a restart', () => {
    const config = tailConfig({ decision_wait: '1s', decision_cache_size: 2, rules: [{ name: 'rest', drop: true }] });
    const first = harness({ hc: config });
    for (let t = 1; t <= 3; t++) {
      first.sampler.commit('t', [tailOutput('hc', trace(t, 1))], []);
      first.clock.now += 1000;
      first.sampler.decide();
    }
    assert.equal(rows(first), 2);
    first.close();
    const second = harness({ hc: config }, { path: first.path });
    try {
      assert.equal(second.sampler.restore(new Set(['hc']), config).decisions, 2);
      second.sampler.commit('t', [tailOutput('hc', [{ trace: 1, span: 150 }, { trace: 2, span: 250 }, { trace: 3, span: 350 }])], []);
      // Trace 1 was trimmed: its late span waits as a new trace; 2 and 3 followed their decisions.
      assert.equal(second.sampler.buffered()[0]!.traces, 1);
    } finally {
      second.close();
    }
  });

  it('a decision round the queue refuses records nothing: decisions are written in the transaction of their moves', () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', rules: [{ name: 'rest', keep: true }] }) }, { queueLimit: 1 });
    try {
      h.sampler.commit('t', [tailOutput('hc', trace(1, 2))], []);
      h.queue.enqueue([{ destination: 'hc', tenant: 't', signal: 'traces', body: new Uint8Array(1), items: 0 }]);
      h.clock.now += 1000;
      assert.equal(h.sampler.decide(), 0);
      assert.equal(rows(h), 0);
      h.queue.ack('hc', h.queue.peek('hc', 0, 10).map((b) => b.id));
      assert.equal(h.sampler.decide(), 1);
      assert.equal(rows(h), 1);
    } finally {
      h.close();
    }
  });

  it('decisions of a rule no longer configured are not loaded, and a reload with new rules forgets them on disk too', () => {
    const config = tailConfig({ decision_wait: '1s', rules: [{ name: 'old', drop: true }] });
    const first = harness({ hc: config });
    first.sampler.commit('t', [tailOutput('hc', [...trace(1, 1), ...trace(2, 1)])], []);
    first.clock.now += 1000;
    first.sampler.decide();
    first.close();
    const renamed = tailConfig({ decision_wait: '1s', rules: [{ name: 'new', drop: true }] });
    const second = harness({ hc: renamed }, { path: first.path });
    try {
      assert.equal(second.sampler.restore(new Set(['hc']), renamed).decisions, 0);
      second.sampler.commit('t', [tailOutput('hc', trace(3, 1))], []);
      second.clock.now += 1000;
      second.sampler.decide();
      assert.equal(rows(second), 3);
      const keepAll = tailConfig({ decision_wait: '1s', rules: [{ name: 'all', keep: true }] });
      second.sampler.reconfigure(new Map([['hc', { config: keepAll, rules: compileTailRules(keepAll.rules, testCompiler) }]]), tailConfig({ decision_wait: '0s' }));
      assert.equal(rows(second), 0);
    } finally {
      second.close();
    }
  });
});
