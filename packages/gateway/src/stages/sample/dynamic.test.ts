// Dynamic sampling and budgets over synthetic skewed streams, on a test clock: the effective rate
// converges to the goal, the sum of SampleRate over kept spans estimates the true count, rare
// keys are kept, and the key table stays bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DynamicSampler, OVERFLOW_KEY } from './dynamic.js';
import { DestinationSampler } from './sampler.js';
import { hexId, prng, request, sampling, spansOf, zipf, type SyntheticSpan } from './test-support.js';

const ROUTES = 200;

/** Runs `intervals` intervals of `perInterval` spans with Zipf-distributed routes through the sampler. */
function stream(sampler: DestinationSampler, intervals: number, perInterval: number, seed: number, intervalMs = 1000, rareRoutes = 0): { seen: number; kept: number; weight: number; keptByRoute: Map<string, number>; seenByRoute: Map<string, number> }[] {
  const random = prng(seed);
  const pick = zipf(random, ROUTES);
  const out = [];
  for (let k = 0; k < intervals; k++) {
    let kept = 0;
    let weight = 0;
    const keptByRoute = new Map<string, number>();
    const seenByRoute = new Map<string, number>();
    for (let b = 0; b < perInterval / 1000; b++) {
      const spans: SyntheticSpan[] = [];
      for (let i = 0; i < 1000; i++) {
        const route = `/r${pick()}`;
        seenByRoute.set(route, (seenByRoute.get(route) ?? 0) + 1);
        spans.push({ traceId: hexId(random, 16), route, service: route === '/r0' ? 'noisy' : 'quiet' });
      }
      // Routes seen twice an interval, beside the Zipf stream.
      if (b === 0) {
        for (let r = 0; r < rareRoutes; r++) {
          for (const _ of [0, 1]) spans.push({ traceId: hexId(random, 16), route: `/rare${r}` });
          seenByRoute.set(`/rare${r}`, 2);
        }
      }
      const result = sampler.sample(request(spans), 'team-a', k * intervalMs + b);
      for (const s of spansOf(result.kept > 0 ? result.bytes : new Uint8Array(0))) {
        kept++;
        weight += s.sampleRate!;
        keptByRoute.set(s.route, (keptByRoute.get(s.route) ?? 0) + 1);
      }
    }
    out.push({ seen: perInterval + 2 * rareRoutes, kept, weight, keptByRoute, seenByRoute });
  }
  return out;
}

