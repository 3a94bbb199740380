// The attribute cursor reads the common layouts through shortcuts (canonical KeyValue, short
// ASCII strings, interned keys); these tests hold the shortcuts to the general decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttributeCursor, ValueType, buildTraces, decodeTraces, type AnyValue, type Attributes } from '../index.js';

const enc = new TextEncoder();
const bytes = (...parts: (number | Uint8Array)[]): Uint8Array => {
  const out: number[] = [];
  for (const p of parts) typeof p === 'number' ? out.push(p) : out.push(...p);
  return Uint8Array.from(out);
};
const varint = (n: number): Uint8Array => {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Uint8Array.from(out);
};
const field = (no: number, body: Uint8Array): Uint8Array => bytes(...varint((no << 3) | 2), ...varint(body.length), body);
const text = (s: string): Uint8Array => enc.encode(s);

/** An ExportTraceServiceRequest with one span whose attributes are the given KeyValue bodies. */
function request(keyValues: Uint8Array[]): Uint8Array {
  const span = bytes(field(1, new Uint8Array(16).fill(1)), field(2, new Uint8Array(8).fill(2)), field(5, text('op')), ...keyValues.map((kv) => field(9, kv)));
  return field(1, field(2, field(2, span)));
}

function readAll(body: Uint8Array): [string, ValueType, AnyValue][] {
  const spans = decodeTraces(body).spans();
  assert.ok(spans.next());
  const a = spans.attributes(new AttributeCursor());
  const out: [string, ValueType, AnyValue][] = [];
  while (a.next()) out.push([a.key, a.valueType, a.value]);
  return out;
}

test('attributes in unusual layouts read the same as the layout SDKs write', () => {
  const long = 'k'.repeat(200);
  const got = readAll(request([
    bytes(field(2, field(1, text('v'))), field(1, text('value-first'))), // value before key
    bytes(field(1, text('two-strings')), field(2, bytes(field(1, text('x')), field(1, text('y'))))), // one variant twice: the last wins
    bytes(field(1, text(long)), field(2, field(1, text('long key')))), // two-byte key length
    bytes(field(1, text('long-value')), field(2, field(1, text(long)))), // two-byte value length
    bytes(field(1, text('unknown-field')), 0x18, 0x07, field(2, bytes(0x10, 0x01))), // unknown KeyValue field 3
    bytes(field(1, text('empty')), field(2, new Uint8Array(0))),
    bytes(field(1, text('neg')), field(2, bytes(0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))), // -1: ten-byte varint
    bytes(field(1, text('no-value'))),
  ]));
  assert.deepEqual(got, [
    ['value-first', ValueType.String, 'v'],
    ['two-strings', ValueType.String, 'y'],
    [long, ValueType.String, 'long key'],
    ['long-value', ValueType.String, long],
    ['unknown-field', ValueType.Bool, true],
    ['empty', ValueType.Empty, null],
    ['neg', ValueType.Int, -1],
    ['no-value', ValueType.Empty, null],
  ]);
});

test('an AnyValue with two members of its oneof, or a KeyValue with two values, is refused', () => {
  const codeOf = (kv: Uint8Array): string | undefined => {
    try { readAll(request([kv])); return undefined; } catch (e) { return (e as { code?: string }).code; }
  };
  assert.equal(codeOf(bytes(field(1, text('k')), field(2, bytes(field(1, text('x')), 0x18, 0x05)))), 'OTLP_ONEOF_CONFLICT'); // string, then int
  assert.equal(codeOf(bytes(field(1, text('k')), field(2, bytes(0x10, 0x01, field(5, new Uint8Array(0)))))), 'OTLP_ONEOF_CONFLICT'); // bool, then array (general walk)
  assert.equal(codeOf(bytes(field(1, text('k')), field(2, bytes(field(6, new Uint8Array(0)), field(5, new Uint8Array(0)))))), 'OTLP_ONEOF_CONFLICT');
  assert.equal(codeOf(bytes(field(1, text('k')), field(2, bytes(field(5, new Uint8Array(0)), field(5, new Uint8Array(0)))))), 'OTLP_DUPLICATE_FIELD'); // array twice merges in protobuf
  assert.equal(codeOf(bytes(field(1, text('k')), field(2, bytes(field(1, text('a')))), field(2, bytes(0x18, 0x01)))), 'OTLP_DUPLICATE_FIELD'); // KeyValue.value twice
  assert.equal(codeOf(bytes(field(2, bytes(field(1, text('a')))), 0x18, 0x01, field(2, bytes(0x18, 0x01)))), 'OTLP_DUPLICATE_FIELD'); // same, through the general walk
});

