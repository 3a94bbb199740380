// Properties of the sampler over random traffic: decisions depend only on the trace (not on the
// instance, the batch or what came before), whole traces stay together at one rate, a span kept
// at a rate is kept at every lower rate, rules that keep errors always do, and the output is a
// valid request holding exactly the kept spans.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DestinationSampler } from './sampler.js';
import { request, sampling, spansOf, type SyntheticSpan } from './test-support.js';

const RUNS = process.env.CI === 'true' ? 30 : 150;

const traceId = fc.stringMatching(/^[0-9a-f]{32}$/).filter((s) => !/^0+$/.test(s));
const traceState = fc.constantFrom(undefined, '', 'ot=th:8', 'ot=th:c;rv:0123456789abcd', 'rojo=00f,ot=th:0', 'bad state', 'ot=th:zz');
const span = fc.record({
  traceId,
  route: fc.constantFrom('/a', '/b', '/c', '/healthz'),
  service: fc.constantFrom('checkout', 'cart'),
  error: fc.boolean(),
  traceState,
  sampleRate: fc.constantFrom(undefined, 1, 3, 10),
}).map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as SyntheticSpan);
const batch = fc.array(span, { minLength: 1, maxLength: 40 });
const docs = fc.oneof(
  fc.integer({ min: 1, max: 64 }).map((r) => sampling({ head: { sample_rate: r } })),
  fc.integer({ min: 1, max: 50 }).map((r) => sampling({ dynamic: { key: ['http.route', 'service.name'], goal_sample_rate: r, interval_ms: 1000, weight: 0.5, max_keys: 3 } })),
  fc.integer({ min: 1, max: 20 }).map((r) => sampling({ head: { sample_rate: r }, budgets: { per: 'service.name', spans_per_sec: 5, interval_ms: 1000, max_keys: 10 } })),
);

function keptIds(doc: Parameters<typeof sampling>[0], batches: SyntheticSpan[][], times: number[]): Set<string>[] {
  const sampler = new DestinationSampler('d', sampling(doc), 1);
  return batches.map((b, i) => new Set(spansOf(sampler.sample(request(b), 't', times[i] ?? 0).bytes).map((s) => `${s.traceId}/${s.route}`)));
}

describe('sampling properties', () => {
  it('the same stream gives the same output bytes on every instance (deterministic per trace id)', () => {
    fc.assert(fc.property(docs, fc.array(batch, { minLength: 1, maxLength: 4 }), (doc, batches) => {
      const run = (): string[] => {
        const sampler = new DestinationSampler('d', doc, 1);
        return batches.map((b, i) => Buffer.from(sampler.sample(request(b), 't', i * 700).bytes).toString('hex'));
      };
      assert.deepEqual(run(), run());
    }), { numRuns: RUNS });
  });

  it('head sampling keeps or drops a whole trace, however its spans are split into batches', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 32 }), fc.array(traceId, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), (rate, ids, picks) => {
      const spans = picks.map((p) => ({ traceId: ids[p % ids.length]!, route: `/s${p}` }));
      const half = Math.ceil(spans.length / 2);
      const [first, second] = keptIds({ head: { sample_rate: rate } }, [spans.slice(0, half), spans.slice(half)], [0, 5000]);
      const keptTraces = new Set([...first!, ...second!].map((k) => k.split('/')[0]));
      for (const s of spans) {
        const kept = first!.has(`${s.traceId}/${s.route}`) || second!.has(`${s.traceId}/${s.route}`);
        assert.equal(kept, keptTraces.has(s.traceId), 'every span of a kept trace is kept');
      }
    }), { numRuns: RUNS });
  });

  it('a span kept at a rate is kept at every lower rate (consistent probability)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), batch, (a, b, spans) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      const atHigh = keptIds({ head: { sample_rate: high } }, [spans], [0])[0]!;
      const atLow = keptIds({ head: { sample_rate: low } }, [spans], [0])[0]!;
      for (const k of atHigh) assert.ok(atLow.has(k), k);
    }), { numRuns: RUNS });
  });

  it('a keep rule on errors keeps every error, whatever else is configured', () => {
    fc.assert(fc.property(docs, batch, (doc, spans) => {
      const sampler = new DestinationSampler('d', { ...doc, keep: ['span.status.code == 2'], drop: ['span.name == "GET /healthz"'] }, 1);
      const out = spansOf(sampler.sample(request(spans), 't', 0).bytes);
      const errors = spans.filter((s) => s.error).length;
      assert.ok(out.length >= errors, `${out.length} kept, ${errors} errors`);
      const delta = sampler.recorder.take()!;
      assert.equal(delta.decisions.find((d) => d.sampler === 'keep')?.kept ?? 0, errors);
    }), { numRuns: RUNS });
  });

  it('the output is a valid request of exactly the kept spans, each with SampleRate >= its upstream weight', () => {
    fc.assert(fc.property(docs, batch, (doc, spans) => {
      const sampler = new DestinationSampler('d', doc, 1);
      const out = sampler.sample(request(spans), 't', 0);
      const kept = spansOf(out.kept > 0 ? out.bytes : new Uint8Array(0));
      assert.equal(kept.length, out.kept);
      const delta = sampler.recorder.take()!;
      assert.equal(delta.seen, spans.length);
      assert.equal(delta.kept, out.kept);
      assert.equal(delta.kept + delta.dropped, spans.length);
      assert.equal(delta.decisions.reduce((a, d) => a + d.kept, 0), delta.kept);
      for (const s of kept) {
        assert.ok(Number.isInteger(s.sampleRate) && s.sampleRate! >= 1);
        assert.match(s.traceState, /^ot=th:[0-9a-f]{1,14}(;rv:[0-9a-f]{14})?(,|$)/);
      }
      assert.equal(delta.weight, kept.reduce((a, s) => a + s.sampleRate!, 0));
    }), { numRuns: RUNS });
  });
});
