// Tail sampling against a real gateway process, about what happens to a trace after its
// decision: in dry run every acknowledged span reaches the sink marked with the decision; and a
// decision recorded before a restart (kill -9) still decides the trace's late spans after it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildTraces, decodeTraces, type SpanInput } from '@cairn/otlp';
import { formatThreshold, thresholdForRate } from '../cel/index.js';
import { KEPT_ATTRIBUTE, RATE_ATTRIBUTE } from '../stages/sample/sampler.js';
import { sampledIn } from '../stages/tail/rules.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { kill9, spawnGateway, type GatewayChild } from './child.js';
import { eventually } from './harness.js';
import { metricSum, tailConfigYaml } from './tail-support.js';

const RULES = `rules: [{ name: errors, when: "trace.any(s, s.status.code == 2)", keep: true }, { name: half, sample_rate: 2 }]`;
const HALF = thresholdForRate(2);

interface TestTrace {
  id: Buffer;
  error: boolean;
  spans: string[];
}

let sequence = 0;

function newTrace(error: boolean, want?: (id: Buffer) => boolean): TestTrace {
  for (;;) {
    const id = Buffer.alloc(16);
    id.writeUInt32BE(process.pid, 0);
    id.writeUInt32BE(++sequence, 4);
    for (let i = 8; i < 16; i++) id[i] = Math.floor(Math.random() * 256);
    if (!want || want(id)) return { id, error, spans: [] };
  }
}

function spanOf(trace: TestTrace, root: boolean): SpanInput {
  const spanId = Buffer.alloc(8);
  spanId.writeUInt32BE(++sequence, 4);
  spanId[0] = root ? 1 : 2;
  trace.spans.push(spanId.toString('hex'));
  return {
    traceId: trace.id, spanId, name: root ? 'GET /cart' : 'SELECT cart', kind: root ? 2 : 3,
    startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_050_000_000n,
    ...(root ? {} : { parentSpanId: Buffer.alloc(8, 7) }),
    ...(trace.error && root ? { status: { code: 2 } } : {}),
  };
}

/** Sends one request; fails the test unless the gateway acknowledged it. */
async function send(port: number, spans: SpanInput[]): Promise<void> {
  const body = buildTraces([{ resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ scope: { name: 'tail-e2e' }, spans }] }]);
  const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
  await res.arrayBuffer();
  assert.equal(res.status, 200);
}

interface Delivered {
  attributes: Map<string, unknown>;
  traceState: string;
}

/** Every span the sink received, by span id (hex). */
function delivered(sink: OtlpHttpSink): Map<string, Delivered> {
  const out = new Map<string, Delivered>();
  for (const request of sink.requests) {
    if (request.signal !== 'traces') continue;
    const spans = decodeTraces(request.body).spans();
    while (spans.next()) {
      const attributes = new Map<string, unknown>();
      const a = spans.attributes();
      while (a.next()) attributes.set(a.key, a.value);
      out.set(spans.spanIdHex, { attributes, traceState: spans.traceState });
    }
  }
  return out;
}