test('every kind of value reads back as built, through the canonical layout', () => {
  const attributes: Attributes = { s: 'text', b: false, i: -42, big: 2n ** 60n, d: 2.5, bytes: Uint8Array.of(1, 2, 3), arr: ['a', 1], kv: new Map([['x', 'y']]) };
  const body = buildTraces([{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'op', startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes }] }] }]);
  const got = new Map(readAll(body).map(([k, , v]) => [k, v]));
  assert.equal(got.get('s'), 'text');
  assert.equal(got.get('b'), false);
  assert.equal(got.get('i'), -42);
  assert.equal(got.get('big'), 2n ** 60n);
  assert.equal(got.get('d'), 2.5);
  assert.deepEqual([...(got.get('bytes') as Uint8Array)], [1, 2, 3]);
  assert.deepEqual(got.get('arr'), ['a', 1]);
  assert.deepEqual(got.get('kv'), new Map([['x', 'y']]));
});

test('string values of every length from 0 to 40 bytes, ASCII or not, decode like TextDecoder', () => {
  const samples: string[] = [];
  for (let n = 0; n <= 40; n++) {
    samples.push('abcdefghijklmnopqrstuvwxyz0123456789/._-'.slice(0, n));
    if (n >= 2) samples.push('é' + 'x'.repeat(n - 2)); // two-byte character first: n bytes
    if (n >= 1) samples.push('x'.repeat(n - 1) + '\u0000');
  }
  const kvs = samples.map((s, i) => bytes(field(1, text(`k${i}`)), field(2, field(1, text(s)))));
  kvs.push(bytes(field(1, text('bad')), field(2, field(1, bytes(0x61, 0xff, 0x62))))); // invalid UTF-8: U+FFFD
  const got = readAll(request(kvs)).map(([, , v]) => v);
  assert.deepEqual(got, [...samples, 'a\ufffdb']);
});

test('keys that share length and first, middle and last bytes are told apart', () => {
  // These land in the same slot of the key table, so each read must compare every byte.
  const keys: string[] = [];
  for (let i = 0; i < 50; i++) keys.push(`a${String(i).padStart(2, '0')}.middle.${String(49 - i).padStart(2, '0')}z`);
  keys.push('ab', 'ac', 'abc', 'abd', 'héllo', 'hello');
  const kvs = keys.map((k) => bytes(field(1, text(k)), field(2, bytes(0x18, 0x01))));
  for (let round = 0; round < 3; round++) assert.deepEqual(readAll(request(kvs)).map(([k]) => k), keys);
});

test('a request with more spans than the index first reserves grows it and keeps every span', () => {
  // The index reserves one record slot per 128 bytes; tiny spans overflow it.
  const spans = Array.from({ length: 300 }, (_, i) => bytes(field(5, text(`s${i}`))));
  const body = field(1, field(2, bytes(...spans.map((s) => field(2, s)))));
  const view = decodeTraces(body);
  assert.equal(view.spanCount, 300);
  const cursor = view.spans();
  const names: string[] = [];
  while (cursor.next()) names.push(cursor.name);
  assert.deepEqual(names, spans.map((_, i) => `s${i}`));
});

