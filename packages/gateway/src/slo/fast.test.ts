// The fast path must give CEL's outcome or step aside: on random spans and random expressions of
// the shapes it compiles, every verdict it gives equals the shared CEL environment's, and where
// CEL fails at run time it returns FALLBACK.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildTraces, decodeTraces, type AttributeValue, type SpanInput, type TracesView } from '@cairn/otlp';
import { CelExpressionError, CelRuntimeError, compileSpanExpression, SpanContexts } from '../cel/index.js';
import { ABSENT, compileFast, FALLBACK, FALSE, FastSpans, TRUE } from './fast.js';
import { parseSloTexts } from './openslo.js';
import { SloTap } from './tap.js';

const KEYS = ['http.route', 'code', 'flag', 'ratio'];
const attrValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.constantFrom('/a', '/b', '', 'x'), fc.integer({ min: -3, max: 600 }), fc.constantFrom(0.5, 2.0, 499.5), fc.boolean(), fc.constant(['a', 'b']),
);
const spanArb: fc.Arbitrary<SpanInput> = fc.record({
  kind: fc.integer({ min: 0, max: 5 }),
  name: fc.constantFrom('GET /a', 'POST /b', ''),
  status: fc.option(fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.constantFrom('', 'boom') }), { nil: undefined }),
  attributes: fc.dictionary(fc.constantFrom(...KEYS), attrValue, { maxKeys: 4 }),
  durationMs: fc.integer({ min: 0, max: 2000 }),
  root: fc.boolean(),
}).map(({ durationMs, root, status, ...s }, ) => ({
  traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', ...(root ? {} : { parentSpanId: '00f067aa0ba902b7' }),
  startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(durationMs) * 1_000_000n,
  ...(status ? { status } : {}), ...s,
}));

const operand = fc.oneof(
  fc.constantFrom('span.kind', 'span.status.code', 'span.duration_ms', 'span.name', 'span.status.message', 'resource["service.name"]', 'resource["tier"]'),
  fc.constantFrom(...KEYS).map((k) => `span.attributes["${k}"]`),
  fc.constantFrom('2', '500', '499.5', '"/a"', '"GET /a"', 'true', 'false', '0'),
);
const comparison = fc.tuple(operand, fc.constantFrom('==', '!=', '<', '<=', '>', '>='), operand).map(([a, op, b]) => `${a} ${op} ${b}`);
const leaf = fc.oneof(comparison, fc.constantFrom('span.is_root', 'span.attributes["flag"]', 'true', 'false'));
const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.tuple(tie('e'), fc.constantFrom('&&', '||'), tie('e')).map(([a, op, b]) => `(${a}) ${op} (${b})`), tie('e').map((a) => `!(${a})`)),
})).e;

/** Per span of `view`: the fast path's verdict on `text`, and CEL's (FALLBACK where CEL fails at run time). */
function verdicts(text: string, cel: ReturnType<typeof compileSpanExpression>, view: TracesView): [number, number][] {
  const fast = new FastSpans();
  const compiled = compileFast(text, fast);
  assert.ok(compiled, `the fast path compiles ${text}`);
  const contexts = new SpanContexts([cel]);
  contexts.reset(view);
  fast.reset(view);
  const out: [number, number][] = [];
  for (let i = 0; i < view.spanCount; i++) {
    fast.at(i);
    const verdict: number = compiled(fast);
    try {
      const r = cel.evaluate(contexts.at(i));
      out.push([verdict, r === true ? TRUE : r === false ? FALSE : ABSENT]);
    } catch (error) {
      assert.ok(error instanceof CelRuntimeError);
      out.push([verdict, FALLBACK]);
    }
  }
  return out;
}

