import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildTraces } from '@cairn/otlp';
import { LiveCheckInputError, readJsonText, readOtlpFile, splitJsonDocuments } from './input.js';

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

test('protobuf files: the signal comes from the file name or is asked for; JSON is recognized by its first byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-livecheck-input-'));
  const bytes = buildTraces([{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'a', startTimeUnixNano: 1n, endTimeUnixNano: 2n }] }] }]);
  writeFileSync(join(dir, 'traces.pb'), bytes);
  writeFileSync(join(dir, 'capture.bin'), bytes);
  writeFileSync(join(dir, 'capture.txt'), `\n  ${JSON.stringify({ resourceLogs: [] })}`);
  const [pb] = readOtlpFile(join(dir, 'traces.pb'));
  assert.equal(pb!.signal, 'traces');
  assert.deepEqual(Buffer.from(pb!.bytes), Buffer.from(bytes));
  assert.throws(() => readOtlpFile(join(dir, 'capture.bin')), (e: LiveCheckInputError) => e.code === 'CAIRN_LIVECHECK_SIGNAL');
  assert.equal(readOtlpFile(join(dir, 'capture.bin'), 'traces')[0]!.signal, 'traces');
  assert.deepEqual(readOtlpFile(join(dir, 'capture.txt')).map((r) => [r.signal, r.where.endsWith('capture.txt:2')]), [['logs', true]]);
  assert.throws(() => readOtlpFile(join(dir, 'absent.pb')), (e: LiveCheckInputError) => e.code === 'CAIRN_LIVECHECK_READ');
});
