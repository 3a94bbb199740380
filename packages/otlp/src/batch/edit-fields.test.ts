// BatchEditor.setField / keepFirst: a span's trace_state and dropped counts replaced or added,
// its events cut, everything else of the request unchanged; on random requests the output is
// one the validating walk and protobufjs both read, with exactly the edited fields changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { buildTraces, decodeTraces, jsonToProtobuf } from '../index.js';
import { protobufjsDecoder, requestArbitraries } from '../testing/requests.js';

const CASES = process.env.CI === 'true' ? 80 : 400;
const pbjs = protobufjsDecoder(protobuf);

function trace(traceState?: string): Uint8Array {
  return buildTraces([{ scopeSpans: [{ spans: [
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'a', startTimeUnixNano: 1n, endTimeUnixNano: 2n, ...(traceState ? { traceState } : {}),
      events: [1, 2, 3].map((n) => ({ name: `e${n}`, timeUnixNano: BigInt(n) })), droppedEventsCount: 1 },
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203332', name: 'b', startTimeUnixNano: 1n, endTimeUnixNano: 2n, traceState: 'x=y' },
  ] }] }]);
}

test('setField replaces a span\'s trace_state and dropped_events_count, keepFirst cuts its events', () => {
  const view = decodeTraces(trace('rojo=00f'));
  const out = decodeTraces(view.edit().setField('span', 0, 3, 'ot=th:c,rojo=00f').setField('span', 0, 12, 3).keepFirst('span', 0, 11, 1).encode());
  const spans = out.spans();
  spans.seek(0);
  assert.equal(spans.traceState, 'ot=th:c,rojo=00f');
  assert.equal(spans.droppedEventsCount, 3);
  assert.equal(spans.eventCount, 1);
  assert.equal(spans.name, 'a');
  spans.seek(1);
  assert.equal(spans.traceState, 'x=y', 'the other span is untouched');
});

test('setField adds a field the span did not carry', () => {
  const out = decodeTraces(decodeTraces(trace()).edit().setField('span', 0, 3, 'ot=th:8').encode());
  assert.equal(out.spans().seek(0).traceState, 'ot=th:8');
});

test('setField refuses fields that are not singular strings or uint32s of the record', () => {
  const e = decodeTraces(trace()).edit();
  assert.throws(() => e.setField('span', 0, 3, 5), TypeError, 'trace_state takes a string');
  assert.throws(() => e.setField('span', 0, 12, 'x'), TypeError);
  assert.throws(() => e.setField('span', 0, 12, -1), TypeError);
  assert.throws(() => e.setField('span', 0, 9, 'x'), TypeError, 'attributes go through setAttribute');
  assert.throws(() => e.setField('span', 0, 99, 'x'), TypeError);
  assert.throws(() => e.keepFirst('span', 0, 3, 1), TypeError);
  assert.throws(() => e.setField('resource', 0, 3, 'x'), TypeError);
});

test('random requests: field edits read back, with attribute edits and drops beside them', () => {
  const arbs = requestArbitraries(fc, fc.string({ maxLength: 8 }), fc.constantFrom('a', 'b', 'SampleRate'));
  fc.assert(fc.property(arbs.traces, fc.string({ maxLength: 40 }), fc.nat(3), fc.nat(4), (json, state, keep, count) => {
    const view = decodeTraces(jsonToProtobuf('traces', JSON.stringify(json)));
    const n = view.spanCount;
    const edits = view.edit();
    for (let i = 0; i < n; i += 2) edits.setField('span', i, 3, state).setField('span', i, 10, count).keepFirst('span', i, 11, keep).setAttribute('span', i, 'SampleRate', 7);
    if (n > 1) edits.drop('span', 1);
    const bytes = edits.encode();
    pbjs('traces', bytes);
    const out = decodeTraces(bytes).spans();
    const original = view.spans();
    let j = 0;
    for (let i = 0; i < n; i++) {
      if (i === 1 && n > 1) continue;
      original.seek(i);
      out.seek(j++);
      assert.equal(out.spanIdHex, original.spanIdHex);
      if (i % 2 === 0) {
        assert.equal(out.traceState, state);
        assert.equal(out.droppedAttributesCount, count);
        assert.equal(out.eventCount, Math.min(keep, original.eventCount));
      } else {
        assert.equal(out.traceState, original.traceState);
        assert.equal(out.eventCount, original.eventCount);
      }
    }
    assert.equal(j, out.count);
  }), { numRuns: CASES });
});
