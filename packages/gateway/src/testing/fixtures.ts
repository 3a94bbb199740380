// Request bodies for exporter and sink tests, made with @cairn/otlp's builders and JSON codec.
import { buildTraces, jsonToProtobuf } from '@cairn/otlp';
import type { OutboundBatch } from '../exporters/types.js';

const T0 = 1_700_000_000_000_000_000n;

/** A traces batch: `spansPerService` spans for each service, each its own resource. */
export function tracesBatch(services: readonly string[] = ['checkout'], spansPerService = 3): OutboundBatch {
  let n = 0;
  const body = buildTraces(services.map((service) => ({
    resource: { attributes: { 'service.name': service } },
    scopeSpans: [{
      scope: { name: 'cairn-test', version: '1.0.0' },
      spans: Array.from({ length: spansPerService }, () => {
        n++;
        const id = n.toString(16).padStart(16, '0');
        return {
          traceId: `5b8efff798038103d269b633813fc60c`, spanId: id, name: `GET /cart/${n}`, kind: 2,
          startTimeUnixNano: T0 + BigInt(n) * 1_000_000n, endTimeUnixNano: T0 + BigInt(n) * 1_000_000n + 12_500_000n,
          attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 },
        };
      }),
    }],
  })));
  return { signal: 'traces', body, items: n };
}

/** A logs batch of `count` records from one service. */
export function logsBatch(count = 2, service = 'cart-api'): OutboundBatch {
  const logRecords = Array.from({ length: count }, (_, i) => ({
    timeUnixNano: String(T0 + BigInt(i)), severityNumber: 9, severityText: 'INFO',
    body: { stringValue: `cart ${i} updated` }, traceId: '5b8efff798038103d269b633813fc60c',
  }));
  const json = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ scope: { name: 'log' }, logRecords }] }] };
  return { signal: 'logs', body: jsonToProtobuf('logs', JSON.stringify(json)), items: count };
}

/** A metrics batch: one gauge with `points` data points. */
export function metricsBatch(points = 3, service = 'checkout'): OutboundBatch {
  const dataPoints = Array.from({ length: points }, (_, i) => ({ timeUnixNano: String(T0 + BigInt(i)), asDouble: i + 0.5 }));
  const json = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeMetrics: [{ scope: { name: 'm' }, metrics: [{ name: 'queue.depth', unit: '1', gauge: { dataPoints } }] }] }] };
  return { signal: 'metrics', body: jsonToProtobuf('metrics', JSON.stringify(json)), items: points };
}
