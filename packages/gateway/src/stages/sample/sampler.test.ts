import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatThreshold, parseThreshold, readOtSampling, adjustedCount } from '../../cel/weight.js';
import { DestinationSampler, KEPT_ATTRIBUTE, RATE_ATTRIBUTE } from './sampler.js';
import { hexId, prng, request, sampling, spansOf, type SyntheticSpan } from './test-support.js';

function traces(n: number, seed = 1, extra: Partial<SyntheticSpan> = {}): SyntheticSpan[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => ({ traceId: hexId(random, 16), ...extra }));
}

describe('sampling: head, rules, weights', () => {
  it('head sampling keeps about 1 in N and writes SampleRate N and th on every kept span', () => {
    const sampler = new DestinationSampler('hc', sampling({ head: { sample_rate: 4 } }), 1);
    const out = sampler.sample(request(traces(4000)), 't', 0);
    const kept = spansOf(out.bytes);
    assert.equal(kept.length, out.kept);
    assert.ok(kept.length > 850 && kept.length < 1150, `${kept.length}`);
    for (const s of kept) {
      assert.equal(s.sampleRate, 4);
      assert.equal(s.traceState, 'ot=th:c');
    }
    const delta = sampler.recorder.take()!;
    assert.equal(delta.seen, 4000);
    assert.equal(delta.kept + delta.dropped, 4000);
    assert.equal(delta.weight, 4 * delta.kept);
    assert.deepEqual(delta.decisions.map((d) => [d.sampler, d.kept, d.dropped, d.sample_rate]), [['head', delta.kept, delta.dropped, 4]]);
  });

  it('the decision is the consistent one: kept exactly when the trace id\'s last 7 bytes reach the threshold', () => {
    const sampler = new DestinationSampler('hc', sampling({ head: { sample_rate: 4 } }), 1);
    const input = traces(500, 2);
    const kept = new Set(spansOf(sampler.sample(request(input), 't', 0).bytes).map((s) => s.traceId));
    for (const s of input) assert.equal(kept.has(s.traceId), s.traceId.slice(18) >= 'c0000000000000', s.traceId);
  });

  it('keep rules keep errors at SampleRate 1 whatever the rate; drop rules drop; keep wins over drop', () => {
    const doc = sampling({ head: { sample_rate: 1000 }, keep: ['span.status.code == 2'], drop: ['span.name == "GET /healthz"'] });
    const sampler = new DestinationSampler('hc', doc, 1);
    const input = [...traces(200, 3, { error: true }), ...traces(200, 4, { route: '/healthz' }), ...traces(5, 5, { route: '/healthz', error: true })];
    const kept = spansOf(sampler.sample(request(input), 't', 0).bytes);
    assert.equal(kept.filter((s) => s.name === 'GET /').length, 200, 'every error kept');
    assert.equal(kept.filter((s) => s.name === 'GET /healthz').length, 5, 'healthz dropped unless it is an error');
    for (const s of kept) {
      assert.equal(s.sampleRate, 1);
      assert.equal(s.traceState, 'ot=th:0');
    }
    const decisions = sampler.recorder.take()!.decisions;
    assert.deepEqual(decisions.find((d) => d.sampler === 'keep'), { sampler: 'keep', rule: 'keep[0]', key: null, kept: 205, dropped: 0, sample_rate: null });
    assert.deepEqual(decisions.find((d) => d.sampler === 'drop'), { sampler: 'drop', rule: 'drop[0]', key: null, kept: 0, dropped: 200, sample_rate: null });
  });

  it('a rule that reads a missing key does not match, and a rule that fails is counted', () => {
    const doc = sampling({ head: { sample_rate: 1 }, drop: ['span.attributes["tier"] == "free"', 'span.attributes["http.route"] > 3'] });
    const sampler = new DestinationSampler('hc', doc, 1);
    const out = sampler.sample(request([...traces(3, 6), ...traces(2, 7, { attributes: { tier: 'free' } })]), 't', 0);
    assert.equal(out.kept, 3);
    const delta = sampler.recorder.take()!;
    assert.equal(delta.rule_errors, 3, 'the type error on the 3 spans that reached the second rule');
  });

  it('combines upstream weights: thresholds by max, an unexplained SampleRate by product', () => {
    const sampler = new DestinationSampler('hc', sampling({ head: { sample_rate: 4 } }), 1);
    const random = prng(8);
    const input: SyntheticSpan[] = [];
    // ids whose randomness passes th:c, so our 1-in-4 keeps them all
    while (input.length < 40) {
      const id = hexId(random, 16);
      if (id.slice(18) < 'c0000000000000') continue;
      input.push(input.length % 2 === 0 ? { traceId: id, traceState: 'rojo=00f067aa0ba902b7,ot=th:8' } : { traceId: id, sampleRate: 5 });
    }
    const kept = spansOf(sampler.sample(request(input), 't', 0).bytes);
    assert.equal(kept.length, 40);
    for (const s of kept) {
      if (s.attributes.get('http.route') === undefined) continue;
      if (s.traceState.includes('rojo')) {
        assert.equal(s.traceState, 'ot=th:c,rojo=00f067aa0ba902b7');
        assert.equal(s.sampleRate, 4, 'upstream 1 in 2 then 1 in 4 by the same randomness: 1 in 4');
      } else {
        assert.equal(s.traceState, 'ot=th:c');
        assert.equal(s.sampleRate, 20, 'upstream SampleRate 5 without th: 5 × 4');
      }
    }
  });

  it('distrusts an upstream th that the trace id contradicts, and uses rv when given', () => {
    const sampler = new DestinationSampler('hc', sampling({ head: { sample_rate: 2 } }), 1);
    // last 7 bytes 00...: randomness 0 < th:8, so th:8 cannot have kept it; rv says ff…: kept by 1 in 2.
    const id = '0af7651916cd43dd8400000000000001';
    const kept = spansOf(sampler.sample(request([{ traceId: id, traceState: 'ot=th:8;rv:ffffffffffffff' }, { traceId: id, traceState: 'ot=th:8' }]), 't', 0).bytes);
    assert.equal(kept.length, 1, 'the rv span passes 1 in 2; the other (randomness 0) does not');
    assert.equal(readOtSampling(kept[0]!.traceState).rv !== undefined, true);
    assert.equal(formatThreshold(readOtSampling(kept[0]!.traceState).th!), '8');
  });

  it('dry_run sends every span, marked cairn.sampling.kept, with no weight written', () => {
    const sampler = new DestinationSampler('hc', sampling({ head: { sample_rate: 4 }, dry_run: true }), 1);
    const out = sampler.sample(request(traces(1000, 9)), 't', 0);
    const spans = spansOf(out.bytes);
    assert.equal(spans.length, 1000);
    assert.equal(out.kept, 1000);
    const marked = spans.filter((s) => s.attributes.get(KEPT_ATTRIBUTE) === true);
    assert.equal(spans.filter((s) => s.attributes.get(KEPT_ATTRIBUTE) === false).length + marked.length, 1000);
    for (const s of marked) assert.equal(s.attributes.get(RATE_ATTRIBUTE), 4);
    assert.ok(spans.every((s) => s.sampleRate === undefined && s.traceState === ''));
    const delta = sampler.recorder.take()!;
    assert.equal(delta.dry_run, true);
    assert.equal(delta.kept, marked.length);
    assert.equal(delta.dropped, 1000 - marked.length);
  });

  it('limits truncate long values, cut attributes and events, and count what they did', () => {
    const doc = sampling({ limits: { max_attribute_value_length: 8, max_attributes_per_span: 2, max_events_per_span: 1 } });
    const sampler = new DestinationSampler('hc', doc, 1);
    const out = sampler.sample(request([{ traceId: hexId(prng(10), 16), route: '/a/very/long/route', attributes: { a: 1, b: 2 }, events: 3 }]), 't', 0);
    const [span] = spansOf(out.bytes);
    assert.equal(span!.attributes.get('http.route'), '/a/very/');
    assert.equal(span!.attributes.has('a'), true);
    assert.equal(span!.attributes.has('b'), false);
    assert.equal(span!.droppedAttributes, 1);
    assert.equal(span!.eventCount, 1);
    assert.equal(span!.droppedEvents, 2);
    assert.equal(span!.sampleRate, 1);
    const limits = sampler.recorder.take()!.decisions.filter((d) => d.sampler === 'limit').map((d) => [d.rule, d.kept, d.dropped]);
    assert.deepEqual(limits, [['max_attribute_value_length', 1, 1], ['max_attributes_per_span', 1, 1], ['max_events_per_span', 1, 2]]);
  });

  it('th written for a rate reads back as that rate\'s weight', () => {
    for (const rate of [1, 2, 3, 10, 20, 100, 1000]) {
      const sampler = new DestinationSampler('hc', sampling({ head: { sample_rate: rate } }), 1);
      const kept = spansOf(sampler.sample(request(traces(3000, rate)), 't', 0).bytes);
      for (const s of kept) assert.equal(Math.round(adjustedCount(parseThreshold(s.traceState.slice(6))!)), rate);
    }
  });
});
