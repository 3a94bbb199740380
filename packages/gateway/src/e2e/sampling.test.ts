// End to end through sampling: the real OpenTelemetry JS SDK exports 400 traces over OTLP/HTTP
// (protobuf) to a real gateway with a processing thread, whose strategy samples the destination
// 1 in 4 by trace id and keeps every error. The real sink receives exactly the traces whose
// randomness passes the threshold, each span with SampleRate and ot=th in its tracestate, and
// GET /api/sampling and /metrics count what happened.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { decodeTraces } from '@cairn/otlp';
import { FULL_ACCESS } from '../telemetry/admin.js';
import type { SamplingJson } from '../stages/sample/totals.js';
import { eventually, metric, startHarness, type Harness } from './harness.js';

const STRATEGY = `strategy:
  destinations:
    backend:
      sampling:
        head: { sample_rate: 4 }
        keep: ['span.status.code == 2']
`;

interface Received { traceId: string; name: string; sampleRate: unknown; traceState: string }

function received(h: Harness): Received[] {
  const out: Received[] = [];
  for (const request of h.sink.requests) {
    const view = decodeTraces(request.body);
    const spans = view.spans();
    for (let i = 0; i < view.spanCount; i++) {
      spans.seek(i);
      let sampleRate: unknown;
      const attrs = spans.attributes();
      while (attrs.next()) if (attrs.key === 'SampleRate') sampleRate = attrs.value;
      out.push({ traceId: spans.traceIdHex, name: spans.name, sampleRate, traceState: spans.traceState });
    }
  }
  return out;
}

describe('OTel SDK → gateway with sampling → sink', () => {
  let h: Harness;
  let provider: NodeTracerProvider | undefined;

  before(async () => {
    h = await startHarness({ extra: STRATEGY });
  });

  after(async () => {
    await provider?.shutdown().catch(() => undefined);
    await h?.close();
  });

  it('delivers the traces 1-in-4 by trace id and every error, with SampleRate and th, and counts them', async () => {
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${h.http}/v1/traces` }), { maxExportBatchSize: 100, scheduledDelayMillis: 50 })],
    });
    const tracer = provider.getTracer('sampling-e2e');
    const sent: { traceId: string; error: boolean }[] = [];
    for (let i = 0; i < 400; i++) {
      const span = tracer.startSpan(i % 20 === 0 ? 'GET /fail' : 'GET /ok');
      if (i % 20 === 0) span.setStatus({ code: SpanStatusCode.ERROR });
      sent.push({ traceId: span.spanContext().traceId, error: i % 20 === 0 });
      span.end();
    }
    await provider.forceFlush();

    const api = async (): Promise<SamplingJson> => (await h.gateway.adminRoutes.get('GET', '/api/sampling')!({ req: undefined as never, url: new URL('http://127.0.0.1/api/sampling'), access: FULL_ACCESS }, undefined as never))!.body as SamplingJson;
    await eventually(async () => ((await api()).destinations[0]?.seen ?? 0) >= 400, 20_000, 'sampling saw 400 spans');
    const counts = (await api()).destinations[0]!;
    await eventually(() => received(h).length >= counts.kept, 20_000, 'the sink received what was kept');

    // The consistent decision, computed here from the ids alone: keep when the last 7 bytes of
    // the trace id reach th:c (0xc followed by zeros), or when the span is an error.
    const expected = sent.filter((s) => s.error || s.traceId.slice(18) >= 'c0000000000000');
    const got = received(h);
    assert.deepEqual(got.map((s) => s.traceId).sort(), expected.map((s) => s.traceId).sort());
    for (const s of got) {
      if (s.name === 'GET /fail') {
        assert.equal(s.sampleRate, 1);
        assert.equal(s.traceState, 'ot=th:0');
      } else {
        assert.equal(s.sampleRate, 4);
        assert.equal(s.traceState, 'ot=th:c');
      }
    }

    assert.deepEqual({ ...counts, decisions: undefined }, {
      destination: 'backend', dry_run: false, seen: 400, kept: got.length, dropped: 400 - got.length, effective_sample_rate: 400 / got.length, decisions: undefined,
    });
    const keep = counts.decisions.find((d) => d.sampler === 'keep')!;
    const head = counts.decisions.find((d) => d.sampler === 'head')!;
    assert.deepEqual([keep.rule, keep.kept, keep.dropped], ['keep[0]', 20, 0]);
    assert.deepEqual([head.kept, head.dropped, head.sample_rate], [got.length - 20, 380 - (got.length - 20), 4]);
    const weight = got.reduce((a, s) => a + Number(s.sampleRate), 0);
    assert.ok(Math.abs(weight - 400) / 400 < 0.4, `re-weighted ${weight} for 400`);
    const text = await h.gateway.metrics.registry.metrics();
    assert.equal(metric(text, 'cairn_sampling_spans_total', 'destination="backend",outcome="kept"'), got.length);
    assert.equal(metric(text, 'cairn_sampling_kept_weight_total', 'destination="backend"'), weight);
  });
});
