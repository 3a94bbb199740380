import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CelExpressionError, CelRuntimeError, compileSpanExpression, SpanContexts, type SpanExpression } from './index.js';
import { checkoutTrace } from './test-support.js';

/** Each expression's outcome on each span of the checkout trace. */
function outcomes(expressions: string[]): (boolean | 'absent' | 'error')[][] {
  const compiled = expressions.map((e, i) => compileSpanExpression(e, `rules[${i}]`));
  const view = checkoutTrace();
  const contexts = new SpanContexts(compiled);
  contexts.reset(view);
  const out: (boolean | 'absent' | 'error')[][] = [];
  for (let i = 0; i < view.spanCount; i++) {
    const ctx = contexts.at(i);
    out.push(compiled.map((c) => {
      try {
        return c.evaluate(ctx);
      } catch (error) {
        assert.ok(error instanceof CelRuntimeError);
        return 'error';
      }
    }));
  }
  return out;
}

function one(expression: string): (boolean | 'absent' | 'error')[] {
  return outcomes([expression]).map((row) => row[0]!);
}

describe('CEL span environment', () => {
  it('reads the span fields of docs/cel.md on every span', () => {
    assert.deepEqual(one('span.name == "GET /cart"'), [true, false]);
    assert.deepEqual(one('span.kind == 2'), [true, false]);
    assert.deepEqual(one('span.status.code == 2 && span.status.message == "boom"'), [true, false]);
    assert.deepEqual(one('span.duration_ms > 2000'), [true, false]);
    assert.deepEqual(one('span.duration_ms == 50.0'), [false, true]);
    assert.deepEqual(one('span.start_time > timestamp("2023-11-14T22:13:19Z")'), [true, true]);
    assert.deepEqual(one('span.end_time - span.start_time > duration("2s")'), [true, false]);
    assert.deepEqual(one('span.is_root'), [true, false]);
    assert.deepEqual(one('span.trace_id == "0af7651916cd43dd8448eb211c80319c" && span.parent_span_id == ""'), [true, false]);
    assert.deepEqual(one('span.events.exists(e, e.name == "exception" && e.attributes["exception.type"] == "TypeError")'), [true, false]);
    assert.deepEqual(one('span.links.exists(l, l.attributes.why == "batch" && l.span_id == "0102030405060708")'), [false, true]);
  });

  it('reads resource, scope and span attributes with their OTLP types', () => {
    assert.deepEqual(one('resource["service.name"] == "checkout"'), [true, true]);
    assert.deepEqual(one('span.resource["deployment.environment.name"] == "prod"'), [true, true]);
    assert.deepEqual(one('scope.name == "@opentelemetry/instrumentation-http" && scope.version == "0.52.0" && scope.attributes["lib.flag"]'), [true, true]);
    assert.deepEqual(one('span.attributes["http.response.status_code"] >= 500'), [true, 'absent']);
    assert.deepEqual(one('span.attributes.ratio == 2.0'), [true, 'absent']);
    assert.deepEqual(one('"b" in span.attributes.tags'), [true, 'absent']);
  });

  it('a missing key is absent, not an error, and CEL logic still short-circuits around it', () => {
    assert.deepEqual(one('span.attributes["db.system"] == "postgresql"'), ['absent', true]);
    assert.deepEqual(one('has(span.attributes.missing)'), [false, false]);
    assert.deepEqual(one('span.attributes["missing"] == 1 || span.is_root'), [true, 'absent']);
    assert.deepEqual(one('span.attributes["missing"] == 1 && span.is_root'), ['absent', false]);
    assert.deepEqual(one('resource["k8s.pod.name"] == "x"'), ['absent', 'absent']);
  });

  it('a type mismatch at run time is a CelRuntimeError the caller counts', () => {
    assert.deepEqual(one('span.attributes["http.route"] > 3'), ['error', 'absent']);
    assert.deepEqual(one('span.attributes["http.route"]'), ['error', 'absent']);
  });

  it('refuses at compile time what does not parse, does not type-check or is not boolean, naming the path', () => {
    const cases: [string, RegExp][] = [
      ['span.status.code ==', /^destinations\.x\.sampling\.keep\[0\]: is not valid CEL/],
      ['span.nme == "x"', /does not type-check: No such key: nme/],
      ['span.duration_ms', /must be a boolean condition, but is double/],
      ['span.name + 1 == 2', /does not type-check/],
      ['trace.span_count > 1', /does not type-check/],
    ];
    for (const [expression, message] of cases) {
      assert.throws(() => compileSpanExpression(expression, 'destinations.x.sampling.keep[0]'), (error: unknown) =>
        error instanceof CelExpressionError && error.code === 'CAIRN_CEL_EXPRESSION' && message.test(error.message) && error.message.startsWith('destinations.x.sampling.keep[0]: '));
    }
  });

  it('reports the attribute keys an expression reads, and whole-map reads as wildcards', () => {
    const reads = (e: string): SpanExpression['reads'] => compileSpanExpression(e, 'p').reads;
    assert.deepEqual(reads('span.attributes["http.route"] == "/x" && has(span.attributes.b) && "c" in span.attributes && resource["service.name"] == "a" && scope.attributes.z'), {
      resource: ['service.name'], scope: ['z'], span: ['b', 'c', 'http.route'], wildcard: [], fields: [],
    });
    assert.deepEqual(reads('span.resource.region == "eu" && span.scope.attributes["q"] == 1'), { resource: ['region'], scope: ['q'], span: [], wildcard: [], fields: [] });
    assert.deepEqual(reads('size(span.attributes) > 3 || resource.exists(k, k == "x")'), { resource: [], scope: [], span: [], wildcard: ['resource', 'span'], fields: [] });
    assert.deepEqual(reads('span.events.exists(e, e.attributes["exception.type"] == "x")'), { resource: [], scope: [], span: [], wildcard: [], fields: ['events'] });
  });

  it('reports the span fields an expression reads besides its attribute maps', () => {
    const fields = (e: string): string[] => compileSpanExpression(e, 'p').reads.fields;
    assert.deepEqual(fields('span.status.code == 2 && span.kind == 2 && span.duration_ms > 10.0'), ['duration_ms', 'kind', 'status.code']);
    assert.deepEqual(fields('span.name == "x" || span.status.message == "y"'), ['name', 'status.message']);
    assert.deepEqual(fields('span.scope.name == "x" && scope.version == "1" && span.resource["a"] == "b"'), []);
    assert.deepEqual(fields('span.links.exists(l, l.trace_id == "x")'), ['links']);
  });

  it('decodes only the keys its expressions read, and every key when one reads the whole map', () => {
    const narrow = compileSpanExpression('span.attributes["http.route"] == "/cart"', 'a');
    const view = checkoutTrace();
    const contexts = new SpanContexts([narrow]);
    contexts.reset(view);
    assert.deepEqual([...contexts.at(0).span.attributes.keys()], ['http.route']);
    const wide = new SpanContexts([narrow, compileSpanExpression('size(span.attributes) == 4', 'b')]);
    wide.reset(view);
    assert.deepEqual([...wide.at(0).span.attributes.keys()], ['http.route', 'http.response.status_code', 'ratio', 'tags']);
    assert.deepEqual([...wide.at(1).span.attributes.keys()], ['db.system'], 'moving to the next span forgets the last one');
  });
});