test('span fields read after walking attributes, and attributes after reading fields', () => {
  const body = buildTraces([{ scopeSpans: [{ spans: [
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'first', startTimeUnixNano: 1n, endTimeUnixNano: 5n, attributes: { a: 1 } },
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203332', name: 'second', startTimeUnixNano: 2n, endTimeUnixNano: 9n, attributes: { b: 2 } },
  ] }] }]);
  const spans = decodeTraces(body).spans();
  const a = new AttributeCursor();
  assert.ok(spans.next());
  spans.attributes(a);
  assert.ok(a.next());
  assert.equal(a.key, 'a');
  assert.equal(spans.name, 'first');
  assert.equal(spans.durationNanos, 4);
  assert.ok(spans.next());
  assert.equal(spans.name, 'second'); // the field table follows the cursor
  assert.equal(spans.spanIdHex, 'b7ad6b7169203332');
  spans.attributes(a);
  assert.ok(a.next());
  assert.equal(a.key, 'b');
});

test('a string sent twice reads as the last one; a singular message sent twice is refused where it repeats', () => {
  const kv = (key: string, v: number): Uint8Array => bytes(field(1, text(key)), field(2, bytes(0x18, v)));
  const span = bytes(field(5, text('op')), field(9, bytes(field(1, text('first-key')), field(1, text('key')), field(2, bytes(0x18, 1)))),
    field(15, bytes(field(2, text('m1')), 0x18, 0x02, field(2, text('m2')))));
  const scopeSpans = bytes(field(1, bytes(field(1, text('scope')), field(2, text('1.0')))), field(2, span), field(3, text('scope-url')));
  const withResource = bytes(field(1, bytes(field(1, kv('new', 2)), 0x10, 0x03)), field(2, scopeSpans), field(3, text('res-url')));
  const withoutResource = bytes(field(2, field(2, field(2, field(5, text('bare'))))), field(3, text('bare-url')));
  const view = decodeTraces(bytes(field(1, withResource), field(1, withoutResource)));
  const attrs = (c: AttributeCursor): string[] => { const out: string[] = []; while (c.next()) out.push(`${c.key}=${String(c.value)}`); return out; };
  assert.deepEqual(attrs(view.resourceAttributes(0)), ['new=2']);
  assert.equal(view.resourceDroppedAttributesCount(0), 3);
  assert.equal(view.resourceSchemaUrl(0), 'res-url');
  assert.equal(view.scopeName(0), 'scope');
  assert.equal(view.scopeVersion(0), '1.0');
  assert.equal(view.scopeSchemaUrl(0), 'scope-url');
  assert.deepEqual(attrs(view.resourceAttributes(1)), []);
  assert.equal(view.resourceDroppedAttributesCount(1), 0);
  assert.equal(view.resourceSchemaUrl(1), 'bare-url');
  assert.equal(view.scopeName(1), '');
  const spans = view.spans();
  assert.ok(spans.next());
  assert.equal(spans.statusMessage, 'm2');
  assert.equal(spans.statusCode, 2);
  assert.deepEqual(attrs(spans.attributes()), ['key=1']);
  const renamed = view.edit().renameAttribute('span', 0, 'key', 'renamed').encode();
  assert.deepEqual(attrs(decodeTraces(renamed).spans().seek(0).attributes()), ['renamed=1']);
  const kept = view.edit().deleteAttribute('span', 0, 'first-key').encode();
  assert.deepEqual(attrs(decodeTraces(kept).spans().seek(0).attributes()), ['key=1']);
  const deleted = view.edit().deleteAttribute('span', 0, 'key').encode();
  assert.deepEqual(attrs(decodeTraces(deleted).spans().seek(0).attributes()), []);

  // Protobuf parsers merge two copies of a singular message; the walk refuses the second copy.
  const refused = (body: Uint8Array, offset: number): void => {
    assert.throws(() => decodeTraces(body), (e: Error & { code?: string; offset?: number }) => e.code === 'OTLP_DUPLICATE_FIELD' && e.offset === offset);
  };
  const payments = field(1, field(1, kv('a', 1)));
  refused(field(1, bytes(payments, field(1, field(1, kv('b', 2))))), 2 + payments.length);
  const scope = field(1, field(1, text('a')));
  refused(field(1, field(2, bytes(scope, field(1, field(1, text('b')))))), 4 + scope.length);
  const name = field(5, text('op'));
  const status = field(15, bytes(0x18, 0x01));
  refused(field(1, field(2, field(2, bytes(name, status, field(15, bytes(0x18, 0x02)))))), 6 + name.length + status.length);
});
