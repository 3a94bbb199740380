import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpHttpSink } from '../testing/sink.js';
import { OtlpGrpcSink } from '../testing/grpc-sink.js';
import { tracesBatch } from '../testing/fixtures.js';
import { createExporter, type Exporter } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-tls-'));
const caFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
// A self-signed certificate for 127.0.0.1, made fresh so no key material lives in the repository.
const openssl = spawnSync('openssl', [
  'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
], { stdio: 'ignore' });
const skip = openssl.status === 0 ? false : 'openssl is not available to make a test certificate';

let https: OtlpHttpSink;
let grpcs: OtlpGrpcSink;
const made: Exporter[] = [];
function exporter(raw: unknown): Exporter {
  const e = createExporter(raw, 'destinations.tls.exporter');
  made.push(e);
  return e;
}

before(async () => {
  if (skip) return;
  const tls = { key: readFileSync(keyFile), cert: readFileSync(caFile) };
  https = await OtlpHttpSink.start({ tls });
  grpcs = await OtlpGrpcSink.start({ tls });
});
after(async () => {
  await Promise.all(made.map((e) => e.shutdown()));
  await https?.close();
  await grpcs?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('otlphttp trusts a backend whose CA is given in tls.ca_file', { skip }, async () => {
  assert.deepEqual(await exporter({ otlphttp: { endpoint: https.url, tls: { ca_file: caFile } } }).export(tracesBatch()), { kind: 'ok' });
  assert.equal(https.totals.spans, 3);
});

test('otlphttp does not send to a backend with an unknown certificate, and says so', { skip }, async () => {
  const outcome = await exporter({ otlphttp: { endpoint: https.url } }).export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.match(outcome.kind === 'retry' ? outcome.reason : '', /SELF_SIGNED|self[- ]signed/i);
});

test('otlphttp with insecure_skip_verify sends to a self-signed backend', { skip }, async () => {
  assert.equal((await exporter({ otlphttp: { endpoint: https.url, tls: { insecure_skip_verify: true } } }).export(tracesBatch())).kind, 'ok');
});

test('otlpgrpc over TLS trusts the CA in tls.ca_file', { skip }, async () => {
  assert.deepEqual(await exporter({ otlpgrpc: { endpoint: grpcs.endpoint, tls: { ca_file: caFile } } }).export(tracesBatch()), { kind: 'ok' });
  assert.equal(grpcs.totals.spans, 3);
});

test('otlpgrpc over TLS without the CA is a retry, not a plain-text fallback', { skip }, async () => {
  const outcome = await exporter({ otlpgrpc: { endpoint: grpcs.endpoint, timeout: '2s' } }).export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.equal(grpcs.totals.requests, 1, 'only the trusted call above arrived');
});
