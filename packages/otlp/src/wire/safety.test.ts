import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpDecodeError, buildTraces, decodeTraces, decodeTracesJson, type OtlpErrorCode } from '../index.js';

function rejects(fn: () => unknown, code: OtlpErrorCode, offset?: number): OtlpDecodeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof OtlpDecodeError, `expected OtlpDecodeError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (offset !== undefined) assert.equal(e.offset, offset);
    return e;
  }
  assert.fail(`expected ${code}`);
}

const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'op', startTimeUnixNano: 1n, endTimeUnixNano: 2n };
const valid = buildTraces([{ scopeSpans: [{ scope: { name: 's' }, spans: [{ ...span, attributes: { k: 'v' } }] }] }]);

test('a body cut short is OTLP_TRUNCATED at the field that runs past the end', () => {
  for (let n = 1; n < valid.length; n++) {
    const e = rejects(() => decodeTraces(valid.subarray(0, n)), 'OTLP_TRUNCATED');
    assert.ok(e.offset < n);
  }
});

test('a field with the wrong wire type is OTLP_WIRE_TYPE with its offset', () => {
  rejects(() => decodeTraces(Uint8Array.of(0x08, 0x01)), 'OTLP_WIRE_TYPE', 0); // resource_spans as a varint
});

test('a varint longer than 10 bytes is OTLP_VARINT_OVERLONG', () => {
  const bytes = Uint8Array.of(0x78, ...new Array(11).fill(0xff), 0x01); // unknown field 15, varint
  rejects(() => decodeTraces(bytes), 'OTLP_VARINT_OVERLONG', 1);
});

test('field number 0 and protobuf groups are OTLP_INVALID_TAG', () => {
  rejects(() => decodeTraces(Uint8Array.of(0x00)), 'OTLP_INVALID_TAG', 0);
  rejects(() => decodeTraces(Uint8Array.of(0x7b)), 'OTLP_INVALID_TAG', 0);
});

test('AnyValue nested deeper than maxDepth is OTLP_DEPTH', () => {
  let value: unknown = 'leaf';
  for (let i = 0; i < 40; i++) value = [value];
  const bytes = buildTraces([{ scopeSpans: [{ spans: [{ ...span, attributes: { deep: value as string } }] }] }]);
  rejects(() => decodeTraces(bytes), 'OTLP_DEPTH');
  assert.equal(decodeTraces(bytes, { maxDepth: 64 }).spanCount, 1);
});

test('a message over maxMessageBytes is OTLP_TOO_LARGE', () => {
  rejects(() => decodeTraces(valid, { maxMessageBytes: 10 }), 'OTLP_TOO_LARGE');
  rejects(() => decodeTracesJson('{"resourceSpans":[]}', { maxMessageBytes: 5 }), 'OTLP_TOO_LARGE');
});

test('a span with more attributes than maxAttributes is OTLP_TOO_MANY_ATTRIBUTES', () => {
  const attributes: Record<string, number> = {};
  for (let i = 0; i < 20; i++) attributes[`a${i}`] = i;
  const bytes = buildTraces([{ scopeSpans: [{ spans: [{ ...span, attributes }] }] }]);
  rejects(() => decodeTraces(bytes, { maxAttributes: 10 }), 'OTLP_TOO_MANY_ATTRIBUTES');
  assert.equal(decodeTraces(bytes, { maxAttributes: 20 }).spanCount, 1);
});

test('invalid UTF-8 is replaced with U+FFFD by default and rejected with utf8: reject', () => {
  const bytes = buildTraces([{ scopeSpans: [{ spans: [{ ...span, name: 'ab' }] }] }]);
  const at = Buffer.from(bytes).indexOf('ab');
  bytes[at] = 0xff;
  assert.equal(decodeTraces(bytes).spans().seek(0).name, '\ufffdb');
  rejects(() => decodeTraces(bytes, { utf8: 'reject' }), 'OTLP_INVALID_UTF8', at);
});

test('unknown fields are accepted and passed through byte for byte', () => {
  const extra = Uint8Array.of(0xf8, 0x07, 0x2a); // field 127 varint 42 at the top level
  const bytes = new Uint8Array([...valid, ...extra]);
  const view = decodeTraces(bytes);
  const out = view.edit().setAttribute('span', 0, 'k', 'w').encode();
  assert.deepEqual([...out.subarray(out.length - 3)], [...extra]);
});

test('bad OTLP/JSON gives a typed error with a JSON path', () => {
  rejects(() => decodeTracesJson('{"resourceSpans":['), 'OTLP_JSON_SYNTAX');
  const e = rejects(() => decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedAttributesCount":"xyz"}]}]}]}'), 'OTLP_JSON_VALUE');
  assert.equal(e.path, 'resourceSpans[0].scopeSpans[0].spans[0].droppedAttributesCount');
  const t = rejects(() => decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SERVER"}]}]}]}'), 'OTLP_JSON_VALUE'); // enum names are not OTLP/JSON
  assert.equal(t.path, 'resourceSpans[0].scopeSpans[0].spans[0].kind');
  rejects(() => decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]}'), 'OTLP_JSON_VALUE');
  const t2 = rejects(() => decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":{}}]}]}]}'), 'OTLP_JSON_TYPE');
  assert.equal(t2.path, 'resourceSpans[0].scopeSpans[0].spans[0].attributes');
});

test('OTLP/JSON ignores unknown keys and accepts int64 as strings or numbers', () => {
  const view = decodeTracesJson('{"resourceSpans":[{"futureField":{"a":[1,{"b":null}]},"scopeSpans":[{"spans":[{"name":"x","startTimeUnixNano":"18446744073709551615","endTimeUnixNano":12}]}]}]}');
  const s = view.spans().seek(0);
  assert.equal(s.startTimeUnixNano, 18446744073709551615n);
  assert.equal(s.endTimeUnixNano, 12n);
  assert.equal(s.name, 'x');
});

test('ProtoWriter.varint throws on a negative or fractional number instead of writing a malformed byte', async () => {
  const { ProtoWriter } = await import('./writer.js');
  const w = new ProtoWriter(16);
  for (const bad of [-1, -0.5, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY]) assert.throws(() => w.varint(bad), RangeError, String(bad));
  w.varint(0);
  w.varint(2 ** 53 - 1);
  assert.deepEqual([...w.finish()], [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
});

test('resource attributes must be valid UTF-8 even with utf8: "replace"; a scope key twice is refused too', () => {
  const kv = (key: Uint8Array, value: Uint8Array): number[] => { const v = [0x0a, value.length, ...value]; const body = [0x0a, key.length, ...key, 0x12, v.length, ...v]; return [0x0a, body.length, ...body]; };
  const wrap = (no: number, body: number[]): number[] => [(no << 3) | 2, body.length, ...body];
  const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
  const request = (resource: number[], scope: number[] = []): Uint8Array => Uint8Array.from(wrap(1, [...wrap(1, resource), ...wrap(2, wrap(1, scope))]));
  const bad = request(kv(ascii('service.name'), Uint8Array.of(0x63, 0xff)));
  assert.equal(bad[rejects(() => decodeTraces(bad), 'OTLP_INVALID_UTF8').offset], 0xff); // the offset of the bad byte
  rejects(() => decodeTraces(request(kv(Uint8Array.of(0x6b, 0xc3), ascii('v')))), 'OTLP_INVALID_UTF8');
  const nested = [0x2a, 5, 0x0a, 3, 0x0a, 1, 0xff]; // array_value [string_value "\xff"]
  const nestedKv = [0x0a, 1, 0x6b, 0x12, nested.length, ...nested];
  rejects(() => decodeTraces(request([0x0a, nestedKv.length, ...nestedKv])), 'OTLP_INVALID_UTF8');
  assert.equal(decodeTraces(request(kv(ascii('service.name'), ascii('checkout')))).serviceName(0), 'checkout');
  const scopeKv = kv(ascii('k'), ascii('v')).map((b, i) => (i === 0 ? 0x1a : b)); // InstrumentationScope.attributes is field 3
  rejects(() => decodeTraces(request([], [...scopeKv, ...scopeKv])), 'OTLP_DUPLICATE_ATTRIBUTE_KEY');
});
