// Telemetry made by the real OpenTelemetry JS SDK, shared by the golden tests.
// (Named *.test.ts so it stays out of the published package; it declares no tests itself.)
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { MeterProvider, InMemoryMetricExporter, PeriodicExportingMetricReader, AggregationTemporality, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';

export const RESOURCE = { 'service.name': 'checkout', 'cloud.region': 'eu-west-1', 'host.cpus': 4 };

/** Spans covering every field the view exposes: kinds, status, events, links, nested arrays. */
export function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(RESOURCE), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('@acme/http', '2.1.0');
  const parent = tracer.startSpan('GET /cart/{id}', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'app.ratio': 0.25, 'app.flag': true, 'app.tags': ['a', 'b'], 'app.big': 2 ** 60, 'app.neg': -42, 'app.unicode': 'café ✓' },
  });
  parent.addEvent('cache.miss', { 'cache.key': 'cart:1' });
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
  const child = tracer.startSpan('SELECT carts', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' }, links: [{ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }, attributes: { 'link.kind': 'follows' } }] });
  child.end();
  parent.end();
  for (let i = 0; i < 5; i++) tracer.startSpan(`job ${i}`, { attributes: { 'job.index': i } }).end();
  return exporter.getFinishedSpans();
}

export function sdkLogs(): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes(RESOURCE), processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('@acme/log', '1.0.0');
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'order placed', attributes: { 'order.id': 'o-1', 'order.total': 12.5 } });
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: { reason: 'card declined', codes: [51, 5] }, attributes: { retry: false } });
  logger.emit({ body: 'no severity', eventName: 'acme.checkout.done' });
  return exporter.getFinishedLogRecords();
}

export async function sdkMetrics(): Promise<ResourceMetrics> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes(RESOURCE), readers: [reader] });
  const meter = provider.getMeter('@acme/metrics', '1.0.0');
  meter.createCounter('orders').add(3, { 'payment.method': 'card' });
  meter.createCounter('orders').add(1, { 'payment.method': 'cash' });
  meter.createHistogram('latency', { unit: 'ms' }).record(12.5, { 'http.route': '/cart' });
  meter.createGauge('queue.depth').record(7, { queue: 'emails' });
  meter.createUpDownCounter('inflight').add(-2);
  const collected = await reader.collect();
  await provider.shutdown();
  return collected.resourceMetrics;
}

/** HrTime to nanoseconds. */
export function hrToNanos(t: readonly [number, number]): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}
