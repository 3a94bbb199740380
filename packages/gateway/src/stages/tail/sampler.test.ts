import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttributeCursor, decodeTraces } from '@cairn/otlp';
import { formatThreshold, thresholdForRate } from '../../cel/index.js';
import { QueueFullError } from '../../queue/types.js';
import { compileTailRules } from './rules.js';
import { harness, tailConfig, tailOutput, testCompiler, type TestSpan } from './test-support.js';

const trace = (t: number, n: number, extra: Partial<TestSpan> = {}, first = t * 100): TestSpan[] =>
  Array.from({ length: n }, (_, i) => ({ trace: t, span: first + i, root: i === 0, ...extra }));

async function metric(h: ReturnType<typeof harness>, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await h.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((s, v) => s + v.value, 0);
}

describe('tail: sampler', () => {
  it('buffers until decision_wait is over, then decides whole traces by the first matching rule', async () => {
    const h = harness({ hc: tailConfig({ decision_wait: '10s', rules: [{ name: 'errors', when: 'error', keep: true }, { name: 'big', when: 'spans >= 3', drop: true }, { name: 'rest', keep: true }] }) });
    const rows: { kept: number; dropped: number; rule: string | null }[] = [];
    h.counts.listen((destination, row) => { if (destination === 'hc') rows.push(row); });
    try {
      h.sampler.commit('t', [tailOutput('hc', [...trace(1, 3, { error: true }), ...trace(2, 3), ...trace(3, 1)])], []);
      h.clock.now += 9_999;
      assert.equal(h.sampler.decide(), 0);
      assert.deepEqual(h.queued('hc'), []);
      assert.equal(h.sampler.buffered()[0]!.traces, 3);
      h.clock.now += 1;
      assert.equal(h.sampler.decide(), 3);
      // Trace 1 has an error and 3 spans: the first rule wins. Trace 2 is dropped, trace 3 kept by `rest`.
      assert.deepEqual(h.queued('hc').sort((a, b) => a - b), [100, 101, 102, 300]);
      assert.deepEqual(h.sampler.buffered()[0], { destination: 'hc', traces: 0, bytes: 0 });
      assert.deepEqual(h.counts.decisions('hc'), [
        { sampler: 'tail', rule: 'big', key: null, kept: 0, dropped: 3, sample_rate: 1 },
        { sampler: 'tail', rule: 'errors', key: null, kept: 3, dropped: 0, sample_rate: 1 },
        { sampler: 'tail', rule: 'rest', key: null, kept: 1, dropped: 0, sample_rate: 1 },
      ]);
      assert.equal(await metric(h, 'cairn_tail_traces_total', { rule: 'big', decision: 'dropped', reason: 'wait' }), 1);
      // What the sampling stage's totals receive: the same counts, row by row.
      assert.deepEqual([rows.reduce((s, r) => s + r.kept, 0), rows.reduce((s, r) => s + r.dropped, 0)], [4, 3]);
    } finally {
      h.close();
    }
  });

  it('gathers a trace from several requests and commits other destinations in the same transaction', () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', rules: [{ name: 'errors', when: 'error', keep: true }, { name: 'rest', drop: true }] }) });
    try {
      const plain = { destination: 'plain', tenant: 't', signal: 'traces' as const, body: new Uint8Array([10, 0]), items: 0 };
      h.sampler.commit('t', [tailOutput('hc', trace(1, 2))], [plain]);
      h.sampler.commit('t', [tailOutput('hc', [{ trace: 1, span: 150, error: true }])], []);
      assert.equal(h.queue.depth('plain').batches, 1);
      h.clock.now += 1000;
      h.sampler.decide();
      // The error arrived in the second request: the whole trace is kept.
      assert.deepEqual(h.queued('hc').sort((a, b) => a - b), [100, 101, 150]);
    } finally {
      h.close();
    }
  });

  it('sends late spans where their trace went, from the decision cache, and counts them', async () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', decision_cache_size: 2, rules: [{ name: 'errors', when: 'error', keep: true }, { name: 'rest', drop: true }] }) });
    try {
      h.sampler.commit('t', [tailOutput('hc', [...trace(1, 1, { error: true }), ...trace(2, 1)])], []);
      h.clock.now += 1000;
      h.sampler.decide();
      h.sampler.commit('t', [tailOutput('hc', [{ trace: 1, span: 101 }, { trace: 2, span: 201 }])], []);
      assert.deepEqual(h.queued('hc').sort((a, b) => a - b), [100, 101]);
      assert.equal(h.sampler.buffered()[0]!.traces, 0);
      assert.equal(await metric(h, 'cairn_tail_spans_total', { late: 'true', decision: 'kept', rule: 'errors' }), 1);
      assert.equal(await metric(h, 'cairn_tail_spans_total', { late: 'true', decision: 'dropped', rule: 'rest' }), 1);
      // The cache is bounded: a third and fourth decision evict trace 1, whose next late span is buffered anew.
      h.sampler.commit('t', [tailOutput('hc', [...trace(3, 1), ...trace(4, 1)])], []);
      h.clock.now += 1000;
      h.sampler.decide();
      h.sampler.commit('t', [tailOutput('hc', [{ trace: 1, span: 102 }])], []);
      assert.equal(h.sampler.buffered()[0]!.traces, 1);
      assert.equal(await metric(h, 'cairn_tail_decision_cache_evictions_total', {}), 2);
    } finally {
      h.close();
    }
  });

  it('decides a trace over its span or byte limit at once, and later spans follow', async () => {
    const h = harness({ hc: tailConfig({ decision_wait: '10m', max_spans_per_trace: 5, max_bytes_per_trace: 600, rules: [{ name: 'rest', keep: true }] }) });
    try {
      h.sampler.commit('t', [tailOutput('hc', [...trace(1, 6), ...trace(2, 2), ...trace(3, 1)])], []);
      assert.equal(h.sampler.hasUrgent, true);
      assert.equal(h.sampler.decide(), 1);
      assert.deepEqual(h.queued('hc').sort((a, b) => a - b), [100, 101, 102, 103, 104, 105]);
      assert.equal(await metric(h, 'cairn_tail_traces_total', { reason: 'span_limit' }), 1);
      // Trace 2 grows past max_bytes_per_trace over several requests.
      for (let i = 0; i < 20 && !h.sampler.hasUrgent; i++) h.sampler.commit('t', [tailOutput('hc', [{ trace: 2, span: 210 + i }])], []);
      assert.equal(h.sampler.decide(), 1);
      assert.equal(await metric(h, 'cairn_tail_traces_total', { reason: 'byte_limit' }), 1);
      assert.equal(h.sampler.buffered()[0]!.traces, 1);
    } finally {
      h.close();
    }
  });

  it('bounds the buffer in bytes: the oldest traces are decided early, counted as overflow', async () => {
    const h = harness({ hc: tailConfig({ decision_wait: '10m', buffer_max_bytes: 3000, max_bytes_per_trace: 3000, rules: [{ name: 'rest', keep: true }] }) });
    try {
      for (let t = 1; t <= 30; t++) h.sampler.commit('t', [tailOutput('hc', trace(t, 2))], []);
      while (h.sampler.decide() > 0);
      const left = h.sampler.buffered()[0]!;
      assert.ok(left.bytes <= 3000, `buffer holds ${left.bytes} bytes`);
      const overflow = await metric(h, 'cairn_tail_traces_total', { reason: 'overflow' });
      assert.equal(overflow + left.traces, 30);
      // The oldest went first.
      assert.deepEqual(h.queued('hc').slice(0, 2).sort((a, b) => a - b), [100, 101]);
    } finally {
      h.close();
    }
  });

  it('keeps traces buffered while the destination queue is full, then refuses new data once the buffer is full too', async () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', buffer_max_bytes: 2000, max_bytes_per_trace: 2000, rules: [{ name: 'rest', keep: true }] }) }, { queueLimit: 1 });
    try {
      h.sampler.commit('t', [tailOutput('hc', trace(1, 2))], []);
      h.queue.enqueue([{ destination: 'hc', tenant: 't', signal: 'traces', body: new Uint8Array(1), items: 0 }]);
      h.clock.now += 1000;
      assert.equal(h.sampler.decide(), 0);
      assert.equal(h.sampler.buffered()[0]!.traces, 1);
      assert.equal(await metric(h, 'cairn_tail_queue_full_total', {}), 1);
      assert.throws(() => { for (let t = 2; t < 40; t++) h.sampler.commit('t', [tailOutput('hc', trace(t, 2))], []); }, QueueFullError);
      h.queue.ack('hc', h.queue.peek('hc', 0, 10).map((b) => b.id));
      // Room again: everything buffered is decided (the queue takes one batch over its limit per commit).
      h.clock.now += 1000;
      while (h.sampler.decide() > 0) h.queue.ack('hc', h.queue.peek('hc', 0, 10).map((b) => b.id));
      assert.equal(h.sampler.buffered()[0]!.traces, 0);
    } finally {
      h.close();
    }
  });

  it('a rule that fails at run time does not match and is counted', async () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', rules: [{ name: 'bad', when: 'boom', drop: true }, { name: 'root', when: 'root_ms > 100', drop: true }] }) });
    try {
      h.sampler.commit('t', [tailOutput('hc', [...trace(1, 2), { trace: 2, span: 200, durationMs: 5 }])], []);
      h.clock.now += 1000;
      h.sampler.decide();
      // Trace 1's root lasted 1 ms; trace 2 has no root (absent): neither matches; both kept.
      assert.deepEqual(h.queued('hc').sort((a, b) => a - b), [100, 101, 200]);
      assert.equal(await metric(h, 'cairn_tail_rule_errors_total', {}), 2);
    } finally {
      h.close();
    }
  });

  it('restart: a new process finds the undecided traces, keeps their wait, and decides them', () => {
    const config = tailConfig({ decision_wait: '10s', rules: [{ name: 'errors', when: 'error', keep: true }, { name: 'rest', drop: true }] });
    const first = harness({ hc: config });
    first.sampler.commit('t', [tailOutput('hc', [...trace(1, 2, { error: true }), ...trace(2, 2)])], []);
    first.close();
    const second = harness({ hc: config }, { path: first.path, start: first.clock.now + 5000 });
    try {
      assert.deepEqual(second.sampler.restore(new Set(['hc']), config), { traces: 2, unknown: 0, decisions: 0 });
      assert.equal(second.sampler.decide(), 0);
      second.clock.now += 5000;
      assert.equal(second.sampler.decide(), 2);
      assert.deepEqual(second.queued('hc').sort((a, b) => a - b), [100, 101]);
    } finally {
      second.close();
    }
  });

  it('sample_rate keeps 1 trace in N by trace id and stamps SampleRate on every kept span', () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', rules: [{ name: 'some', sample_rate: 4 }] }) });
    try {
      for (let t = 1; t <= 400; t++) h.sampler.commit('t', [tailOutput('hc', trace(t, 2))], []);
      h.clock.now += 1000;
      while (h.sampler.decide() > 0);
      const kept = h.counts.decisions('hc')[0]!;
      assert.equal(kept.kept + kept.dropped, 800);
      assert.ok(kept.kept > 800 / 4 * 0.6 && kept.kept < 800 / 4 * 1.4, `kept ${kept.kept} of 800`);
      assert.equal(kept.kept % 2, 0);
      // Every kept span carries its weight: SampleRate 4 and the matching ot=th.
      const first = h.queue.read('hc', 0, 1)[0]!;
      const view = decodeTraces(first.body);
      const c = view.spans();
      const a = new AttributeCursor();
      while (c.next()) {
        let rate: number | undefined;
        c.attributes(a);
        while (a.next()) if (a.keyIs('SampleRate')) rate = a.numberValue;
        assert.equal(rate, 4);
        assert.equal(c.traceState, `ot=th:${formatThreshold(thresholdForRate(4))}`);
      }
    } finally {
      h.close();
    }
  });

  it('reload: new rules decide what is buffered; a destination no longer tail-sampled gets its traces whole', () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', rules: [{ name: 'rest', drop: true }] }), other: tailConfig({ decision_wait: '1m', rules: [{ name: 'rest', drop: true }] }) });
    try {
      h.sampler.commit('t', [tailOutput('hc', trace(1, 2)), tailOutput('other', trace(2, 2))], []);
      const keepAll = tailConfig({ decision_wait: '1s', rules: [{ name: 'all', keep: true }] });
      h.sampler.reconfigure(new Map([['hc', { config: keepAll, rules: compileTailRules(keepAll.rules, testCompiler) }]]), tailConfig({ decision_wait: '0s' }));
      // `other` left tail sampling: delivered at once, without waiting its minute.
      assert.equal(h.sampler.decide(), 1);
      assert.deepEqual(h.queued('other').sort((a, b) => a - b), [200, 201]);
      h.clock.now += 1000;
      assert.equal(h.sampler.decide(), 1);
      assert.deepEqual(h.queued('hc').sort((a, b) => a - b), [100, 101]);
      assert.deepEqual(h.sampler.buffered().filter((b) => b.traces > 0), []);
    } finally {
      h.close();
    }
  });

  it('a giant trace does not starve the others: decided early, in a round that also decides due traces, and its later spans never grow the buffer', () => {
    const h = harness({ hc: tailConfig({ decision_wait: '1s', max_spans_per_trace: 100, rules: [{ name: 'rest', keep: true }] }) });
    try {
      for (let t = 1; t <= 10; t++) h.sampler.commit('t', [tailOutput('hc', trace(t, 2))], []);
      h.clock.now += 1000;
      h.sampler.commit('t', [tailOutput('hc', trace(99, 500, {}, 10_000))], []);
      // One round of at most 8 traces: the giant one first, then the oldest due ones.
      assert.equal(h.sampler.decide(8), 8);
      assert.equal(h.sampler.buffered()[0]!.traces, 3);
      for (let i = 0; i < 5; i++) h.sampler.commit('t', [tailOutput('hc', trace(99, 200, {}, 20_000 + i * 200))], []);
      assert.equal(h.sampler.buffered()[0]!.traces, 3);
      assert.equal(h.sampler.decide(8), 3);
      assert.equal(h.queued('hc').length, 10 * 2 + 500 + 5 * 200);
    } finally {
      h.close();
    }
  });
});
