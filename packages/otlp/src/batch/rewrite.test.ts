// The content rewriter: identity is byte-identical and allocation-free of output; replacing,
// renaming and dropping produce requests that the validating walk and protobufjs both read, with
// exactly the expected strings. Cases: 400 per signal and property (CI=true: 80).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { decodeLogs, decodeMetrics, decodeTraces, jsonToProtobuf, Place, PLACE_NAMES, Rewriter, type RewriteVisitor, type Signal } from '../index.js';
import { contentStrings, protobufjsDecoder, requestArbitraries } from '../testing/requests.js';

const CASES = process.env.CI === 'true' ? 80 : 400;
const pbjs = protobufjsDecoder(protobuf);
const str = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('', 'alice@example.com', 'x'.repeat(200)));
const keys = fc.constantFrom('a', 'b', 'http.method', 'http.request.method', 'user.id', 'userId', 'dropme', 'é.key');
const arbs = requestArbitraries(fc, str, keys);
const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const decode = { traces: decodeTraces, logs: decodeLogs, metrics: decodeMetrics };

function bytesOf(signal: Signal, json: unknown): Uint8Array {
  return jsonToProtobuf(signal, JSON.stringify(json));
}

for (const signal of SIGNALS) {
  test(`rewrite ${signal}: an identity visitor returns the input itself`, () => {
    const rw = new Rewriter();
    let offered = 0;
    const identity: RewriteVisitor = { key: () => undefined, value: () => { offered++; return undefined; }, resource: () => true };
    fc.assert(fc.property(arbs[signal], (json) => {
      const bytes = bytesOf(signal, json);
      const out = rw.rewrite(signal, bytes, identity);
      assert.equal(out, bytes);
      assert.equal(rw.editCount, 0);
    }), { numRuns: CASES });
    assert.ok(offered > 0);
  });

  test(`rewrite ${signal}: replaced strings are exactly the visitor's, everywhere content lives`, () => {
    const rw = new Rewriter();
    // protobufjs omits empty strings: they are left as they are, so both sides agree.
    const visitor: RewriteVisitor = { value: (_p, _k, v) => (v === '' ? undefined : `<${v}>`) };
    let cases = 0;
    fc.assert(fc.property(arbs[signal], (json) => {
      const bytes = bytesOf(signal, json);
      const out = rw.rewrite(signal, bytes, visitor);
      decode[signal](out); // the validating walk accepts it
      const expected = contentStrings(signal, pbjs(signal, bytes)).map(([p, k, v]) => [p, k, `<${v}>`]);
      assert.deepEqual(contentStrings(signal, pbjs(signal, out)), expected);
      cases++;
    }), { numRuns: CASES });
    console.log(`rewrite ${signal} replace: ${cases} cases`);
  });

  test(`rewrite ${signal}: renames, drops and resource filtering keep everything else intact`, () => {
    const rw = new Rewriter();
    const conflicts: string[] = [];
    const visitor: RewriteVisitor = {
      resource: (i) => i === 0,
      key: (_p, k, depth) => (k === 'dropme' ? null : depth === 0 && k === 'http.method' ? 'http.request.method' : undefined),
      value: (_p, _k, v) => (v === 'x'.repeat(200) ? null : undefined),
      conflict: (_p, k) => conflicts.push(k),
    };
    fc.assert(fc.property(arbs[signal], (json) => {
      const bytes = bytesOf(signal, json);
      const out = rw.rewrite(signal, bytes, visitor);
      decode[signal](out);
      // The same edit, applied to the protobufjs object of the input.
      const input = pbjs(signal, bytes);
      const groupKey = Object.keys(input)[0]!;
      (input as Record<string, unknown[]>)[groupKey] = (input[groupKey] as unknown[]).slice(0, 1);
      // A dropped name or status message leaves the field out.
      const expected = contentStrings(signal, expectKeys(input, 0)).filter(([p, , v]) => !((p.endsWith('.name') || p === 'status.message') && v === 'x'.repeat(200)));
      assert.deepEqual(contentStrings(signal, pbjs(signal, out)), expected);
      assertNoKey(pbjs(signal, out), 'dropme');
      assertNoKey(pbjs(signal, out), 'http.method', true);
    }), { numRuns: CASES });
  });
}