describe('tail sampling: after the decision', () => {
  it('dry_run: every acknowledged span reaches the sink, marked with its trace\'s decision, without a weight; the counts say what would have been kept', async () => {
    const sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-tail-dry-'));
    const configPath = join(dir, 'cairn.yaml');
    writeFileSync(configPath, tailConfigYaml(sink.url, `{ dry_run: true, tail: { decision_wait: 200ms, ${RULES} } }`));
    let gateway: GatewayChild | undefined;
    try {
      gateway = await spawnGateway(configPath);
      const port = gateway.ports.http!;
      // Traces span two requests: the second half may arrive before the decision or follow it.
      const traces = Array.from({ length: 60 }, (_, i) => newTrace(i % 6 === 0));
      await send(port, traces.slice(0, 30).map((t) => spanOf(t, true)));
      await send(port, [...traces.slice(0, 30).map((t) => spanOf(t, false)), ...traces.slice(30).map((t) => spanOf(t, true))]);
      await send(port, traces.slice(30).map((t) => spanOf(t, false)));
      const all = traces.flatMap((t) => t.spans);
      await sink.waitFor((s) => s.hasAllSpans(all), 60_000);

      const got = delivered(sink);
      let wouldKeep = 0;
      for (const t of traces) {
        const keep = t.error || sampledIn(t.id, HALF);
        if (keep) wouldKeep += t.spans.length;
        for (const id of t.spans) {
          const s = got.get(id)!;
          assert.equal(s.attributes.get(KEPT_ATTRIBUTE), keep, `span ${id} of trace ${t.id.toString('hex')}`);
          assert.equal(s.attributes.get(RATE_ATTRIBUTE), keep ? (t.error ? 1 : 2) : undefined);
          assert.equal(s.attributes.has('SampleRate'), false, 'no SampleRate in dry run');
          assert.equal(s.traceState, '', 'no th in dry run');
        }
      }
      assert.ok(wouldKeep > 0 && wouldKeep < all.length, `${wouldKeep} of ${all.length} spans would be kept`);

      const admin = gateway.ports.admin!;
      await eventually(async () => (await metricSum(admin, 'cairn_tail_spans_total')) === all.length, 60_000, 'every span counted by tail');
      assert.equal(await metricSum(admin, 'cairn_tail_spans_total', { decision: 'kept' }), wouldKeep);
      assert.equal(await metricSum(admin, 'cairn_tail_spans_total', { decision: 'dropped' }), all.length - wouldKeep);
      const api = (await (await fetch(`http://127.0.0.1:${admin}/api/sampling`)).json()) as { destinations: { destination: string; dry_run: boolean; seen: number; kept: number; dropped: number; decisions: { sampler: string; kept: number; dropped: number }[] }[] };
      const row = api.destinations.find((d) => d.destination === 'backend');
      assert.ok(row, JSON.stringify(api));
      assert.deepEqual([row.dry_run, row.seen, row.kept, row.dropped], [true, all.length, wouldKeep, all.length - wouldKeep]);
      const tail = row.decisions.filter((d) => d.sampler === 'tail');
      assert.deepEqual([tail.reduce((n, d) => n + d.kept, 0), tail.reduce((n, d) => n + d.dropped, 0)], [wouldKeep, all.length - wouldKeep]);
    } finally {
      if (gateway) await kill9(gateway);
      await sink.close();
    }
  });

  it('a late span after a restart (kill -9) follows the decision recorded before it: kept with the same weight, dropped and counted as late', async () => {
    const sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-tail-decided-'));
    const configPath = join(dir, 'cairn.yaml');
    writeFileSync(configPath, tailConfigYaml(sink.url, `{ tail: { decision_wait: 0s, ${RULES} } }`));
    let gateway: GatewayChild | undefined;
    try {
      gateway = await spawnGateway(configPath);
      const kept = newTrace(false, (id) => sampledIn(id, HALF));
      const dropped = newTrace(false, (id) => !sampledIn(id, HALF));
      await send(gateway.ports.http!, [spanOf(kept, true), spanOf(dropped, true)]);
      const first = gateway;
      await eventually(async () => (await metricSum(first.ports.admin!, 'cairn_tail_traces_total')) === 2, 60_000, 'both traces decided');
      await sink.waitFor((s) => s.hasAllSpans(kept.spans), 60_000);
      await kill9(first);

      // After the restart nothing is decided by waiting: a late span that did not follow the
      // recorded decision would be buffered as a new trace for 10 minutes.
      writeFileSync(configPath, tailConfigYaml(sink.url, `{ tail: { decision_wait: 10m, ${RULES} } }`));
      gateway = await spawnGateway(configPath);
      const admin = gateway.ports.admin!;
      await send(gateway.ports.http!, [spanOf(kept, false), spanOf(dropped, false)]);
      assert.equal(await metricSum(admin, 'cairn_tail_buffered_traces'), 0, 'both late spans followed a recorded decision');
      assert.equal(await metricSum(admin, 'cairn_tail_spans_total', { late: 'true', decision: 'dropped', rule: 'half' }), 1);
      assert.equal(await metricSum(admin, 'cairn_tail_spans_total', { late: 'true', decision: 'kept', rule: 'half' }), 1);
      await sink.waitFor((s) => s.hasAllSpans(kept.spans), 60_000);
      const got = delivered(sink);
      const late = got.get(kept.spans[1]!)!;
      const before = got.get(kept.spans[0]!)!;
      assert.deepEqual([late.attributes.get('SampleRate'), late.traceState], [2, `ot=th:${formatThreshold(HALF)}`]);
      assert.deepEqual([before.attributes.get('SampleRate'), before.traceState], [late.attributes.get('SampleRate'), late.traceState]);
      assert.ok(dropped.spans.every((s) => !got.has(s)), 'no span of the dropped trace was delivered');
    } finally {
      if (gateway) await kill9(gateway);
      await sink.close();
    }
  });
});
