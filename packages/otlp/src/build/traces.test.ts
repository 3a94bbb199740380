import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTraces, decodeTraces, type IdInput } from '../index.js';

const span = (traceId: IdInput, spanId: IdInput, parentSpanId?: IdInput) => ({ traceId, spanId, parentSpanId, name: 'op', startTimeUnixNano: 1n, endTimeUnixNano: 2n });
const build = (...spans: ReturnType<typeof span>[]): Uint8Array => buildTraces([{ scopeSpans: [{ spans }] }]);

test('hex ids write the same bytes as the same ids given as bytes, however long, one after another', () => {
  const long = 'ab'.repeat(40); // longer than the 16 bytes the builder's id buffer starts with
  const ids = ['0AF7651916CD43DD8448EB211C80319C', 'b7ad6b7169203331', long, '01', 'b7ad6b7169203331'];
  const bytes = ids.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
  const fromHex = build(span(ids[0]!, ids[1]!, ids[1]), span(ids[2]!, ids[3]!), span(ids[4]!, ids[3]!, ids[2]));
  const fromBytes = build(span(bytes[0]!, bytes[1]!, bytes[1]), span(bytes[2]!, bytes[3]!), span(bytes[4]!, bytes[3]!, bytes[2]));
  assert.deepEqual(Buffer.from(fromHex), Buffer.from(fromBytes));
  const spans = decodeTraces(fromHex).spans();
  const got: string[] = [];
  while (spans.next()) got.push(`${spans.traceIdHex}/${spans.spanIdHex}/${spans.parentSpanIdHex}`);
  assert.deepEqual(got, [`${ids[0]!.toLowerCase()}/${ids[1]}/${ids[1]}`, `${long}/01/`, `b7ad6b7169203331/01/${long}`]);
});

test('an id that is not even-length hex is a TypeError naming it', () => {
  for (const bad of ['abc', '0g', 'zz', '0\u0130', 'é1']) {
    assert.throws(() => build(span(bad, '01')), { name: 'TypeError', message: `id ${JSON.stringify(bad)} is not hex` });
  }
  assert.equal(decodeTraces(build(span('', new Uint8Array(0)))).spans().seek(0).traceIdHex, ''); // empty ids are left out
});