/** Applies the renames and drops of the visitor above to a protobufjs object (depth 0 keys only for renames). */
function expectKeys(node: unknown, depth: number): any {
  if (Array.isArray(node)) return node.map((x) => expectKeys(x, depth));
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if ((k === 'attributes' || k === 'filteredAttributes' || k === 'metadata') && Array.isArray(v)) {
      const list = v as { key: string; value?: unknown }[];
      const hasCanonical = list.some((kv) => kv.key === 'http.request.method');
      const kept = list.filter((kv) => kv.key !== 'dropme' && !isLongString(kv.value));
      out[k] = kept.filter((kv) => !(kv.key === 'http.method' && hasCanonical)).map((kv) => ({ ...kv, key: kv.key === 'http.method' ? 'http.request.method' : kv.key, value: expectValue(kv.value) }));
    } else if (k === 'body') {
      out[k] = isLongString(v) ? {} : expectValue(v);
    } else {
      out[k] = expectKeys(v, depth);
    }
  }
  return out;
}

function isLongString(v: unknown): boolean {
  return (v as { stringValue?: string } | undefined)?.stringValue === 'x'.repeat(200);
}

/** Inside values: dropme entries and long strings (as elements or entries) go; nothing is renamed. */
function expectValue(v: unknown): unknown {
  const av = v as { arrayValue?: { values?: unknown[] }; kvlistValue?: { values?: { key: string; value?: unknown }[] } } | undefined;
  if (av?.arrayValue) return { ...av, arrayValue: { ...av.arrayValue, values: (av.arrayValue.values ?? []).filter((x) => !isLongString(x)).map(expectValue) } };
  if (av?.kvlistValue) return { ...av, kvlistValue: { ...av.kvlistValue, values: (av.kvlistValue.values ?? []).filter((kv) => kv.key !== 'dropme' && !isLongString(kv.value)).map((kv) => ({ ...kv, value: expectValue(kv.value) })) } };
  return v;
}

function assertNoKey(node: unknown, key: string, topOnly = false): void {
  const walk = (n: unknown, top: boolean): void => {
    if (Array.isArray(n)) { for (const x of n) walk(x, top); return; }
    if (n === null || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n)) {
      if ((k === 'attributes' || k === 'filteredAttributes' || k === 'metadata') && Array.isArray(v)) {
        for (const kv of v as { key: string; value?: unknown }[]) {
          assert.notEqual(kv.key, key);
          if (!topOnly) walk(kv.value, false);
        }
      } else walk(v, top);
    }
  };
  walk(node, true);
}

test('rewrite: places are named', () => {
  assert.equal(PLACE_NAMES[Place.SpanName], 'span.name');
  assert.equal(PLACE_NAMES[Place.Exemplar], 'exemplar');
});

