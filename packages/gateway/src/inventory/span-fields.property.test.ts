// SpanFields is a second reader of spans and scopes on the wire: on any request the walk accepts,
// with fields in any order, repeated, and varints not minimally encoded, it must read what
// SpanCursor and BatchView read (name, kind, trace state, status code, events, links, the
// attributes, the scope's name and attributes), or the inventory would count under another name
// than the one the gateway routes by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AttributeCursor, decodeTraces, decodeUtf8 } from '@cairn/otlp';
import { SpanFields } from './span-fields.js';

const RUNS = process.env.CI ? 50 : 300;
const utf8 = new TextEncoder();

function varint(n: number, pad = 0): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0 || pad > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  // Non-minimal: continuation bytes of zero, then a final zero byte.
  for (let i = 0; i < pad; i++) out.push(i === pad - 1 ? 0 : 0x80);
  return out;
}
const len = (no: number, body: number[]): number[] => [...varint((no << 3) | 2), ...varint(body.length), ...body];
const num = (no: number, v: number, pad = 0): number[] => [...varint(no << 3), ...varint(v, pad)];
const str = (no: number, s: string): number[] => len(no, [...utf8.encode(s)]);
const fixed = (no: number, n: number, wt: 1 | 5): number[] => [...varint((no << 3) | wt), ...new Array<number>(n).fill(7)];
const kv = (key: string, value: string): number[] => len(9, [...str(1, key), ...len(2, str(1, value))]);

const text = fc.string({ maxLength: 12 });
const field = fc.oneof(
  fc.tuple(fc.constant('name'), text).map(([, s]) => str(5, s)),
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 })).map(([k, pad]) => num(6, k, pad)),
  text.map((s) => str(3, s)),
  fc.tuple(text, text).map(([k, v]) => kv(k, v)),
  text.map((s) => len(11, str(2, s))),
  fc.constant(len(13, [...len(1, new Array<number>(16).fill(1)), ...len(2, new Array<number>(8).fill(2))])),
  fc.constant(fixed(7, 8, 1)),
  fc.constant(fixed(16, 4, 5)),
  fc.constant(num(10, 3)),
);
/** Status: at most once (the walk refuses a second copy of a message field), with codes in any order. */
const status = fc.option(fc.array(fc.oneof(fc.integer({ min: 0, max: 2 }).map((c) => num(3, c)), text.map((s) => str(2, s))), { maxLength: 3 }).map((parts) => len(15, parts.flat())));

const span = fc.tuple(fc.array(field, { maxLength: 12 }), status).map(([fields, st]) => [
  ...len(1, new Array<number>(16).fill(9)), ...len(2, new Array<number>(8).fill(8)), ...fields.flat(), ...(st ?? []),
]);
const scope = fc.option(fc.tuple(fc.array(text, { maxLength: 2 }), fc.array(fc.tuple(text, text), { maxLength: 3 })).map(([names, attrs]) => len(1, [...names.flatMap((n) => str(1, n)), ...attrs.flatMap(([k, v]) => len(3, [...str(1, k), ...len(2, str(1, v))]))])));

function request(spans: number[][], scopeBytes: number[] | null, scopeFirst: boolean): Uint8Array {
  const body = spans.flatMap((s) => len(2, s));
  const scopeSpans = scopeFirst ? [...(scopeBytes ?? []), ...body] : [...body, ...(scopeBytes ?? [])];
  const resource = len(1, len(1, [...str(1, 'service.name'), ...len(2, str(1, 'svc'))]));
  return new Uint8Array(len(1, [...resource, ...len(2, scopeSpans)]));
}

function keys(cursor: AttributeCursor): string[] {
  const out: string[] = [];
  while (cursor.next()) out.push(`${cursor.key}=${String(cursor.stringValue)}`);
  return out;
}

test('SpanFields reads what SpanCursor and BatchView read', () => {
  let checked = 0;
  fc.assert(fc.property(fc.array(span, { minLength: 1, maxLength: 4 }), scope, fc.boolean(), (spans, scopeBytes, scopeFirst) => {
    const body = request(spans, scopeBytes, scopeFirst);
    let view;
    try {
      view = decodeTraces(body);
    } catch {
      return; // refused by the walk: the tap never sees it
    }
    checked++;
    const f = new SpanFields();
    const mine = new AttributeCursor();
    const theirs = new AttributeCursor();
    const levels = view.levels[1]!;
    for (let s = 0; s < view.scopeCount; s++) {
      f.scope(body, levels.start[s]!, levels.end[s]!);
      assert.equal(f.nameTo > f.nameAt ? decodeUtf8(body, f.nameAt, f.nameTo) : '', view.scopeName(s));
      assert.deepEqual(keys(mine.reset(body, f.attributesFrom, f.attributesTo, 3)), keys(view.scopeAttributes(s, theirs)));
    }
    const cursor = view.spans();
    while (cursor.next()) {
      f.read(body, cursor.start, cursor.end);
      assert.deepEqual({
        name: f.nameTo > f.nameAt ? decodeUtf8(body, f.nameAt, f.nameTo) : '',
        kind: f.kind,
        traceState: f.traceStateTo > f.traceStateAt ? decodeUtf8(body, f.traceStateAt, f.traceStateTo) : '',
        statusCode: f.statusCode,
        hasEvents: f.hasEvents,
        hasLinks: f.hasLinks,
        attributes: keys(mine.reset(body, f.attributesFrom, f.attributesTo, 9)),
      }, {
        name: cursor.name, kind: cursor.kind, traceState: cursor.traceState, statusCode: cursor.statusCode,
        hasEvents: cursor.hasEvents, hasLinks: cursor.hasLinks, attributes: keys(cursor.attributes(theirs)),
      });
    }
  }), { numRuns: RUNS });
  // Most generated requests must reach the comparison, or the property proves little.
  assert.ok(checked > RUNS / 2, `only ${checked} of ${RUNS} requests were accepted by the walk`);
});
