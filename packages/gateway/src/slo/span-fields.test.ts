// The tap reads each span in one pass of its own (span-fields.ts) and SDK-layout attribute values
// in place: on spans written in any layout protobuf allows (fields in any order and repeated,
// overlong varints, KeyValues with the value first or a key twice, unknown fields, long and
// negative varints, several resources), the tap counts what CEL over the view counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeTraces, OtlpDecodeError, type TracesView } from '@cairn/otlp';
import { compileSpanExpression, SpanContexts } from '../cel/index.js';
import { parseSloTexts } from './openslo.js';
import { SloTap } from './tap.js';

const enc = new TextEncoder();

/** A varint; `overlong` adds a needless 0x80 0x00 (still the same number, as protobuf reads it). */
function varint(n: bigint, overlong = false): number[] {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  while (v > 0x7fn) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  if (overlong && out.length < 9) { out[out.length - 1]! |= 0x80; out.push(0); }
  return out;
}

const concat = (...parts: (Uint8Array | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const tag = (no: number, wt: number, overlong = false) => varint(BigInt((no << 3) | wt), overlong);
const len = (no: number, body: Uint8Array, overlong = false) => concat(tag(no, 2, overlong), varint(BigInt(body.length), overlong), body);
const uvar = (no: number, n: bigint, overlong = false) => concat(tag(no, 0), varint(n, overlong));
const fixed64 = (no: number, n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return concat(tag(no, 1), b);
};

const str = fc.constantFrom('x', 'y', '', 'GET /a', 'é', 'a'.repeat(130));
/** AnyValue bodies: strings, ints (small, overlong, negative, past 2^53), a double, a bool, a list, empty. */
const anyValue: fc.Arbitrary<Uint8Array> = fc.oneof(
  str.map((s) => len(1, enc.encode(s))),
  str.map((s) => len(1, enc.encode(s), true)),
  fc.tuple(fc.constantFrom(0n, 200n, 299n, 500n, 70_000n, -1n, 2n ** 60n), fc.boolean()).map(([n, o]) => uvar(3, n, o)),
  fc.constantFrom(250.5, 600).map((d) => { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, d, true); return concat(tag(4, 1), b); }),
  fc.boolean().map((b) => uvar(2, b ? 1n : 0n)),
  fc.constant(len(5, len(1, len(1, enc.encode('x'))))),
  fc.constant(new Uint8Array(0)),
);
const key = fc.constantFrom('k', 'n', 'other', 'kk');
/** KeyValue bodies: as SDKs write them, value first, a decoy key before the real one, an unknown field, overlong lengths. */
const keyValue: fc.Arbitrary<Uint8Array> = fc.tuple(key, anyValue, fc.constantFrom('sdk', 'value-first', 'decoy', 'unknown', 'overlong', 'key-only')).map(([k, v, layout]) => {
  const keyField = len(1, enc.encode(k), layout === 'overlong');
  const valueField = len(2, v, layout === 'overlong');
  switch (layout) {
    case 'value-first': return concat(valueField, keyField);
    case 'decoy': return concat(len(1, enc.encode('n')), keyField, valueField);
    case 'unknown': return concat(keyField, valueField, uvar(7, 1n));
    case 'key-only': return keyField;
    default: return concat(keyField, valueField);
  }
});
const status = fc.record({
  codes: fc.array(fc.tuple(fc.constantFrom(0n, 1n, 2n, 300n, -1n), fc.boolean()), { maxLength: 2 }),
  message: fc.boolean(),
}).map(({ codes, message }) => len(15, concat(...(message ? [len(2, enc.encode('boom'))] : []), ...codes.map(([c, o]) => uvar(3, c, o)))));
/** Span fields, shuffled; name and kind may repeat (the last counts), times may be missing. */
const spanBody = fc.record({
  names: fc.array(fc.tuple(str, fc.boolean()), { maxLength: 2 }),
  kinds: fc.array(fc.tuple(fc.constantFrom(0n, 2n, 3n, 200n, -2n), fc.boolean()), { maxLength: 2 }),
  times: fc.option(fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 10n }), fc.bigInt({ min: 0n, max: 10n ** 10n }))),
  parent: fc.constantFrom('none', 'zeros', 'set'),
  attributes: fc.array(keyValue, { maxLength: 5 }),
  status: fc.option(status),
  unknown: fc.boolean(),
  state: fc.boolean(),
}).chain((s) => {
  const fields: Uint8Array[] = [
    len(1, new Uint8Array(16).fill(7)), len(2, new Uint8Array(8).fill(9)),
    ...s.names.map(([n, o]) => len(5, enc.encode(n), o)),
    ...s.kinds.map(([k, o]) => uvar(6, k, o)),
    ...(s.times ? [fixed64(7, 1_700_000_000_000_000_000n + s.times[0]), fixed64(8, 1_700_000_000_000_000_000n + s.times[1])] : []),
    ...(s.parent === 'none' ? [] : [len(4, new Uint8Array(8).fill(s.parent === 'zeros' ? 0 : 3))]),
    ...s.attributes.map((kv) => len(9, kv)),
    ...(s.status ? [s.status] : []),
    ...(s.unknown ? [uvar(99, 5n), len(98, enc.encode('zz'))] : []),
    ...(s.state ? [len(3, enc.encode('vendor=x'))] : []),
  ];
  return fc.shuffledSubarray(fields, { minLength: fields.length, maxLength: fields.length }).map((f) => concat(...f));
});

