import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTraces, decodeTraces } from '@cairn/otlp';
import { CelExpressionError, CelRuntimeError, compileTraceExpression, traceOf } from './index.js';
import { checkoutTrace, TRACE_ID } from './test-support.js';

function evaluate(expression: string, trace = traceOf([{ view: checkoutTrace() }])): boolean | 'absent' {
  return compileTraceExpression(expression, 'tail.rules[0]').evaluate({ trace });
}

describe('CEL trace expressions (tail rules)', () => {
  it('tests any span, every span, span counts and the root', () => {
    assert.equal(evaluate('trace.any(s, s.status.code == 2)'), true);
    assert.equal(evaluate('trace.any(s, s.name == "nope")'), false);
    assert.equal(evaluate('trace.all(s, s.resource["service.name"] == "checkout")'), true);
    assert.equal(evaluate('trace.all(s, s.duration_ms > 100)'), false);
    assert.equal(evaluate('trace.count(s, s.kind == 3) == 1'), true);
    assert.equal(evaluate('trace.span_count == 2 && size(trace.spans) == 2'), true);
    assert.equal(evaluate('trace.root.duration_ms > 2000 && trace.root.attributes["http.route"] == "/cart"'), true);
    assert.equal(evaluate('trace.spans.exists(s, s.attributes["db.system"] == "postgresql")'), true);
  });

  it('a span without the key does not match, and a trace without its root is absent for root rules', () => {
    assert.equal(evaluate('trace.any(s, s.attributes["db.system"] == "postgresql")'), true);
    assert.equal(evaluate('trace.all(s, s.attributes["db.system"] == "postgresql")'), false);
    const child = decodeTraces(buildTraces([{ scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: '0000000000000002', parentSpanId: '0000000000000001', name: 'child', startTimeUnixNano: 1n, endTimeUnixNano: 2n }] }] }]));
    const rootless = traceOf([{ view: child }]);
    assert.equal(evaluate('trace.root.duration_ms > 1', rootless), 'absent');
    assert.equal(evaluate('trace.span_count == 1', rootless), true);
  });

  it('collects spans from several requests, or chosen spans of one', () => {
    const view = checkoutTrace();
    assert.equal(evaluate('trace.span_count == 3', traceOf([{ view }, { view, spans: [1] }])), true);
    assert.equal(evaluate('trace.root.name == "GET /cart"', traceOf([{ view, spans: [1] }, { view, spans: [0] }])), true);
  });

  it('reads span-variable keys and refuses non-boolean rules', () => {
    assert.deepEqual(compileTraceExpression('trace.any(s, s.attributes["error.type"] == "x") || trace.root.attributes.k == 1 || trace.root.resource["r"] == 1', 'p').reads,
      { resource: ['r'], scope: [], span: ['error.type', 'k'], wildcard: [], fields: [] });
    assert.deepEqual(compileTraceExpression('trace.any(s, s.status.code == 2) && trace.root.name == "x"', 'p').reads.fields, ['name', 'status.code']);
    assert.throws(() => compileTraceExpression('trace.count(s, s.is_root)', 'tail.rules[1]'), (e: unknown) => e instanceof CelExpressionError && /^tail\.rules\[1\]: must be a boolean/.test(e.message));
    assert.throws(() => compileTraceExpression('trace.any(s, s.name)', 'tail.rules[2]'), CelExpressionError);
    assert.throws(() => compileTraceExpression('span.is_root', 'tail.rules[3]'), CelExpressionError);
  });

  it('a runtime error inside a helper is a CelRuntimeError', () => {
    assert.throws(() => evaluate('trace.any(s, s.attributes["http.route"] > 1)'), CelRuntimeError);
  });
});
