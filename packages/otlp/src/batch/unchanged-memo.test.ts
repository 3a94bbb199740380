// The rewriter's memo of fields left alone (unchanged-memo.ts): a visitor that opts in gets the
// same bytes and the same side effects as one that does not, on random requests rewritten many
// times over one Rewriter (so later requests meet entries earlier ones left); visits it skips are
// only those that changed nothing and counted nothing, under the same context, byte for byte.
// Scalar attributes are remembered by key and value type, and only where their value was not
// offered. Cases: 300 per signal (CI=true: 60).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonToProtobuf, Place, Rewriter, type RewriteVisitor, type Signal } from '../index.js';
import { requestArbitraries } from '../testing/requests.js';
import { MEMO_MAX_BYTES, UnchangedMemo } from './unchanged-memo.js';

const CASES = process.env.CI === 'true' ? 60 : 300;
// Few distinct strings and keys, so attributes repeat across requests and the memo is hit.
const str = fc.constantFrom('', 'GET', '/cart/1', 'secret-1', 'x'.repeat(80), '200', 'é', 'keep');
const keys = fc.constantFrom('a', 'b', 'http.method', 'http.request.method', 'count', 'dropme');
const arbs = requestArbitraries(fc, str, keys);
const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

/**
 * A visitor with every kind of outcome: renames (`http.method`), drops (`dropme`, and values
 * `secret-1` under the strict context), int coercion (`count` = "200"), a counted side effect
 * without an edit (`keep` values), and a context that changes per resource (odd resources are
 * strict). Its effects are a log of what it counted.
 */
function visitor(memo: boolean): RewriteVisitor & { log: string[]; visits: number } {
  let strict = false;
  const log: string[] = [];
  const v: RewriteVisitor & { log: string[]; visits: number } = {
    log,
    visits: 0,
    resource: (i) => { strict = i % 2 === 1; return true; },
    key: (_p, k, depth) => (k === 'dropme' ? null : depth === 0 && k === 'http.method' ? 'http.request.method' : undefined),
    conflict: (_p, k) => { log.push(`conflict ${k}`); },
    value: (p, k, value, _at, depth) => {
      v.visits++;
      if (value === 'keep') { log.push(`keep ${Place[p]} ${k}`); return undefined; }
      if (strict && value === 'secret-1') return depth === 0 && k !== '' ? null : '[x]';
      if (depth === 0 && k === 'count') { const n = Number(value); return value === '200' ? n : undefined; }
      return undefined;
    },
    // Scalars: offered for `count` everywhere and for `b` under the strict context, with outcomes
    // that depend on the value (negative numbers dropped, true replaced, odd last digits counted),
    // so a scalar attribute remembered by its key and type must not be skipped where it is offered.
    wantsScalar: (_p, k) => k === 'count' || (strict && k === 'b'),
    scalar: (p, k, text) => {
      v.visits++;
      if (text.startsWith('-')) return null;
      if (text === 'true') return 'yes';
      if (/[13579]$/.test(text)) log.push(`odd ${Place[p]} ${k}`);
      return undefined;
    },
  };
  if (memo) {
    v.memoContext = (place) => (strict ? 100 : 200) + place;
    v.effects = () => log.length;
  }
  return v;
}

for (const signal of SIGNALS) {
  test(`memo ${signal}: the same bytes and the same counts as without it, request after request`, () => {
    const plain = new Rewriter();
    const memoized = new Rewriter();
    const a = visitor(false);
    const b = visitor(true);
    let cases = 0;
    fc.assert(fc.property(arbs[signal], (json) => {
      const bytes = jsonToProtobuf(signal, JSON.stringify(json));
      // Twice each: the second pass meets what the first one left in the memo.
      for (let pass = 0; pass < 2; pass++) {
        const before = [a.log.length, b.log.length];
        const expected = plain.rewrite(signal, bytes, a);
        const got = memoized.rewrite(signal, bytes, b);
        assert.deepEqual(Buffer.from(got), Buffer.from(expected));
        assert.deepEqual(b.log.slice(before[1]), a.log.slice(before[0]));
      }
      cases++;
    }), { numRuns: CASES });
    console.log(`# memo ${signal}: ${cases} cases, ${a.visits} visits without the memo, ${b.visits} with it`);
    assert.ok(b.visits < a.visits, 'the memo skipped visits');
  });
}

