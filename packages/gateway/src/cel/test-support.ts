// Requests for the CEL tests: one checkout trace, a root server span with an error and a child.
import { buildTraces, decodeTraces, type SpanInput, type TracesView } from '@cairn/otlp';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

export function checkoutTrace(extra: Partial<SpanInput> = {}): TracesView {
  return decodeTraces(buildTraces([{
    resource: { attributes: { 'service.name': 'checkout', 'deployment.environment.name': 'prod' } },
    scopeSpans: [{
      scope: { name: '@opentelemetry/instrumentation-http', version: '0.52.0', attributes: { 'lib.flag': true } },
      spans: [
        {
          traceId: TRACE_ID, spanId: 'b7ad6b7169203331', name: 'GET /cart', kind: 2,
          startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_002_500_000_000n,
          attributes: { 'http.route': '/cart', 'http.response.status_code': 500, ratio: 2.0, tags: ['a', 'b'] },
          status: { code: 2, message: 'boom' },
          events: [{ name: 'exception', timeUnixNano: 1_700_000_001_000_000_000n, attributes: { 'exception.type': 'TypeError' } }],
          ...extra,
        },
        {
          traceId: TRACE_ID, spanId: 'b7ad6b7169203332', parentSpanId: 'b7ad6b7169203331', name: 'SELECT carts', kind: 3,
          startTimeUnixNano: 1_700_000_000_100_000_000n, endTimeUnixNano: 1_700_000_000_150_000_000n,
          attributes: { 'db.system': 'postgresql' },
          links: [{ traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0102030405060708', attributes: { why: 'batch' } }],
        },
      ],
    }],
  }]));
}