function request(resources: { service: string; spans: Uint8Array[] }[]): Uint8Array {
  return concat(...resources.map((r) => len(1, concat(
    len(1, len(1, concat(len(1, enc.encode('service.name')), len(2, len(1, enc.encode(r.service)))))),
    len(2, concat(len(1, len(1, enc.encode('s'))), ...r.spans.map((s) => len(2, s)))),
  ))));
}

const LEAVES = [
  'span.kind == 2', 'span.kind != 3', 'span.name == "x"', 'span.name == "y"', 'span.name != "GET /a"', 'span.name == "é"',
  'span.attributes["k"] == "x"', 'span.attributes["k"] == "y"', 'span.attributes["k"] != ""', 'span.attributes["kk"] == "x"',
  'span.attributes["n"] < 300', 'span.attributes["n"] == 500', 'span.attributes["k"] == 200', 'span.status.code == 2', 'span.status.code != 1',
  'span.duration_ms < 5000', 'span.is_root', 'resource["service.name"] == "checkout"', 'resource["service.name"] == "cart"',
  'span.trace_state == "vendor=x"', 'span.status.message == "boom"',
];
const expression: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...LEAVES),
  fc.tuple(fc.constantFrom(...LEAVES), fc.constantFrom('&&', '||'), fc.constantFrom(...LEAVES)).map(([a, op, b]) => `(${a}) ${op} (${b})`),
);

/** Per SLO, [good, bad, unjudgeable] as CEL alone counts them span by span (an error ends the SLO). */
function celCounts(view: TracesView, pairs: [string, string][]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  pairs.forEach(([where, good], k) => {
    const w = compileSpanExpression(where, 'w');
    const g = compileSpanExpression(good, 'g');
    const contexts = new SpanContexts([w, g]);
    contexts.reset(view);
    const row = [0, 0, 0];
    try {
      for (let i = 0; i < view.spanCount; i++) {
        if (w.evaluate(contexts.at(i)) !== true) continue;
        const r = g.evaluate(contexts.at(i));
        row[r === true ? 0 : r === false ? 1 : 2]! += 1;
      }
    } catch {
      // disabled from that span on; what it counted before stays
    }
    if (row[0]! + row[1]! + row[2]! > 0) out.set(`s${k}`, row);
  });
  return out;
}

