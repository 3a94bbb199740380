import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { jsonToProtobuf } from '@cairn/otlp';
import { WAIT_MS, eventually, metric, startHarness, type Harness } from './harness.js';

/** Spans with every kind of content the wire carries: typed attributes, arrays, events, links, status. */
function record(tracer: Tracer, tag: string): void {
  const parent = tracer.startSpan(`checkout ${tag}`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'POST', 'http.route': '/checkout', 'acme.cart.total': 249.99, 'acme.cart.item_count': 7, 'acme.vip': true, 'acme.tags': ['a', 'b'] },
  });
  parent.addEvent('cart.loaded', { 'acme.cart.id': 'c-1' });
  const child = tracer.startSpan('charge card', { kind: SpanKind.CLIENT, links: [{ context: parent.spanContext(), attributes: { why: 'retry' } }] });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
  child.end();
  parent.end();
}

/** Runs `record` through a real SDK provider whose exporter is `exporter`; returns the spans it made. */
async function send(exporter: SpanExporter, service: string, tag: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'cloud.region': 'eu-west-1' }),
    // The batch processor sends both spans in one request, as services do.
    spanProcessors: [new SimpleSpanProcessor(memory), new BatchSpanProcessor(exporter)],
  });
  record(provider.getTracer('e2e', '1.0.0'), tag);
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  assert.equal(spans.length, 2);
  return spans;
}

describe('real OpenTelemetry SDK exporters → gateway → real OTLP/HTTP sink', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('OTLP protobuf over HTTP arrives byte for byte as the SDK serialized it', async () => {
    const spans = await send(new ProtoExporter({ url: `${h.http}/v1/traces` }), 'checkout', 'proto');
    const ids = spans.map((s) => s.spanContext().spanId);
    await h.sink.waitFor((s) => ids.every((id) => s.spanIds.includes(id)), 10_000);
    const received = h.sink.requests.find((r) => r.spanIds.includes(ids[0]!))!;
    assert.deepEqual(Buffer.from(received.body), Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
  });

  it('OTLP JSON over HTTP arrives as the same request in protobuf', async () => {
    const spans = await send(new JsonExporter({ url: `${h.http}/v1/traces` }), 'checkout', 'json');
    const ids = spans.map((s) => s.spanContext().spanId);
    await h.sink.waitFor((s) => ids.every((id) => s.spanIds.includes(id)), 10_000);
    const received = h.sink.requests.find((r) => r.spanIds.includes(ids[0]!))!;
    const json = JsonTraceSerializer.serializeRequest(spans)!;
    assert.deepEqual(Buffer.from(received.body), Buffer.from(jsonToProtobuf('traces', json)));
  });

  it('OTLP over gRPC arrives byte for byte as the SDK serialized it', async () => {
    const spans = await send(new GrpcExporter({ url: `http://${h.grpc}` }), 'checkout', 'grpc');
    const ids = spans.map((s) => s.spanContext().spanId);
    await h.sink.waitFor((s) => ids.every((id) => s.spanIds.includes(id)), 10_000);
    const received = h.sink.requests.find((r) => r.spanIds.includes(ids[0]!))!;
    assert.deepEqual(Buffer.from(received.body), Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
  });

  it('counts what it received, accepted and exported on /metrics', async () => {
    const exported = async () => metric(await h.gateway.metrics.registry.metrics(), 'cairn_exporter_sent_items_total', 'destination="backend",signal="traces",tenant="anonymous"');
    await eventually(async () => (await exported()) === 6, WAIT_MS, '6 exported spans');
    const text = await h.gateway.metrics.registry.metrics();
    assert.equal(metric(text, 'cairn_receiver_accepted_items_total', 'receiver="otlphttp",signal="traces",tenant="anonymous"'), 4);
    assert.equal(metric(text, 'cairn_receiver_accepted_items_total', 'receiver="otlpgrpc",signal="traces",tenant="anonymous"'), 2);
    assert.equal(metric(text, 'cairn_queue_size_batches', 'destination="backend"'), 0);
  });
});
