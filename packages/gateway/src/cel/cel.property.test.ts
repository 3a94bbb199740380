// Property tests for the parts of cel/ that read input: tracestate (tenant bytes) and expressions
// (operator config): neither throws anything but its documented error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CelExpressionError, compileSpanExpression, compileTraceExpression } from './index.js';
import { adjustedCount, formatThreshold, parseThreshold, readOtSampling, thresholdForRate, upstreamWeight, writeThreshold } from './weight.js';

const RUNS = process.env.CI === 'true' ? 200 : 2000;

const W3C_CHARS = fc.constantFrom(...'abcxyz019_-*/@=,;: \tot=th:rv:8cfF\u00e9\x00'.split(''));
const tracestates = fc.oneof(
  fc.string(),
  fc.array(W3C_CHARS, { maxLength: 80 }).map((cs) => cs.join('')),
  fc.tuple(fc.array(fc.constantFrom('th', 'rv', 'x', 'TH'), { maxLength: 4 }), fc.array(fc.stringMatching(/^[0-9a-fA-F]{0,16}$/), { minLength: 4, maxLength: 4 }), fc.array(fc.constantFrom('congo=t61', 'rojo=00f', 'a@b=c', ''), { maxLength: 3 }))
    .map(([keys, values, others]) => [...others, `ot=${keys.map((k, i) => `${k}:${values[i]}`).join(';')}`].join(',')),
);

describe('cel/ input parsing (property)', () => {
  it('any tracestate reads without throwing, and a weight is always >= 1 and finite', () => {
    fc.assert(fc.property(tracestates, fc.anything(), (ts, sr) => {
      readOtSampling(ts);
      const w = upstreamWeight(sr, ts);
      assert.ok(w >= 1 && Number.isFinite(w), `${w}`);
    }), { numRuns: RUNS });
  });

  it('writing th into any tracestate gives a valid one that reads the same th back', () => {
    fc.assert(fc.property(tracestates, fc.stringMatching(/^[0-9a-f]{1,14}$/), (ts, th) => {
      const t = parseThreshold(th)!;
      const out = writeThreshold(ts, t);
      const back = readOtSampling(out);
      assert.equal(back.valid, true, out);
      assert.equal(formatThreshold(back.th!), formatThreshold(t));
      assert.ok(out.length <= 512 + 32 * 257);
    }), { numRuns: RUNS });
  });

  it('thresholds round-trip through their text form, and rates through thresholds within 1/4096', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9a-f]{1,14}$/), (th) => {
      const t = parseThreshold(th)!;
      assert.deepEqual(parseThreshold(formatThreshold(t)), t);
    }), { numRuns: RUNS });
    fc.assert(fc.property(fc.double({ min: 1, max: 1e12, noNaN: true }), (rate) => {
      const count = adjustedCount(thresholdForRate(rate));
      assert.ok(Math.abs(count - rate) / rate < 1 / 4096, `${rate} -> ${count}`);
    }), { numRuns: RUNS });
  });

  it('compiling any text throws nothing but CelExpressionError', () => {
    const pieces = fc.constantFrom('span', 'resource', 'scope', 'trace', '.', 'attributes', '[', ']', '"k"', '(', ')', '==', '&&', '||', '!', 'has', 'size', ',', 's', 'any', 'all', 'count', '1', '2.5', 'true', 'null', 'status', 'code', 'name', 'duration_ms', '?', ':', 'in', 'exists', 'root', 'spans', ' ');
    const texts = fc.oneof(fc.string(), fc.array(pieces, { maxLength: 30 }).map((p) => p.join('')));
    fc.assert(fc.property(texts, (text) => {
      for (const compile of [compileSpanExpression, compileTraceExpression]) {
        try {
          compile(text, 'rules[0]');
        } catch (error) {
          assert.ok(error instanceof CelExpressionError, `${text}: ${String(error)}`);
          assert.ok(error.message.startsWith('rules[0]: '));
        }
      }
    }), { numRuns: RUNS });
  });
});
