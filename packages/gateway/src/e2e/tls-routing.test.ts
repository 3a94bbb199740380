import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { credentials, makeGenericClientConstructor, Metadata, type ServiceError } from '@grpc/grpc-js';
import { buildTraces, otlpGrpcMethod } from '@cairn/otlp';
import { OtlpHttpSink } from '../testing/sink.js';
import { post, span, traces } from './client.js';
import { WAIT_MS, startHarness, type Harness } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-receiver-tls-'));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
// A fresh self-signed certificate for 127.0.0.1: no key material lives in the repository.
const openssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
assert.equal(openssl.status, 0, 'openssl makes the test certificate (.ci/run installs it)');

describe('TLS on both receivers', () => {
  let h: Harness;
  before(async () => {
    const tls = `tls: { cert_file: ${JSON.stringify(certFile)}, key_file: ${JSON.stringify(keyFile)} }`;
    h = await startHarness({ receivers: `receivers:\n  otlp:\n    http: { endpoint: 127.0.0.1:0, ${tls} }\n    grpc: { endpoint: 127.0.0.1:0, ${tls} }` });
  });
  after(async () => {
    await h.close();
  });

  it('serves OTLP/HTTP over HTTPS, trusted through the certificate', async () => {
    const s = span('over-https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${h.gateway.ports.http}/v1/traces`, { method: 'POST', ca: readFileSync(certFile), headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end(traces('checkout', [s]));
    });
    assert.equal(status, 200);
    await h.sink.waitFor((sink) => sink.spanIds.includes(s.spanIdHex), WAIT_MS);
    // Plain HTTP to a TLS port is not answered as OTLP.
    await assert.rejects(post(`http://127.0.0.1:${h.gateway.ports.http}/v1/traces`, traces('checkout', [span()])));
  });

  it('serves OTLP/gRPC over TLS', async () => {
    const s = span('over-grpcs');
    const Client = makeGenericClientConstructor({ Export: otlpGrpcMethod('traces') } as never, 'TraceService');
    const client = new Client(`127.0.0.1:${h.gateway.ports.grpc}`, credentials.createSsl(readFileSync(certFile)));
    const error = await new Promise<ServiceError | null>((resolve) => {
      (client as unknown as { Export: (b: Uint8Array, m: Metadata, cb: (e: ServiceError | null) => void) => void }).Export(traces('checkout', [s]), new Metadata(), resolve);
    });
    client.close();
    assert.equal(error, null);
    await h.sink.waitFor((sink) => sink.spanIds.includes(s.spanIdHex), WAIT_MS);
  });
});

describe('routing by resource attributes (CEL)', () => {
  let h: Harness;
  let eu: OtlpHttpSink;
  before(async () => {
    eu = await OtlpHttpSink.start();
    h = await startHarness({
      destinationExtra: `  eu:\n    exporter:\n      otlphttp: { endpoint: ${JSON.stringify(eu.url)}, compression: none }\n    when: 'resource["cloud.region"].startsWith("eu-")'\n    retry: { initial_interval: 20ms }`,
    });
  });
  after(async () => {
    await h.close();
    await eu.close();
  });

  it('sends EU resources to the EU destination only, and everything to the default one', async () => {
    const inEu = span('eu');
    const inUs = span('us');
    const noRegion = span('none');
    const body = buildTraces([
      { resource: { attributes: { 'service.name': 'checkout', 'cloud.region': 'eu-west-1' } }, scopeSpans: [{ spans: [inEu] }] },
      { resource: { attributes: { 'service.name': 'checkout', 'cloud.region': 'us-east-1' } }, scopeSpans: [{ spans: [inUs] }] },
      { resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ spans: [noRegion] }] },
    ]);
    assert.equal((await post(`${h.http}/v1/traces`, body)).status, 200);
    await h.sink.waitFor((s) => [inEu, inUs, noRegion].every((x) => s.spanIds.includes(x.spanIdHex)), WAIT_MS);
    await eu.waitFor((s) => s.spanIds.includes(inEu.spanIdHex), WAIT_MS);
    assert.deepEqual(eu.spanIds, [inEu.spanIdHex]);
    // The EU copy was cut from the request by resource: one resource, one span, counted right.
    assert.equal(eu.requests[0]!.items, 1);
    // A resource without the key is not an error for the client: the condition is just false.
    assert.ok(h.gateway.metrics.registry.getSingleMetric('cairn_routing_condition_errors'));
  });
});

describe('memory bounded by bytes in flight', () => {
  it('returns every request\'s bytes to the budget, over HTTP and gRPC, so a long run is never refused', async () => {
    const h = await startHarness({ extra: 'limits: { max_in_flight_size: 16KiB }' });
    try {
      const { grpcExport } = await import('./client.js');
      // ~1 KiB a request: 60 requests would leak 60 KiB, far over the 16 KiB budget.
      const attributes = { 'acme.note': 'x'.repeat(900) };
      for (let i = 0; i < 60; i++) {
        assert.equal((await grpcExport(h.grpc, traces('checkout', [span('g', attributes)]))).code, 0, `gRPC request ${i}`);
        assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [span('h', attributes)]))).status, 200, `HTTP request ${i}`);
      }
    } finally {
      await h.close();
    }
  });
});