test('memo: a field is used only under its context and with every byte equal', () => {
  const memo = new UnchangedMemo();
  const bytes = new Uint8Array([10, 3, 97, 98, 99, 18, 5, 10, 3, 120, 121, 122]);
  const words = new DataView(bytes.buffer);
  assert.equal(memo.find(7, bytes, words, 0, bytes.length), false);
  memo.store(memo.slot, 7, bytes, words, 0, bytes.length, 'abc');
  assert.equal(memo.find(7, bytes, words, 0, bytes.length), true);
  assert.equal(memo.key(memo.slot), 'abc');
  assert.equal(memo.find(8, bytes, words, 0, bytes.length), false, 'another context');
  assert.equal(memo.find(7, bytes, words, 0, bytes.length - 1), false, 'a prefix');
  // Every single-byte change (each position) misses, whatever the hash samples.
  for (let i = 0; i < bytes.length; i++) {
    const other = Uint8Array.from(bytes);
    other[i] = other[i]! ^ 1;
    assert.equal(memo.find(7, other, new DataView(other.buffer), 0, other.length), false, `byte ${i} changed`);
  }
});

test('memo: what is stored is the bytes themselves, for every length and offset (word copies)', () => {
  // A view that starts at an odd offset of its buffer, as a request inside a larger read does.
  const backing = new Uint8Array(200);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 37 + 11) & 255;
  for (let offset = 1; offset <= 3; offset++) {
    const view = backing.subarray(offset, offset + 150);
    const words = new DataView(view.buffer, view.byteOffset, view.byteLength);
    for (let n = 1; n <= MEMO_MAX_BYTES; n++) {
      const memo = new UnchangedMemo();
      const start = 70 - (n >> 1);
      assert.equal(memo.find(3, view, words, start, start + n), false);
      memo.store(memo.slot, 3, view, words, start, start + n, 'k');
      // The same bytes elsewhere hit; any one byte changed misses.
      const copy = Uint8Array.from(view.subarray(start, start + n));
      assert.equal(memo.find(3, copy, new DataView(copy.buffer), 0, n), true, `length ${n}, offset ${offset}`);
      for (let i = 0; i < n; i++) {
        copy[i] = copy[i]! ^ 0x80;
        assert.equal(memo.find(3, copy, new DataView(copy.buffer), 0, n), false, `length ${n}, byte ${i}`);
        copy[i] = copy[i]! ^ 0x80;
      }
    }
  }
});

test('memo: a key whose visit counted something is visited again, and conflicts still see memoized keys', () => {
  const rw = new Rewriter();
  const v = visitor(true);
  // A span with the canonical key (left alone: memoized) and its alias (renamed: loses the conflict).
  const json = { resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [{
    traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'keep',
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'GET' } },
      { key: 'http.method', value: { stringValue: 'PUT' } },
      { key: 'note', value: { stringValue: 'keep' } },
    ],
  }] }] }] };
  const bytes = jsonToProtobuf('traces', JSON.stringify(json));
  const first = rw.rewrite('traces', bytes, v);
  const visits = v.visits;
  const second = rw.rewrite('traces', bytes, v);
  assert.deepEqual(Buffer.from(second), Buffer.from(first));
  assert.deepEqual(v.log, ['keep SpanName ', 'conflict http.request.method', 'keep Span note', 'keep SpanName ', 'conflict http.request.method', 'keep Span note']);
  // Second pass: `http.request.method=GET` was skipped; the name and `note` (each counted) and the alias were visited.
  assert.equal(v.visits - visits, visits - 1);
});

test('memo: a scalar attribute is remembered by key and type only in the layout encoders write', () => {
  // `count` = 5, then the same key whose value holds an int and, after it, a string: the last
  // member of the oneof wins, so that value is a string and must be offered, not skipped as the
  // remembered int attribute `count` (same key, same first bytes).
  const kv = (value: number[]): number[] => [0x0a, 5, ...Buffer.from('count'), 0x12, value.length, ...value];
  // 5 as a four-byte varint, so both values are 5 bytes long and share every byte up to the int.
  const plainInt = kv([0x18, 0x85, 0x80, 0x80, 0x00]);
  const intThenString = kv([0x18, 5, 0x0a, 1, 0x78]);
  const request = (attrs: number[]): Uint8Array => {
    // ExportTraceServiceRequest { resource_spans { scope_spans { spans { name: 's', attributes } } } }
    const span = [0x2a, 1, 0x73, ...attrs];
    const scope = [0x12, span.length, ...span];
    const rs = [0x12, scope.length, ...scope];
    return Uint8Array.from([0x0a, rs.length, ...rs]);
  };
  const offered: string[] = [];
  const v: RewriteVisitor = {
    value: (_p, k, value) => { offered.push(`${k}=${value}`); return value === 'x' ? 'replaced' : undefined; },
    memoContext: () => 1,
    effects: () => 0,
  };
  const rw = new Rewriter();
  for (let i = 0; i < 3; i++) assert.equal(rw.rewrite('traces', request([0x4a, plainInt.length, ...plainInt]), v).length, request([0x4a, plainInt.length, ...plainInt]).length);
  const out = rw.rewrite('traces', request([0x4a, intThenString.length, ...intThenString]), v);
  assert.deepEqual(offered.filter((o) => o.startsWith('count')), ['count=x']);
  assert.ok(Buffer.from(out).includes(Buffer.from('replaced')));
});
