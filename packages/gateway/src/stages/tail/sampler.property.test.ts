// Properties of tail sampling over random streams: whole traces are kept or dropped together,
// the first matching rule decides, late spans follow the cached decision, and every span is
// accounted for (queued, or counted as dropped).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { harness, tailConfig, tailOutput, type TestSpan } from './test-support.js';

const RUNS = process.env.CI ? 15 : 60;

const RULES = [
  { name: 'errors', when: 'error', keep: true },
  { name: 'big', when: 'spans >= 4', drop: true },
  { name: 'cart', when: 'service == cart', sample_rate: 2 },
  { name: 'slow', when: 'root_ms > 50', keep: true },
  { name: 'all', drop: true },
];

const spanArb = fc.record({
  trace: fc.integer({ min: 1, max: 12 }),
  service: fc.constantFrom('checkout', 'cart'),
  error: fc.boolean(),
  durationMs: fc.constantFrom(1, 100),
});

/** Splits `spans` into requests at the given cut points. */
function requests(spans: TestSpan[], cuts: number[]): TestSpan[][] {
  const out: TestSpan[][] = [];
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (spans.length + 1)))].sort((a, b) => a - b)) {
    if (cut > start) out.push(spans.slice(start, cut));
    start = Math.max(start, cut);
  }
  if (start < spans.length) out.push(spans.slice(start));
  return out;
}

function oracle(spans: TestSpan[], rules: typeof RULES): Map<number, boolean | 'sampled'> {
  const out = new Map<number, boolean | 'sampled'>();
  for (const t of new Set(spans.map((s) => s.trace))) {
    const mine = spans.filter((s) => s.trace === t);
    const root = mine.find((s) => s.root);
    for (const rule of rules) {
      const matched =
        rule.name === 'errors' ? mine.some((s) => s.error) :
        rule.name === 'big' ? mine.length >= 4 :
        rule.name === 'cart' ? mine.some((s) => s.service === 'cart') :
        rule.name === 'slow' ? root !== undefined && (root.durationMs ?? 1) > 50 : true;
      if (!matched) continue;
      out.set(t, 'keep' in rule ? true : 'drop' in rule ? false : 'sampled');
      break;
    }
  }
  return out;
}

function withIds(raw: { trace: number; service: string; error: boolean; durationMs: number }[]): TestSpan[] {
  const firstOf = new Set<number>();
  return raw.map((s, i) => {
    const root = !firstOf.has(s.trace);
    firstOf.add(s.trace);
    return { ...s, span: i, root };
  });
}

describe('tail: sampler properties', () => {
  it('decides each trace by the first matching rule over all its spans, kept or dropped whole', () => {
    fc.assert(fc.property(
      fc.array(spanArb, { minLength: 1, maxLength: 60 }), fc.array(fc.nat(), { maxLength: 8 }), fc.subarray(RULES, { minLength: 1 }),
      (raw, cuts, rules) => {
        const spans = withIds(raw);
        const h = harness({ hc: tailConfig({ decision_wait: '5s', rules }) });
        try {
          for (const part of requests(spans, cuts)) {
            h.sampler.commit('t', [tailOutput('hc', part)], []);
            h.clock.now += 100;
          }
          h.clock.now += 5000;
          while (h.sampler.decide(7) > 0);
          const queued = new Set(h.queued('hc'));
          const expected = oracle(spans, rules);
          for (const [t, decision] of expected) {
            const mine = spans.filter((s) => s.trace === t).map((s) => queued.has(s.span));
            assert.ok(mine.every((x) => x === mine[0]), `trace ${t} split: ${mine}`);
            if (decision !== 'sampled') assert.equal(mine[0], decision, `trace ${t}`);
          }
          const counted = h.counts.decisions('hc').reduce((s, d) => s + d.kept + d.dropped, 0);
          assert.equal(counted, spans.length);
          assert.equal(h.counts.decisions('hc').reduce((s, d) => s + d.kept, 0), queued.size);
        } finally {
          h.close();
        }
      },
    ), { numRuns: RUNS });
  });

  it('with decisions interleaved, early limits and late spans, traces still go whole and every span is counted once', () => {
    fc.assert(fc.property(
      fc.array(spanArb, { minLength: 1, maxLength: 80 }), fc.array(fc.nat(), { maxLength: 12 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      fc.integer({ min: 2, max: 6 }), fc.integer({ min: 400, max: 3000 }),
      (raw, cuts, decideAfter, maxSpans, bufferBytes) => {
        const spans = withIds(raw);
        const h = harness({ hc: tailConfig({ decision_wait: '1s', max_spans_per_trace: maxSpans, max_bytes_per_trace: Math.min(bufferBytes, 1500), buffer_max_bytes: bufferBytes, rules: RULES }) });
        try {
          requests(spans, cuts).forEach((part, i) => {
            h.sampler.commit('t', [tailOutput('hc', part)], []);
            if (decideAfter[i % 12]) {
              h.clock.now += 1000;
              h.sampler.decide(3);
            } else {
              while (h.sampler.hasUrgent && h.sampler.decide(3) > 0);
            }
          });
          h.clock.now += 1000;
          while (h.sampler.decide(5) > 0);
          assert.equal(h.sampler.buffered()[0]!.traces, 0);
          const queued = h.queued('hc');
          assert.equal(new Set(queued).size, queued.length, 'a span queued twice');
          for (const t of new Set(spans.map((s) => s.trace))) {
            const mine = spans.filter((s) => s.trace === t).map((s) => queued.includes(s.span));
            assert.ok(mine.every((x) => x === mine[0]), `trace ${t} split: ${mine}`);
          }
          const decisions = h.counts.decisions('hc');
          assert.equal(decisions.reduce((s, d) => s + d.kept + d.dropped, 0), spans.length);
          assert.equal(decisions.reduce((s, d) => s + d.kept, 0), queued.length);
        } finally {
          h.close();
        }
      },
    ), { numRuns: RUNS });
  });
});