describe('dynamic sampling (Refinery-style, per key)', () => {
  it('converges to goal_sample_rate within 10% over a skewed stream, keeping rare keys', () => {
    const doc = sampling({ dynamic: { key: ['http.route'], goal_sample_rate: 20, interval_ms: 1000, weight: 0.5, max_keys: 500 } });
    const sampler = new DestinationSampler('hc', doc, 1);
    const runs = stream(sampler, 8, 20_000, 11, 1000, 20);
    const steady = runs.slice(3);
    const seen = steady.reduce((a, r) => a + r.seen, 0);
    const kept = steady.reduce((a, r) => a + r.kept, 0);
    const rate = seen / kept;
    assert.ok(Math.abs(rate - 20) / 20 < 0.1, `effective rate ${rate.toFixed(2)}`);
    const last = runs[runs.length - 1]!;
    const rareKept = steady.reduce((a, r) => a + [...r.keptByRoute].filter(([route]) => route.startsWith('/rare')).reduce((x, [, n]) => x + n, 0), 0);
    assert.equal(rareKept, steady.length * 20 * 2, 'routes seen twice an interval are kept whole');
    assert.ok((last.keptByRoute.get('/r0') ?? 0) / last.seenByRoute.get('/r0')! < 1 / 20, 'the busiest key is sampled harder than the goal');
  });

  it('the sum of SampleRate over kept spans estimates the true count within 5% (100k spans, skewed keys)', () => {
    const doc = sampling({ dynamic: { key: ['service.name', 'http.route'], goal_sample_rate: 10, interval_ms: 1000, weight: 0.5, max_keys: 100 } });
    const sampler = new DestinationSampler('hc', doc, 1);
    const runs = stream(sampler, 10, 10_000, 12);
    const seen = runs.reduce((a, r) => a + r.seen, 0);
    const weight = runs.reduce((a, r) => a + r.weight, 0);
    assert.equal(seen, 100_000);
    assert.ok(Math.abs(weight - seen) / seen < 0.05, `estimate ${weight} for ${seen}`);
    const heavy = runs.reduce((a, r) => a + (r.seenByRoute.get('/r0') ?? 0), 0);
    assert.ok(heavy > 10_000, 'one key dominates');
  });

  it('converges to goal_throughput_per_sec within 10%, divided over the threads', () => {
    const doc = sampling({ dynamic: { key: ['http.route'], goal_throughput_per_sec: 1000, interval_ms: 1000, weight: 0.5, max_keys: 500 } });
    const sampler = new DestinationSampler('hc', doc, 2); // this thread's share: 500 per second
    const runs = stream(sampler, 7, 20_000, 13);
    const steady = runs.slice(3);
    const perSecond = steady.reduce((a, r) => a + r.kept, 0) / steady.length;
    assert.ok(Math.abs(perSecond - 500) / 500 < 0.1, `kept per second ${perSecond}`);
  });

  it('caps the keys: past max_keys they share an overflow bucket that is not kept whole', () => {
    const dyn = new DynamicSampler({ key: ['k'], goal_sample_rate: 10, interval_ms: 1000, weight: 0.5, max_keys: 5 }, 1);
    dyn.tick(0);
    for (let i = 0; i < 5000; i++) dyn.admit(`key-${i % 1000}`);
    assert.equal(dyn.size, 5);
    assert.equal(dyn.admit('another'), OVERFLOW_KEY);
    assert.ok(dyn.rateOf(OVERFLOW_KEY) >= 2);
    dyn.tick(1000);
    for (let i = 0; i < 5000; i++) dyn.admit(`key-${i % 1000}`);
    dyn.tick(2000);
    assert.equal(dyn.size, 5);
    assert.ok(dyn.rateOf(OVERFLOW_KEY) >= 2, `overflow rate ${dyn.rateOf(OVERFLOW_KEY)}`);
  });
});

describe('budgets per service', () => {
  it('raises the rate of a service over its budget, keeps its errors, and leaves others alone', () => {
    const doc = sampling({ head: { sample_rate: 1 }, budgets: { per: 'service.name', spans_per_sec: 1000, interval_ms: 1000, max_keys: 100 } });
    const sampler = new DestinationSampler('hc', doc, 1);
    const random = prng(14);
    let noisyKept = 0;
    let atRateOne = 0;
    for (let second = 0; second < 6; second++) {
      for (let b = 0; b < 5; b++) {
        const spans: SyntheticSpan[] = [];
        for (let i = 0; i < 1000; i++) spans.push({ traceId: hexId(random, 16), service: 'noisy', error: i % 100 === 0 });
        for (let i = 0; i < 100; i++) spans.push({ traceId: hexId(random, 16), service: 'quiet' });
        const out = spansOf(sampler.sample(request(spans), 'team-a', second * 1000 + b).bytes);
        if (second < 2) continue;
        // Only noisy's non-errors are sampled above 1; quiet's spans and noisy's errors stay at 1.
        noisyKept += out.filter((s) => s.sampleRate! > 1).length;
        atRateOne += out.filter((s) => s.sampleRate === 1).length;
      }
    }
    const delta = sampler.recorder.take()!;
    const budget = delta.decisions.find((d) => d.sampler === 'budget' && d.key === 'noisy')!;
    assert.ok(budget.sample_rate! >= 4 && budget.sample_rate! <= 6, `noisy rate ${budget.sample_rate}`);
    const perSecond = noisyKept / 4;
    assert.ok(perSecond > 800 && perSecond < 1200, `noisy kept per second ${perSecond}`);
    assert.equal(delta.decisions.some((d) => d.sampler === 'budget' && d.key === 'quiet'), false);
    assert.equal(atRateOne, 4 * 5 * 100 + 4 * 5 * 10, 'quiet kept whole, and every noisy error kept');
  });
});
