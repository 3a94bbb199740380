// The walk's id check (BatchView.malformedIds) against the same rules read through the cursors,
// record by record, as the gateway did before the walk found them: random requests of the three
// signals whose ids are right, all zeros, of any other length, missing or sent twice (the last
// copy counts, as in every parser), in spans, links, log records and exemplars.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeLogs, decodeMetrics, decodeTraces } from '../index.js';
import type { LinkCursor } from '../traces/view.js';
import type { ExemplarCursor } from '../metrics/view.js';

const RUNS = process.env.CI ? 300 : 2000;

// ---- a tiny protobuf encoder: fields as [number, bytes | string | fixed64 number] ----
type Field = [no: number, value: Uint8Array | string | { fixed64: number }];

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return out;
}

function message(fields: readonly Field[]): Uint8Array {
  const out: number[] = [];
  for (const [no, value] of fields) {
    if (typeof value === 'object' && 'fixed64' in value) {
      out.push(...varint(no * 8 + 1), value.fixed64 & 0xff, 0, 0, 0, 0, 0, 0, 0);
      continue;
    }
    const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    out.push(...varint(no * 8 + 2), ...varint(bytes.length), ...bytes);
  }
  return Uint8Array.from(out);
}

// ---- ids: right, zeros, another length, or several copies ----
const idBytes = (size: number) => fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: size, maxLength: size }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(size)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 20 }) },
);
/** Zero to two copies of an id field. */
const idCopies = (no: number, size: number) => fc.array(idBytes(size).map((b): Field => [no, b]), { maxLength: 2 });
const other = fc.array(fc.constantFrom<Field>([5, 'GET /cart'], [9, message([[1, 'k'], [2, message([[1, 'v']])]])]), { maxLength: 2 });

/** The fields, shuffled: where an id sits among the others must not matter, only which copy is last. */
function shuffled(parts: Field[][], order: number[]): Field[] {
  const all = parts.flat();
  return order.length === 0 ? all : all.map((f, i) => [f, order[i % order.length]! + i] as const).sort((a, b) => a[1] - b[1]).map(([f]) => f);
}

const link = fc.tuple(idCopies(1, 16), idCopies(2, 8), fc.array(fc.nat(7), { maxLength: 4 })).map(([t, s, o]) => message(shuffled([t, s], o)));
const span = fc.tuple(idCopies(1, 16), idCopies(2, 8), idCopies(4, 8), other, fc.array(link, { maxLength: 2 }), fc.array(fc.nat(9), { maxLength: 6 }))
  .map(([t, s, p, rest, links, o]) => message([...shuffled([t, s, p, rest], o), ...links.map((l): Field => [13, l])]));
const log = fc.tuple(idCopies(9, 16), idCopies(10, 8), fc.array(fc.nat(5), { maxLength: 4 }))
  .map(([t, s, o]) => message([[3, 'INFO'], ...shuffled([t, s], o)]));
const exemplar = fc.tuple(idCopies(5, 16), idCopies(4, 8)).map(([t, s]) => message([[3, { fixed64: 1 }], ...t, ...s]));
const point = fc.array(exemplar, { maxLength: 2 }).map((xs) => message([[4, { fixed64: 2 }], ...xs.map((x): Field => [5, x])]));

function request(records: Uint8Array[], recordField: number, scopeField = 2): Uint8Array {
  const scope = message([[1, message([[1, 'lib']])], ...records.map((r): Field => [recordField, r])]);
  const resource = message([[1, message([])], [scopeField, scope]]);
  return message([[1, resource]]);
}

// ---- the rules, read through the cursors ----
const valid = (length: number, size: number, emptyAllowed: boolean) => (length === 0 ? emptyAllowed : length === size);
const sized = (length: number, size: number) => length === 0 || length === size || length === -1;

test('the walk finds exactly the spans the cursors find with malformed ids (property)', () => {
  let cases = 0;
  let malformed = 0;
  fc.assert(fc.property(fc.array(span, { minLength: 1, maxLength: 6 }), (spans) => {
    const view = decodeTraces(request(spans, 2));
    const expected: number[] = [];
    const cursor = view.spans();
    let links: LinkCursor | undefined;
    while (cursor.next()) {
      let ok = valid(cursor.traceIdLength(), 16, false) && valid(cursor.spanIdLength(), 8, false) && valid(cursor.parentSpanIdLength(), 8, true);
      if (ok) {
        links = cursor.links(links);
        while (ok && links.next()) ok = sized(links.traceIdLength(), 16) && sized(links.spanIdLength(), 8);
      }
      if (!ok) expected.push(cursor.index);
    }
    assert.deepEqual(view.malformedIds(), expected);
    cases++;
    malformed += expected.length;
  }), { numRuns: RUNS });
  console.log(`# ${cases} trace requests, ${malformed} malformed spans among them`);
  assert.ok(malformed > 0);
});

test('the walk finds exactly the log records the cursors find with malformed ids (property)', () => {
  fc.assert(fc.property(fc.array(log, { minLength: 1, maxLength: 6 }), (logs) => {
    const view = decodeLogs(request(logs, 2));
    const expected: number[] = [];
    const cursor = view.logs();
    while (cursor.next()) if (!valid(cursor.traceIdLength(), 16, true) || !valid(cursor.spanIdLength(), 8, true)) expected.push(cursor.index);
    assert.deepEqual(view.malformedIds(), expected);
  }), { numRuns: RUNS });
});

test('the walk finds exactly the data points the cursors find with malformed exemplar ids (property)', () => {
  fc.assert(fc.property(fc.array(fc.array(point, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), (metrics) => {
    // Metric: name (1), gauge (5) holding the points (1).
    const records = metrics.map((points) => message([[1, 'm'], [5, message(points.map((p): Field => [1, p]))]]));
    const view = decodeMetrics(request(records, 2));
    const expected: number[] = [];
    const points = view.dataPoints();
    let exemplars: ExemplarCursor | undefined;
    while (points.next()) {
      exemplars = points.exemplars(exemplars);
      while (exemplars.next()) {
        if (!sized(exemplars.traceIdLength(), 16) || !sized(exemplars.spanIdLength(), 8)) { expected.push(points.index); break; }
      }
    }
    assert.deepEqual(view.malformedIds(), expected);
  }), { numRuns: RUNS });
});

test('malformed ids: the cases a reader would name', () => {
  const id = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
  const good: Field[] = [[1, id(16)], [2, id(8)]];
  const spans = [
    message(good), // 0 fine
    message([[1, id(16, 0)], [2, id(8)]]), // 1 zero trace id
    message([[1, id(16)]]), // 2 no span id
    message([...good, [4, id(7)]]), // 3 parent of 7 bytes
    message([[1, id(15)], [2, id(8)], [1, id(16)]]), // 4 fine: the last trace id counts
    message([...good, [13, message([[1, id(16, 0)], [2, id(8, 0)]])]]), // 5 fine: a link with an invalid (zero) context
    message([...good, [13, message([[1, id(3)]])]]), // 6 a link id of the wrong size
  ];
  assert.deepEqual(decodeTraces(request(spans, 2)).malformedIds(), [1, 2, 3, 6]);
});