describe('SLO fast path', () => {
  it('property: on random spans, its verdict is CEL\'s (true, false, absent), or FALLBACK where CEL fails at run time', () => {
    let decided = 0;
    fc.assert(fc.property(fc.array(spanArb, { minLength: 1, maxLength: 4 }), fc.constantFrom('checkout', ''), expression, (spans, service, text) => {
      let cel;
      try {
        cel = compileSpanExpression(text, 'e');
      } catch (error) {
        if (error instanceof CelExpressionError) return; // does not type-check: never reaches a tap
        throw error;
      }
      const view = decodeTraces(buildTraces([{ resource: { attributes: service ? { 'service.name': service } : {} }, scopeSpans: [{ scope: { name: 's' }, spans }] }]));
      for (const [i, [verdict, expected]] of verdicts(text, cel, view).entries()) {
        if (expected === FALLBACK) {
          assert.equal(verdict, FALLBACK, `${text} on span ${JSON.stringify(spans[i], (_k, v) => (typeof v === 'bigint' ? String(v) : v))}: CEL fails, the fast path must step aside`);
          continue;
        }
        if (verdict === FALLBACK) continue;
        decided++;
        assert.equal(verdict, expected, `${text} on span ${JSON.stringify(spans[i], (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
      }
    }), { numRuns: process.env.CI ? 300 : 2000 });
    assert.ok(decided > 100, `the fast path decided only ${decided} cases`);
  });

  it('property: the tap (one generated kernel for all SLOs) counts what CEL alone would count, SLO by SLO', () => {
    const slos = fc.array(fc.tuple(expression, expression), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(fc.array(spanArb, { minLength: 1, maxLength: 6 }), slos, (spans, pairs) => {
      const typed = pairs.filter(([w, g]) => [w, g].every((e) => {
        try {
          compileSpanExpression(e, 'e');
          return true;
        } catch {
          return false;
        }
      }));
      if (typed.length === 0) return;
      const text = typed.map(([where, good], k) => `apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: s${k} }\nspec:\n  indicator: { metadata: { name: i${k} }, spec: { spans: { where: ${JSON.stringify(where)}, good: ${JSON.stringify(good)} } } }\n  timeWindow: [{ duration: 7d, isRolling: true }]\n  objectives: [{ target: 0.99 }]\n`).join('---\n');
      const set = parseSloTexts([{ file: 'k.yaml', text }]);
      const view = decodeTraces(buildTraces([{ resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ scope: { name: 's' }, spans }] }]));
      const delta = new SloTap(set.slos).run(view, 0);
      // CEL alone, span by span: the same SLOs, a run-time error disabling the SLO from that span on.
      const expected = new Map<string, [number, number, number]>();
      const errors: string[] = [];
      typed.forEach(([where, good], k) => {
        const w = compileSpanExpression(where, 'w');
        const g = compileSpanExpression(good, 'g');
        const contexts = new SpanContexts([w, g]);
        contexts.reset(view);
        const row: [number, number, number] = [0, 0, 0];
        for (let i = 0; i < view.spanCount; i++) {
          try {
            if (w.evaluate(contexts.at(i)) !== true) continue;
            const r = g.evaluate(contexts.at(i));
            row[r === true ? 0 : r === false ? 1 : 2]++;
          } catch {
            errors.push(`s${k}`);
            break;
          }
        }
        if (row[0] + row[1] + row[2] > 0) expected.set(`s${k}`, row);
      });
      const actual = new Map((delta?.counts ?? []).map((c) => [c.slo, [c.good, c.bad, c.unjudgeable] as [number, number, number]]));
      assert.deepEqual(actual, expected, text);
      assert.deepEqual((delta?.errors ?? []).map((e) => e.slo).sort(), errors.sort());
    }), { numRuns: process.env.CI ? 200 : 1000 });
  });

  it('string == literal is compared as bytes in place and still agrees with CEL: non-ASCII, invalid UTF-8 (read as U+FFFD), shared by several SLOs', () => {
    // 'Zé' everywhere; in the second batch the bytes of 'é' (C3 A9) become FF FF: invalid UTF-8,
    // which the decoder reads as two U+FFFD and a byte compare alone would get wrong.
    const literals = ['Zé', 'Z\uFFFD\uFFFD', 'Z\uFFFD', 'Z', 'é', '', 'Zé ', 'ZZZ'];
    const refs = ['span.name', 'span.attributes["k"]', 'resource["r"]'];
    const good = buildTraces([{ resource: { attributes: { r: 'Zé' } }, scopeSpans: [{ scope: { name: 's' }, spans: [
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'Zé', attributes: { k: 'Zé' }, startTimeUnixNano: 1n, endTimeUnixNano: 2n },
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203332', name: '', attributes: { k: 7 }, startTimeUnixNano: 1n, endTimeUnixNano: 2n },
    ] }] }]);
    const bad = Uint8Array.from(good);
    // (Not the resource's, the first: a view refuses invalid UTF-8 in resource attributes.)
    let seen = 0;
    for (let i = 0; i + 2 < bad.length; i++) if (bad[i] === 0x5a && bad[i + 1] === 0xc3 && bad[i + 2] === 0xa9 && seen++ > 0) bad[i + 1] = bad[i + 2] = 0xff;
    assert.notDeepEqual(bad, good);
    for (const bytes of [good, bad]) {
      const view = decodeTraces(bytes, { utf8: 'replace' });
      const texts = refs.flatMap((ref) => literals.flatMap((lit) => [`${ref} == ${JSON.stringify(lit)}`, `${JSON.stringify(lit)} != ${ref}`]));
      for (const text of texts) {
        for (const [i, [verdict, expected]] of verdicts(text, compileSpanExpression(text, 'e'), view).entries()) {
          if (verdict !== FALLBACK || expected === FALLBACK) assert.equal(verdict, expected, `${text} on span ${i} (${bytes === bad ? 'invalid' : 'valid'} UTF-8)`);
        }
      }
      // The kernel compares a condition several SLOs share once per span: each still counts its own.
      const sloText = texts.map((where, k) => `apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: s${k} }\nspec:\n  indicator: { metadata: { name: i${k} }, spec: { spans: { where: ${JSON.stringify(where)}, good: ${JSON.stringify(texts[(k + 7) % texts.length])} } } }\n  timeWindow: [{ duration: 7d, isRolling: true }]\n  objectives: [{ target: 0.99 }]\n`).join('---\n');
      const set = parseSloTexts([{ file: 'k.yaml', text: sloText }]);
      assert.equal(set.slos.length, texts.length);
      const delta = new SloTap([...set.slos, ...set.slos.map((d) => ({ ...d, name: `again-${d.name}` }))]).run(view, 0);
      const rows = new Map((delta?.counts ?? []).map((c) => [c.slo, [c.good, c.bad, c.unjudgeable]]));
      texts.forEach((where, k) => {
        const w = compileSpanExpression(where, 'w');
        const g = compileSpanExpression(texts[(k + 7) % texts.length]!, 'g');
        const contexts = new SpanContexts([w, g]);
        contexts.reset(view);
        const row = [0, 0, 0];
        for (let i = 0; i < view.spanCount; i++) {
          if (w.evaluate(contexts.at(i)) !== true) continue;
          const r = g.evaluate(contexts.at(i));
          row[r === true ? 0 : r === false ? 1 : 2]!++;
        }
        const expected = row[0]! + row[1]! + row[2]! > 0 ? row : undefined;
        assert.deepEqual(rows.get(`s${k}`), expected, `${where} / ${texts[(k + 7) % texts.length]!}`);
        assert.deepEqual(rows.get(`again-s${k}`), expected);
      });
    }
  });

  it('shapes it does not know are left to CEL', () => {
    const fast = new FastSpans();
    for (const text of ['span.events.exists(e, e.name == "x")', 'has(span.attributes.k)', '"k" in span.attributes', 'span.duration_ms > -1', 'size(span.name) > 2', 'span.attributes["k"] == null']) {
      assert.equal(compileFast(text, fast), undefined, text);
    }
  });
});
