// The standard trace corpus: spans made by the real OpenTelemetry JS SDK (BasicTracerProvider,
// in-memory exporter), 10 attributes each, serialized by the SDK's own ProtobufTraceSerializer.
// About 375 bytes per span on the wire. The gateway benchmarks reuse `traceCorpus`.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Link, type Span } from '@opentelemetry/api';

export interface TraceCorpus {
  /** ExportTraceServiceRequest bodies, one per batch. */
  readonly requests: Uint8Array[];
  readonly spanCount: number;
  readonly byteLength: number;
  readonly bytesPerSpan: number;
}

export interface CorpusOptions {
  readonly batches?: number;
  readonly spansPerBatch?: number;
  /** Seed of the deterministic pseudo-random attribute values. */
  readonly seed?: number;
  /**
   * Every field in use: spans in trees of 8 (a root and 7 children with parent ids), each with
   * an event of 2 attributes, every other one with a link of 1 attribute. Off by default: the
   * gateway benchmarks and the attribute cases use the plain server spans.
   */
  readonly rich?: boolean;
}

const ROUTES = ['/cart/{id}', '/checkout', '/items/{sku}', '/users/{id}', '/healthz'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

/** Real SDK spans: one resource, one scope, `count` server spans with 10 attributes each. */
export function makeSpans(count: number, seed = 1, rich = false): ReadableSpan[] {
  let state = seed >>> 0 || 1;
  const rand = (n: number): number => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state % n;
  };
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout', 'service.version': '1.4.2', 'cloud.region': 'eu-west-1',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@acme/http', '2.1.0');
  let root: Span | undefined;
  let previous: Span | undefined;
  for (let i = 0; i < count; i++) {
    const route = ROUTES[rand(ROUTES.length)]!;
    const parent = rich && i % 8 !== 0 && root ? trace.setSpan(ROOT_CONTEXT, root) : ROOT_CONTEXT;
    const links: Link[] = rich && i % 2 === 1 && previous ? [{ context: previous.spanContext(), attributes: { 'link.reason': 'follows' } }] : [];
    const span = tracer.startSpan(`GET ${route}`, {
      kind: SpanKind.SERVER,
      links,
      attributes: {
        'http.request.method': METHODS[rand(METHODS.length)]!,
        'http.route': route,
        'url.path': route.replace('{id}', String(rand(100000))).replace('{sku}', String(rand(99999))),
        'url.scheme': 'https',
        'http.response.status_code': rand(10) === 0 ? 500 : 200,
        'server.address': 'checkout',
        'client.address': `10.0.${rand(256)}.${rand(256)}`,
        'user_agent.original': 'curl/8.5',
        'network.protocol.name': 'http',
        'app.total': rand(100000) / 100,
      },
    }, parent);
    if (rich) span.addEvent('cache.lookup', { 'cache.key': `item:${rand(99999)}`, 'cache.hit': rand(2) === 0 });
    if (rand(10) === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
    if (rich && i % 8 === 0) root = span;
    previous = span;
    span.end();
  }
  const spans = exporter.getFinishedSpans();
  void provider.shutdown();
  return spans;
}

/** Generates the corpus: `batches` requests of `spansPerBatch` spans (defaults 40 x 512). */
export function traceCorpus(options: CorpusOptions = {}): TraceCorpus {
  const batches = options.batches ?? 40;
  const perBatch = options.spansPerBatch ?? 512;
  const requests: Uint8Array[] = [];
  let bytes = 0;
  for (let b = 0; b < batches; b++) {
    const spans = makeSpans(perBatch, (options.seed ?? 1) + b, options.rich ?? false);
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    if (body === undefined) throw new Error('serializer returned nothing');
    requests.push(body);
    bytes += body.length;
  }
  return { requests, spanCount: batches * perBatch, byteLength: bytes, bytesPerSpan: bytes / (batches * perBatch) };
}
