import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { protobufToJson } from '@cairn/otlp';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { encodeSpans } from './encode.js';
import { FastOtlpTraceExporter } from './fast.js';

function sampleSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop', 'service.version': '1.2.3' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const a = provider.getTracer('scope-a', '1.0.0');
  const b = provider.getTracer('scope-b');
  const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const root = a.startSpan('checkout', { kind: SpanKind.SERVER, attributes: { 'acme.cart.total': 12.5, 'acme.cart.item_count': 3, ok: true, tags: ['a', 'b'], big: 2 ** 40 } }, remote);
  root.addEvent('cart loaded', { items: 3 });
  root.addLink({ context: { traceId: '1af7651916cd43dd8448eb211c80319c', spanId: 'c7ad6b7169203331', traceFlags: 1 }, attributes: { why: 'retry' } });
  const child = b.startSpan('charge card', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, root));
  child.recordException(new Error('declined'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
  child.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  a.startSpan('negative', { attributes: { n: -7, d: -0.25 } }).end();
  return memory.getFinishedSpans();
}

function sameRequest(a: Uint8Array, b: Uint8Array): void {
  assert.deepEqual(withoutDefaults(JSON.parse(protobufToJson('traces', a))), withoutDefaults(JSON.parse(protobufToJson('traces', b))));
}

/** proto3 reads an absent field as its zero value, so the stock serializer's explicit zeros mean the same. */
function withoutDefaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDefaults);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const clean = withoutDefaults(v);
    if (clean === 0 || clean === '' || (typeof clean === 'object' && clean !== null && !Array.isArray(clean) && Object.keys(clean).length === 0)) continue;
    out[k] = clean;
  }
  return out;
}

describe('fast exporter encoding', () => {
  it('writes the same request as the stock protobuf serializer', () => {
    const spans = sampleSpans();
    const stock = ProtobufTraceSerializer.serializeRequest(spans);
    assert.ok(stock);
    sameRequest(encodeSpans(spans), stock);
  });
});

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

async function withCollector(replies: Reply[], run: (url: string) => Promise<void>): Promise<number> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => (replies[Math.min(requests++, replies.length - 1)] ?? ok)(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  return requests;
}

const ok: Reply = (_req, res) => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
const unavailable: Reply = (_req, res) => res.writeHead(503, { 'retry-after': '0' }).end();
const silent: Reply = () => undefined;

function exportOnce(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

const EXPORTERS = {
  fast: (url: string, timeoutMillis?: number) => new FastOtlpTraceExporter(timeoutMillis === undefined ? { url } : { url, timeoutMillis }),
  stock: (url: string, timeoutMillis?: number) => new OTLPTraceExporter(timeoutMillis === undefined ? { url } : { url, timeoutMillis }),
};

describe('fast exporter transport, next to the stock exporter', () => {
  for (const [name, make] of Object.entries(EXPORTERS)) {
    it(`${name}: retries a 503 and then succeeds`, async () => {
      let result: ExportResult | undefined;
      const requests = await withCollector([unavailable, unavailable, ok], async (url) => {
        const exporter = make(url);
        result = await exportOnce(exporter, sampleSpans());
        await exporter.shutdown();
      });
      assert.equal(result?.code, ExportResultCode.SUCCESS);
      assert.equal(requests, 3);
    });

    it(`${name}: gives up on a collector that never answers, within the timeout`, async () => {
      let result: ExportResult | undefined;
      let took = 0;
      await withCollector([silent], async (url) => {
        const exporter = make(url, 300);
        const started = Date.now();
        result = await exportOnce(exporter, sampleSpans());
        took = Date.now() - started;
        await exporter.shutdown();
      });
      assert.equal(result?.code, ExportResultCode.FAILED);
      // Settled by its 300 ms timeout, not the 10 s default: the bound leaves a loaded machine seconds.
      assert.ok(took < 5000, `took ${took} ms`);
    });

    it(`${name}: does not retry a 400`, async () => {
      let result: ExportResult | undefined;
      const requests = await withCollector([(_q, res) => res.writeHead(400).end()], async (url) => {
        const exporter = make(url);
        result = await exportOnce(exporter, sampleSpans());
        await exporter.shutdown();
      });
      assert.equal(result?.code, ExportResultCode.FAILED);
      assert.equal(requests, 1);
    });
  }
});