describe('SLI tap, one pass per span', () => {
  it('property: on spans in any wire layout, over several resources, the tap counts what CEL over the view counts', () => {
    let decoded = 0;
    const resources = fc.array(fc.record({ service: fc.constantFrom('checkout', 'cart'), spans: fc.array(spanBody, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3 });
    const slos = fc.array(fc.tuple(expression, expression), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(resources, slos, (rs, pairs) => {
      let view: TracesView;
      try {
        view = decodeTraces(request(rs), { utf8: 'replace' });
      } catch (error) {
        if (error instanceof OtlpDecodeError) return; // refused by the walk: never reaches a tap
        throw error;
      }
      decoded++;
      const text = pairs.map(([where, good], k) => `apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: s${k} }\nspec:\n  indicator: { metadata: { name: i${k} }, spec: { spans: { where: ${JSON.stringify(where)}, good: ${JSON.stringify(good)} } } }\n  timeWindow: [{ duration: 7d, isRolling: true }]\n  objectives: [{ target: 0.99 }]\n`).join('---\n');
      const delta = new SloTap(parseSloTexts([{ file: 'k.yaml', text }]).slos).run(view, 0);
      const actual = new Map((delta?.counts ?? []).map((c) => [c.slo, [c.good, c.bad, c.unjudgeable]]));
      assert.deepEqual(actual, celCounts(view, pairs), text);
    }), { numRuns: process.env.CI ? 300 : 1500 });
    assert.ok(decoded > 100, `only ${decoded} requests decoded`);
  });

  it('property: a name or string attribute of arbitrary bytes (invalid UTF-8, overlong, encoded surrogates) against many literals of one group: CEL\'s verdicts', () => {
    const LITERALS = ['A', 'é', '\uFFFD', '😀', 'A\uFFFD', '', 'Aé', '\uFFFD\uFFFD', 'AA', '\u00C0\u00AF'];
    // The name's group has more than 32 literals (each is tried), the attribute's fewer (indexed by length).
    const names = [...LITERALS, ...Array.from({ length: 25 }, (_, i) => 'A'.repeat(i % 7) + String(i))];
    const texts = [...names.map((lit) => `span.name == ${JSON.stringify(lit)}`), ...LITERALS.map((lit) => `span.attributes["k"] == ${JSON.stringify(lit)}`)];
    const bytes = fc.array(fc.constantFrom(0x41, 0xc3, 0xa9, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0xff, 0xc0, 0xaf, 0xef, 0xbf, 0xbd), { maxLength: 6 }).map((b) => Uint8Array.from(b));
    const pairs = texts.map((where): [string, string] => [where, 'span.kind == 2']);
    const text = pairs.map(([where, good], k) => `apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: s${k} }\nspec:\n  indicator: { metadata: { name: i${k} }, spec: { spans: { where: ${JSON.stringify(where)}, good: ${JSON.stringify(good)} } } }\n  timeWindow: [{ duration: 7d, isRolling: true }]\n  objectives: [{ target: 0.99 }]\n`).join('---\n');
    const defs = parseSloTexts([{ file: 'k.yaml', text }]).slos;
    assert.equal(defs.length, texts.length);
    fc.assert(fc.property(fc.array(fc.tuple(bytes, bytes), { minLength: 1, maxLength: 4 }), (values) => {
      const spans = values.map(([name, value]) => concat(len(1, new Uint8Array(16).fill(7)), len(2, new Uint8Array(8).fill(9)), uvar(6, 2n), len(5, name), len(9, concat(len(1, enc.encode('k')), len(2, len(1, value))))));
      const view = decodeTraces(request([{ service: 'checkout', spans }]), { utf8: 'replace' });
      const delta = new SloTap(defs).run(view, 0);
      const actual = new Map((delta?.counts ?? []).map((c) => [c.slo, [c.good, c.bad, c.unjudgeable]]));
      assert.deepEqual(actual, celCounts(view, pairs));
    }), { numRuns: process.env.CI ? 300 : 1000 });
  });
});
