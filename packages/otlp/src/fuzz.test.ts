// Property tests: arbitrary bytes and mutated valid requests either decode (and every accessor
// then works) or throw OtlpDecodeError. CI runs fewer cases; bench/otlp/src/fuzz.ts runs 1M+.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtobufTraceSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { OtlpDecodeError, decodeLogs, decodeTraces, decodeTracesJson, protobufToJson, viewToJson, AttributeCursor } from './index.js';
import { sdkLogs, sdkSpans } from './testing/fixtures.test.js';
import { byteMutations, mutateBytes } from './testing/requests.js';

const RUNS = process.env.CI === 'true' ? 200 : 2000;
const traces = ProtobufTraceSerializer.serializeRequest(sdkSpans())!;
const logs = ProtobufLogsSerializer.serializeRequest(sdkLogs())!;

/** Decodes and touches everything; returns normally or throws OtlpDecodeError only. */
function exercise(bytes: Uint8Array): void {
  try {
    const view = decodeTraces(bytes);
    const c = view.spans();
    const a = new AttributeCursor();
    while (c.next()) {
      void (c.name + c.traceIdHex + c.statusMessage + c.startTimeUnixNano + c.durationNanos);
      c.attributes(a);
      while (a.next()) void [a.key, a.value];
      const ev = c.events();
      while (ev.next()) void ev.name;
    }
    for (let r = 0; r < view.resourceCount; r++) { view.resourceAttributes(r, a); while (a.next()) void a.value; }
    if (view.spanCount > 0) decodeTraces(view.edit().setAttribute('span', 0, 'k', 1).drop('span', view.spanCount - 1).encode());
    decodeTracesJson(viewToJson(view));
  } catch (e) {
    if (!(e instanceof OtlpDecodeError)) throw e;
  }
}

const mutation = byteMutations(fc, { spliceMaxLength: 12, overlong: true });

test('random bytes never crash the decoder', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => exercise(bytes)), { numRuns: RUNS });
});

test('mutated SDK requests (bit flips, truncation, splices, overlong varints) never crash', () => {
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => exercise(mutateBytes(traces, ms))), { numRuns: RUNS });
});

test('mutated log requests never crash', () => {
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
    try {
      const v = decodeLogs(mutateBytes(logs, ms));
      const c = v.logs();
      while (c.next()) void [c.body, c.severityText];
      protobufToJson('logs', v.bytes);
    } catch (e) {
      if (!(e instanceof OtlpDecodeError)) throw e;
    }
  }), { numRuns: RUNS });
});

test('random JSON text never crashes the JSON decoder', () => {
  fc.assert(fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
    try { decodeTracesJson(text); } catch (e) { if (!(e instanceof OtlpDecodeError)) throw e; }
  }), { numRuns: RUNS });
});

test('the unmutated corpus still decodes (the properties above are not vacuous)', () => {
  assert.equal(decodeTraces(traces).spanCount, sdkSpans().length);
});
