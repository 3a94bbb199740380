import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLogsJson, decodeTracesJson } from '@cairn/otlp';
import { logsBatch, tracesBatch } from '../../testing/fixtures.js';
import { FileExporter } from './exporter.js';
import { validateFileConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-file-exporter-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function exporter(raw: Record<string, unknown>): FileExporter {
  return new FileExporter(validateFileConfig(raw, 'file'));
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

test('each batch is one OTLP/JSON line that decodes back to the same spans', async () => {
  const path = join(dir, 'one', 'archive.jsonl');
  const e = exporter({ path });
  const batches = [tracesBatch(['checkout'], 3), tracesBatch(['cart-api', 'checkout'], 2)];
  for (const b of batches) assert.deepEqual(await e.export(b), { kind: 'ok' });
  await e.shutdown();
  const written = lines(path);
  assert.equal(written.length, 2);
  assert.deepEqual(written.map((l) => decodeTracesJson(l).spanCount), [3, 4]);
  assert.ok(written[0]!.startsWith('{"resourceSpans":['), written[0]!.slice(0, 40));
});

test('logs lines are ExportLogsServiceRequest JSON', async () => {
  const path = join(dir, 'logs.jsonl');
  const e = exporter({ path, fsync: true });
  await e.export(logsBatch(4));
  await e.shutdown();
  assert.equal(decodeLogsJson(lines(path)[0]!).logCount, 4);
});

test('size rotation keeps max_files rotated files and every line stays valid OTLP JSON', async () => {
  const path = join(dir, 'rot', 'spans.jsonl');
  const batch = tracesBatch(['checkout'], 5);
  const e = exporter({ path, max_bytes: '4KiB', max_files: 3 });
  for (let i = 0; i < 40; i++) assert.equal((await e.export(batch)).kind, 'ok');
  await e.shutdown();
  const files = readdirSync(join(dir, 'rot')).sort();
  assert.deepEqual(files, ['spans.jsonl', 'spans.jsonl.1', 'spans.jsonl.2', 'spans.jsonl.3']);
  let spans = 0;
  for (const f of files) {
    const full = join(dir, 'rot', f);
    assert.ok(statSync(full).size <= 4096, `${f} is ${statSync(full).size} bytes`);
    for (const l of lines(full)) spans += decodeTracesJson(l).spanCount;
  }
  // The files kept hold the newest lines; everything older was deleted with spans.jsonl.4.
  const perFile = lines(join(dir, 'rot', 'spans.jsonl.1')).length;
  assert.ok(spans >= 5 * perFile * 3 && spans < 40 * 5, `${spans} spans kept`);
});

test('appending to an existing file counts its size towards rotation', async () => {
  const path = join(dir, 'existing.jsonl');
  writeFileSync(path, 'x'.repeat(3000) + '\n');
  const e = exporter({ path, max_bytes: 3500, max_files: 1 });
  await e.export(tracesBatch(['checkout'], 5));
  await e.shutdown();
  assert.equal(readFileSync(`${path}.1`, 'utf8').length, 3001);
  assert.equal(lines(path).length, 1);
});

test('concurrent exports write whole lines, never interleaved', async () => {
  const path = join(dir, 'concurrent.jsonl');
  const e = exporter({ path });
  const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => e.export(tracesBatch(['svc'], 1 + (i % 4)))));
  await e.shutdown();
  assert.ok(outcomes.every((o) => o.kind === 'ok'));
  const written = lines(path);
  assert.equal(written.length, 25);
  for (const l of written) decodeTracesJson(l);
});

test('a path that cannot be written is a retry outcome, not a crash', async () => {
  const blocker = join(dir, 'not-a-dir');
  writeFileSync(blocker, '');
  const e = exporter({ path: join(blocker, 'archive.jsonl') });
  const outcome = await e.export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.match(outcome.kind === 'retry' ? outcome.reason : '', /cannot write .*not-a-dir/);
  await e.shutdown();
});

test('a batch that is not valid protobuf is rejected and nothing is written', async () => {
  const path = join(dir, 'bad.jsonl');
  const e = exporter({ path });
  const outcome = await e.export({ signal: 'traces', body: Uint8Array.of(0x0a, 0x05, 0x01), items: 1 });
  await e.shutdown();
  assert.equal(outcome.kind, 'reject');
  assert.throws(() => statSync(path));
});

test('an empty batch writes no `{}` line', async () => {
  const path = join(dir, 'empty.jsonl');
  const e = exporter({ path });
  const batch = tracesBatch(['checkout'], 1);
  assert.deepEqual(await e.export({ ...batch, body: new Uint8Array(0) }), { kind: 'ok' });
  assert.deepEqual(await e.export(batch), { kind: 'ok' });
  await e.shutdown();
  assert.deepEqual(lines(path).map((l) => decodeTracesJson(l).spanCount), [1]);
});
