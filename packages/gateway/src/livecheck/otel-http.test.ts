// Proof against the upstream model: real OpenTelemetry JS SDK with @opentelemetry/instrumentation-http
// records real HTTP traffic on 127.0.0.1, exports it over OTLP/gRPC (which the HTTP instrumentation
// does not see) straight to the
// live-check listener, and the findings are asserted with their numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LiveChecker } from './checker.js';
import { LiveCheckListener } from './listener.js';
import { allFindings, exitCodeOf } from './report.js';
import { SKIP_WITHOUT_MODEL, upstreamRegistry } from './test-support.js';

const REQUESTS = 3;

function counts(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

test('real OTel SDK + instrumentation-http → cairn live-check listener, checked against the upstream model', { skip: SKIP_WITHOUT_MODEL }, async () => {
  const checker = new LiveChecker(upstreamRegistry());
  const listener = new LiveCheckListener((signal, bytes) => checker.ingest(signal, bytes), { grpcPort: 0 });
  await listener.start();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'deployment.environment': 'ci' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${listener.grpcPort}` }))],
  });
  provider.register();
  const instrumentation = new HttpInstrumentation({
    // What a service's own code adds to its server spans: one old name, one misspelling, a wrong type, an unknown enum value.
    requestHook(span, request) {
      if (!('method' in request) || typeof (request as Http.IncomingMessage).headers !== 'object' || 'path' in request) return;
      span.setAttribute('userId', 'u-1');
      span.setAttribute('http.method', 'GET');
      span.setAttribute('http.request.resend_count', 'two');
      span.setAttribute('network.transport', 'carrier-pigeon');
    },
  });
  const unregister = registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: provider });
  // Loaded after the instrumentation is enabled, so the module is patched (as --require does in services).
  const http = createRequire(import.meta.url)('node:http') as typeof Http;
  const server = http.createServer((_req, res) => res.end('ok'));
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    for (let i = 0; i < REQUESTS; i++) {
      await new Promise<void>((resolve, reject) => {
        http.get(`http://127.0.0.1:${port}/cart?item=${i}`, (res) => res.resume().on('end', resolve)).on('error', reject);
      });
    }
    await provider.forceFlush();
  } finally {
    server.close();
    unregister();
    await provider.shutdown();
    await listener.stop();
  }
  const report = checker.report();
  const stats = report.statistics as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(stats.total_entities_by_type.span, 2 * REQUESTS, 'a client and a server span per request');
  const findings = allFindings(report);
  const byId = (id: string): Record<string, number> => counts(findings.filter((f) => f.id === id).map((f) => String(f.context.attribute_key)));
  assert.deepEqual(byId('missing_attribute'), { userId: REQUESTS });
  assert.equal(findings.find((f) => f.id === 'missing_attribute')!.context.suggestion, 'user.id');
  // deployment.environment was renamed upstream: the resource of every batch says so.
  assert.deepEqual(byId('deprecated'), { 'http.method': REQUESTS, 'deployment.environment': stats.total_entities_by_type.resource });
  assert.equal(findings.find((f) => f.context.attribute_key === 'http.method')!.context.canonical, 'http.request.method');
  assert.equal(findings.find((f) => f.context.attribute_key === 'deployment.environment')!.context.canonical, 'deployment.environment.name');
  assert.deepEqual(byId('type_mismatch'), { 'http.request.resend_count': REQUESTS });
  assert.deepEqual(byId('undefined_enum_variant'), { 'network.transport': REQUESTS });
  assert.deepEqual(byId('invalid_format'), { userId: REQUESTS });
  assert.deepEqual(byId('missing_namespace'), { userId: REQUESTS });
  // What instrumentation-http itself sends is in the registry, stable and well typed. The one
  // finding on it: IP addresses (and the URL holding one) in fields the registry has not declared pii.
  const own = findings.filter((f) => f.signal_type === 'span' && !['userId', 'http.method', 'http.request.resend_count', 'network.transport'].includes(String(f.context.attribute_key)));
  assert.deepEqual(counts(own.map((f) => `${f.id}:${String(f.context.attribute_key)}`)), {
    'undeclared_pii:server.address': 2 * REQUESTS,
    'undeclared_pii:network.peer.address': 2 * REQUESTS,
    'undeclared_pii:client.address': REQUESTS,
    'undeclared_pii:url.full': REQUESTS,
  });
  assert.deepEqual([...new Set(own.map((f) => `${f.level}:${(f.context.detectors as string[]).join(',')}`))], ['improvement:ipv4']);
  assert.equal(stats.seen_registry_attributes['http.request.method'], 2 * REQUESTS);
  assert.equal(stats.seen_registry_attributes['http.response.status_code'], 2 * REQUESTS);
  assert.equal(stats.seen_registry_attributes['url.full'], REQUESTS, 'client spans carry url.full');
  assert.equal(stats.seen_registry_attributes['url.path'], REQUESTS, 'server spans carry url.path');
  assert.equal(stats.seen_non_registry_attributes.userId, REQUESTS);
  assert.equal(exitCodeOf(report, 'violation'), 1);
  console.log(`otel-http: ${findings.length} findings ${JSON.stringify(stats.advice_type_counts)}; span coverage ${JSON.stringify(stats.cairn.coverage_by_signal.span)}`);
});