test('rewrite: a lossless coercion writes an int_value', () => {
  const bytes = bytesOf('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 's', attributes: [{ key: 'http.response.status_code', value: { stringValue: '200' } }, { key: 'n', value: { stringValue: '-5' } }] }] }] }] });
  const out = new Rewriter().rewrite('traces', bytes, { value: (_p, k, v) => (k === '' ? undefined : Number(v)) });
  const span = decodeTraces(out).spans();
  span.next();
  const a = span.attributes();
  const got: [string, unknown][] = [];
  while (a.next()) got.push([a.key, a.value]);
  assert.deepEqual(got, [['http.response.status_code', 200], ['n', -5]]);
});

test('rewrite: any request the validating walk accepts (mutated bytes included) rewrites into one it accepts', () => {
  const rw = new Rewriter();
  const visitor: RewriteVisitor = {
    resource: (i) => i % 2 === 0,
    key: (_p, k) => (k.length % 3 === 0 ? null : k.length % 3 === 1 ? `${k}.x` : undefined),
    value: (_p, _k, v) => (v.length % 2 === 0 ? `${v}!` : v.length % 5 === 1 ? null : undefined),
    wantsScalar: () => true,
    scalar: (_p, _k, text) => (text.length % 2 === 0 ? text : null),
  };
  let accepted = 0;
  let cases = 0;
  for (const signal of SIGNALS) {
    fc.assert(fc.property(arbs[signal], fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (json, flips) => {
      cases++;
      const bytes = bytesOf(signal, json).slice();
      for (const [at, b] of flips) if (bytes.length > 0) bytes[at % bytes.length] = b;
      try {
        decode[signal](bytes, { utf8: 'replace' });
      } catch {
        return; // refused: never reaches a stage
      }
      accepted++;
      // Untouched strings are copied as they are: invalid UTF-8 that the walk replaces on reading
      // stays, so protobufjs (strict UTF-8) must read the output only when it read the input.
      let strictUtf8 = true;
      try { pbjs(signal, bytes); } catch { strictUtf8 = false; }
      const out = rw.rewrite(signal, bytes, visitor);
      decode[signal](out, { utf8: 'replace' });
      if (strictUtf8) pbjs(signal, out);
    }), { numRuns: CASES });
  }
  console.log(`rewrite mutated: ${cases} cases, ${accepted} accepted by the walk and rewritten`);
  assert.ok(accepted > 0);
});

test('rewrite: an attribute dropped after an edit inside it goes whole, with nothing of the edit written', () => {
  // A value holding an array (whose element is replaced) and then a string (which drops the
  // attribute): two members of the oneof, as a sender may write them. The attribute's edits are
  // forgotten and the whole KeyValue goes; the attribute after it and the span around it are kept.
  const str = (field: number, s: string): number[] => [(field << 3) | 2, Buffer.byteLength(s), ...Buffer.from(s)];
  const msg = (field: number, body: number[]): number[] => [(field << 3) | 2, body.length, ...body];
  const oddValue = [...msg(5, msg(1, str(1, 'replace-me'))), ...str(1, 'drop-me')];
  const kept = (key: string, value: string): number[] => msg(9, [...str(1, key), ...msg(2, str(1, value))]);
  // Attributes on both sides, so a write that touched anything of the dropped one would show.
  const attrs = [...kept('first', 'a-longer-value-before-it'), ...msg(9, [...str(1, 'odd'), ...msg(2, oddValue)]), ...kept('kept', 'replace-me')];
  const span = (attributes: number[]): number[] => [...str(5, 'span'), ...attributes];
  const request = (attributes: number[]): Uint8Array => Uint8Array.from(msg(1, msg(2, msg(2, span(attributes)))));
  const visitor: RewriteVisitor = { value: (_p, _k, v) => (v === 'replace-me' ? 'R' : v === 'drop-me' ? null : undefined) };
  const out = new Rewriter().rewrite('traces', request(attrs), visitor);
  const expected = request([...kept('first', 'a-longer-value-before-it'), ...kept('kept', 'R')]);
  assert.deepEqual(Buffer.from(out), Buffer.from(expected));
  decodeTraces(out);
});

test('rewrite: replacements of every UTF-8 length are written exactly, lone surrogates as U+FFFD', () => {
  const cases = ['', 'a', 'é', '€', '😀', '\ud800', 'x\udc00y', '\ud83d\ude00\ud800', 'hmac:k1:' + 'A'.repeat(22), 'ü'.repeat(50), '😀'.repeat(40)];
  for (const replacement of cases) {
    const json = { resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [{ traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'n', attributes: [{ key: 'k', value: { stringValue: 'v' } }] }] }] }] };
    const out = new Rewriter().rewrite('traces', jsonToProtobuf('traces', JSON.stringify(json)), { value: (_p, k, v) => (k === 'k' ? `${replacement}|${v}` : undefined) });
    const expected = Buffer.from(new TextEncoder().encode(`${replacement}|v`));
    assert.ok(Buffer.from(out).includes(expected), `${JSON.stringify(replacement)} written as TextEncoder writes it`);
    decodeTraces(out, { utf8: 'replace' });
  }
});
