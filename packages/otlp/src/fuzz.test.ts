// Property tests: arbitrary bytes and mutated valid requests either decode (and every accessor
// then works) or throw OtlpDecodeError. CI runs fewer cases; bench/otlp/src/fuzz.ts runs 1M+.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtobufTraceSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { OtlpDecodeError, decodeLogs, decodeTraces, decodeTracesJson, protobufToJson, viewToJson, AttributeCursor } from './index.js';
import { sdkLogs, sdkSpans } from './testing/fixtures.test.js';

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

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('overlong' as const), at: fc.nat() }),
);

function mutate(base: Uint8Array, ms: { kind: string; at: number; bit?: number; bytes?: Uint8Array }[]): Uint8Array {
  let b = Uint8Array.from(base);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip' && b.length > 0) b[at]! ^= 1 << m.bit!;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (m.kind === 'splice') b = new Uint8Array([...b.subarray(0, at), ...m.bytes!, ...b.subarray(at)]);
    else if (m.kind === 'overlong') b = new Uint8Array([...b.subarray(0, at), ...new Array(11).fill(0x80), 0x00, ...b.subarray(at)]);
  }
  return b;
}

test('random bytes never crash the decoder', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => exercise(bytes)), { numRuns: RUNS });
});

test('mutated SDK requests (bit flips, truncation, splices, overlong varints) never crash', () => {
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => exercise(mutate(traces, ms))), { numRuns: RUNS });
});

test('mutated log requests never crash', () => {
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
    try {
      const v = decodeLogs(mutate(logs, ms));
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
