import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LiveCheckInputError, readJsonText, splitJsonDocuments } from './input.js';

const RUNS = process.env.CI ? 200 : 1000;
const json = fc.jsonValue({ maxDepth: 4 });
const whitespace = fc.string({ unit: fc.constantFrom(' ', '\n', '\t', '\r\n'), maxLength: 4 });

test('property: documents written one after another (any whitespace, any strings) split back into the same documents', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.dictionary(fc.string(), json, { maxKeys: 4 }), whitespace, fc.boolean())), (docs) => {
      let text = '';
      for (const [doc, ws, pretty] of docs) text += ws + JSON.stringify(doc, null, pretty ? 2 : undefined) + (pretty ? '' : '\n');
      const found = splitJsonDocuments(text).map((d) => JSON.parse(text.slice(d.start, d.end)));
      assert.deepEqual(found, docs.map(([doc]) => JSON.parse(JSON.stringify(doc))));
    }),
    { numRuns: RUNS },
  );
});

test('property: any text either splits into documents JSON.parse reads, or fails with CAIRN_LIVECHECK_JSON and a line', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', '\n', ' ', 'a', ':', ',') })), (text) => {
      try {
        for (const d of splitJsonDocuments(text, 'f.jsonl')) {
          assert.equal(text[d.start], '{');
          assert.equal(text[d.end - 1], '}');
        }
      } catch (error) {
        assert.ok(error instanceof LiveCheckInputError, String(error));
        assert.equal(error.code, 'CAIRN_LIVECHECK_JSON');
        assert.match(error.where, /^f\.jsonl:\d+$/);
      }
    }),
    { numRuns: RUNS },
  );
});

test('JSON lines: each line an export request, errors name the line', () => {
  const line = JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'a' }] }] }] });
  const requests = readJsonText(`${line}\n${line}\n\n{}\n`, 'spans.jsonl');
  assert.equal(requests.length, 2);
  assert.deepEqual(requests.map((r) => [r.signal, r.where]), [['traces', 'spans.jsonl:1'], ['traces', 'spans.jsonl:2']]);
  assert.throws(() => readJsonText(`${line}\n{"resourceSpans": 7}\n`, 'spans.jsonl'), (e: LiveCheckInputError) => e.code === 'CAIRN_LIVECHECK_OTLP' && e.where === 'spans.jsonl:2');
  assert.throws(() => readJsonText(`${line}\n{"hello": 1}\n`, 'x.jsonl'), (e: LiveCheckInputError) => e.code === 'CAIRN_LIVECHECK_SIGNAL' && e.where === 'x.jsonl:2');
  assert.throws(() => readJsonText(`${line}\nnot json\n`, 'x.jsonl'), (e: LiveCheckInputError) => e.code === 'CAIRN_LIVECHECK_JSON' && e.where === 'x.jsonl:2');
});
