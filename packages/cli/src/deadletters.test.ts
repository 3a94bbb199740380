// `cairn deadletters` against a real queue file and a real backend: the backend refuses a batch
// (400), the operator looks at it, fixes the backend, replays it, and the backend gets it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { buildTraces } from '@cairn/otlp';
import { Gateway, loadConfigFile } from '@cairn/gateway';
import { OtlpHttpSink } from '@cairn/gateway/testing';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));

function cairn(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Each request's span id is distinct: the sink's span ids span every test of the file, so a
// random byte here once let test 2's "never delivered" span match test 1's delivered one.
let nextSpan = 1;
function request(service: string, spanName: string): { body: Uint8Array; spanIdHex: string } {
  const spanId = Buffer.from([9, 8, 7, 6, 5, 4, 3, nextSpan++]);
  const body = buildTraces([{ resource: { attributes: { 'service.name': service } }, scopeSpans: [{ scope: { name: 't' }, spans: [{ traceId: new Uint8Array(16).fill(3), spanId, name: spanName, startTimeUnixNano: 1n, endTimeUnixNano: 2n }] }] }]);
  return { body, spanIdHex: spanId.toString('hex') };
}

describe('cairn deadletters', () => {
  let sink: OtlpHttpSink;
  let gateway: Gateway | undefined;
  let configPath: string;

  before(async () => {
    sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-deadletters-'));
    configPath = join(dir, 'cairn.yaml');
    writeFileSync(configPath, `
receivers:
  otlp:
    http: { endpoint: 127.0.0.1:0 }
    grpc: null
admin: null
auth: { anonymous: true }
storage: { directory: ${JSON.stringify(join(dir, 'data'))} }
destinations:
  backend:
    exporter:
      otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none, timeout: 2s }
    retry: { initial_interval: 20ms, max_interval: 200ms }
`);
  });

  after(async () => {
    await gateway?.stop();
    await sink.close();
  });

  it('a refused batch is listed, shown decoded, replayed after the fix into the running gateway, and delivered', async () => {
    gateway = await Gateway.start(loadConfigFile(configPath), { workers: 0, logger: pino({ level: 'silent' }) });
    sink.failNext(1, { status: 400, message: 'attribute http.method is not allowed' });
    const sent = request('checkout', 'GET /cart');
    const res = await fetch(`http://127.0.0.1:${gateway.ports.http}/v1/traces`, { method: 'POST', body: sent.body, headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
    await until(() => gateway!.queue.deadLetters().length === 1, 'the refused batch is dead-lettered');
    const metrics = await gateway.metrics.registry.metrics();
    assert.match(metrics, /cairn_dead_letters_batches\{destination="backend"\} 1/);

    const list = await cairn('deadletters', 'list', '-c', configPath);
    assert.equal(list.code, 0, list.err);
    const id = /^\s*(\d+)\s+backend\s+traces\s+1 items/m.exec(list.out)?.[1];
    assert.ok(id, list.out);
    assert.match(list.out, /400/);

    const show = await cairn('deadletters', 'show', id, '-c', configPath);
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /services:\s+checkout/);
    assert.match(show.out, /spans:\s+GET \/cart/);
    assert.match(show.out, /attribute http\.method is not allowed/);

    // The backend is fixed (the injected failure was used up); the gateway still runs.
    assert.equal(sink.spanIds.includes(sent.spanIdHex), false);
    const replay = await cairn('deadletters', 'replay', '--destination', 'backend', '-c', configPath);
    assert.equal(replay.code, 0, replay.err);
    assert.match(replay.out, /replayed 1 dead letters \(1 items\)/);
    await sink.waitFor((s) => s.spanIds.includes(sent.spanIdHex), 10_000);
    await until(() => gateway!.queue.depth('backend').batches === 0 && gateway!.queue.deadLetters().length === 0, 'queue and dead letters empty');
    assert.match(await gateway.metrics.registry.metrics(), /cairn_dead_letters_batches\{destination="backend"\} 0/);
  });

  it('replays with the gateway stopped: the next start sends it; purge deletes for good', async () => {
    sink.failNext(2, { status: 400, message: 'refused again' });
    const first = request('checkout', 'POST /pay');
    const second = request('checkout', 'POST /refund');
    for (const r of [first, second]) {
      const res = await fetch(`http://127.0.0.1:${gateway!.ports.http}/v1/traces`, { method: 'POST', body: r.body, headers: { 'content-type': 'application/x-protobuf' } });
      assert.equal(res.status, 200);
    }
    await until(() => gateway!.queue.deadLetters().length === 2, 'two dead letters');
    const [a, b] = gateway!.queue.deadLetters();
    await gateway!.stop();
    gateway = undefined;

    assert.equal((await cairn('deadletters', 'replay', String(a!.id), '-c', configPath)).code, 0);
    const purge = await cairn('deadletters', 'purge', String(b!.id), '-c', configPath);
    assert.match(purge.out, /purged 1 dead letters/);
    assert.match((await cairn('deadletters', 'list', '-c', configPath)).out, /no dead letters/);

    gateway = await Gateway.start(loadConfigFile(configPath), { workers: 0, logger: pino({ level: 'silent' }) });
    await sink.waitFor((s) => s.spanIds.includes(first.spanIdHex), 10_000);
    assert.equal(sink.spanIds.includes(second.spanIdHex), false);
  });

  it('bad usage and a missing queue file get one clear line, no stack trace', async () => {
    const bad = await cairn('deadletters', 'show', 'abc', '-c', configPath);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /not a dead-letter id/);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-deadletters-empty-'));
    const empty = join(dir, 'cairn.yaml');
    writeFileSync(empty, `storage: { directory: ${JSON.stringify(join(dir, 'nothing'))} }\ndestinations:\n  d: { exporter: { debug: {} } }\n`);
    const missing = await cairn('deadletters', 'list', '-c', empty);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /CAIRN_DEAD_LETTERS: no queue file at/);
    assert.doesNotMatch(missing.err, /^\s+at /m);
  });
});
