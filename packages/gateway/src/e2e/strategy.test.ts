// End to end through the content stages: the real OpenTelemetry JS SDK with
// @opentelemetry/instrumentation-http traces a real HTTP server and client, exports over OTLP/HTTP
// to a real gateway, which delivers to two real sinks. The instrumentation's deprecated attributes
// arrive canonical; an e-mail in an undeclared attribute arrives hashed at one destination (the
// same pseudonym for the same address) and dropped at the other.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { contentStrings, protobufjsDecoder, type Json } from '@cairn/otlp/testing';
import { compileForTest, exampleRegistry } from '../stages/test-support.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { startHarness, type Harness } from './harness.js';

const pbjs = protobufjsDecoder(protobuf);
const EMAIL = 'alice.smith@example.com';

/** Every attribute of every span in the sink's requests: [span name, key, value]. */
function attributes(sink: OtlpHttpSink): [string, string, unknown][] {
  const out: [string, string, unknown][] = [];
  for (const r of sink.requests) {
    for (const rs of (pbjs('traces', r.body).resourceSpans as Json[] | undefined) ?? []) {
      for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
        for (const span of (ss.spans as Json[] | undefined) ?? []) {
          for (const a of (span.attributes as Json[] | undefined) ?? []) {
            const v = a.value as Json;
            out.push([span.name as string, a.key as string, v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue]);
          }
        }
      }
    }
  }
  return out;
}

describe('OTel SDK + instrumentation-http → gateway with a data strategy → two sinks', () => {
  let h: Harness;
  let vendor: OtlpHttpSink;
  let provider: NodeTracerProvider | undefined;
  let unregister: (() => void) | undefined;
  let server: import('node:http').Server | undefined;

  before(async () => {
    vendor = await OtlpHttpSink.start();
    const strategy = compileForTest({
      backend: { key: 'backend-hmac-key-0123456789', unknown: 'scan', sensitivity: { pii: 'hash' } },
      vendor: { key: 'vendor-hmac-key-0123456789', unknown: 'scan', sensitivity: { pii: 'drop' } },
    }, exampleRegistry());
    h = await startHarness({
      destinationExtra: `  vendor:
    exporter:
      otlphttp: { endpoint: ${JSON.stringify(vendor.url)}, compression: none, timeout: 2s }
    retry: { initial_interval: 20ms, max_interval: 200ms }`,
      gateway: { workers: 0, strategy },
    });
  });

  after(async () => {
    unregister?.();
    await provider?.shutdown().catch(() => undefined);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.close();
    await vendor?.close();
  });

  it('normalizes old and alias keys and hashes or drops an undeclared e-mail per destination', async () => {
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${h.http}/v1/traces` }))],
    });
    unregister = registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [new HttpInstrumentation({
        // Only the test's own server and client, not the exporter's requests to the gateway.
        ignoreOutgoingRequestHook: (req) => typeof req.path === 'string' && req.path.startsWith('/v1/'),
        // instrumentation-http 0.223 already writes stable semantic conventions; the old keys come
        // from service code that still sets them, as during a migration (`http.method` beside
        // the instrumentation's `http.request.method`, and the org alias `userId`).
        applyCustomAttributesOnSpan: (span) => {
          span.setAttribute('acme.contact', EMAIL);
          span.setAttribute('userId', 'u-42');
          span.setAttribute('http.method', 'get');
        },
      })],
    });
    // Loaded after the instrumentation patched it (CommonJS require, which the patch hooks).
    const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    for (let i = 0; i < 2; i++) {
      await new Promise<void>((resolve, reject) => {
        http.get(`http://127.0.0.1:${port}/orders?id=${i}`, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
      });
    }
    await provider.forceFlush();
    // Two client and two server spans at each destination.
    const spans = (sink: OtlpHttpSink) => sink.requests.reduce((n, r) => n + r.items, 0);
    await h.sink.waitFor(() => spans(h.sink) >= 4, 10_000);
    await vendor.waitFor(() => spans(vendor) >= 4, 10_000);

    for (const sink of [h.sink, vendor]) {
      const attrs = attributes(sink);
      const keys = new Set(attrs.map(([, k]) => k));
      const registry = exampleRegistry();
      const stale = [...keys].filter((k) => { const l = registry.lookup(k); return l.kind === 'alias' || (l.kind === 'deprecated' && l.canonical !== undefined); });
      assert.deepEqual(stale, [], 'no alias or renamed key arrives');
      assert.ok(keys.has('http.request.method'), `canonical method key in ${[...keys].join(', ')}`);
      assert.ok(!keys.has('http.method'));
      for (const [, , v] of attrs) assert.ok(!String(v).includes(EMAIL));
      for (const [, , , v] of contentStrings('traces', pbjs('traces', sink.requests[0]!.body)).map((x) => [...x, x[2]])) assert.ok(!String(v).includes(EMAIL));
    }
    const hashed = attributes(h.sink).filter(([, k]) => k === 'acme.contact').map(([, , v]) => v);
    assert.equal(hashed.length, 4);
    assert.match(String(hashed[0]), /^hmac:k1:[A-Za-z0-9_-]{22}$/);
    assert.equal(new Set(hashed).size, 1, 'the same e-mail gets the same pseudonym within a destination');
    assert.deepEqual(attributes(vendor).filter(([, k]) => k === 'acme.contact'), [], 'dropped at vendor');
    // userId is an alias of user.id (pii): hashed at backend, dropped at vendor.
    assert.ok(attributes(h.sink).some(([, k, v]) => k === 'user.id' && /^hmac:k1:/.test(String(v))));
    assert.ok(!attributes(vendor).some(([, k]) => k === 'user.id' || k === 'userId'));
    const ledger = h.gateway.metrics.ledger.toJSON();
    assert.ok(ledger.normalization.renamed.some((r) => r.attribute === 'http.method' && r.canonical === 'http.request.method'));
    // Both keys were present: the canonical value (the instrumentation's GET) won, counted as a conflict.
    assert.ok(ledger.normalization.conflicts.some((c) => c.attribute === 'http.request.method' && c.count === 4));
    assert.ok(attributes(vendor).filter(([, k]) => k === 'http.request.method').every(([, , v]) => v === 'GET'));
    assert.ok(ledger.findings.some((f) => f.service === 'shop' && f.attribute === 'acme.contact' && f.detector === 'email'));
  });
});
