// Tail sampling against a real gateway process: kill -9 while traces wait for their decision,
// restart, and check that every acknowledged span of a kept trace is delivered and every dropped
// one counted; then push the trace buffer far past its byte bound and watch memory and counts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildTraces, type SpanInput } from '@cairn/otlp';
import { Agent } from 'undici';
import { thresholdForRate } from '../cel/index.js';
import { sampledIn } from '../stages/tail/rules.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { kill9, spawnGateway, type GatewayChild } from './child.js';
import { eventually } from './harness.js';
import { metricSum, tailConfigYaml } from './tail-support.js';

function configYaml(sinkUrl: string, tail: string): string {
  return tailConfigYaml(sinkUrl, `{ tail: ${tail} }`);
}

interface SentTrace {
  id: Buffer;
  error: boolean;
  spans: string[];
  acknowledged: number;
}

let sequence = 0;

function newTrace(error: boolean): SentTrace {
  const id = Buffer.alloc(16);
  id.writeUInt32BE(process.pid, 0);
  id.writeUInt32BE(++sequence, 4);
  for (let i = 8; i < 16; i++) id[i] = Math.floor(Math.random() * 256);
  return { id, error, spans: [], acknowledged: 0 };
}

function spanOf(trace: SentTrace, half: 0 | 1, filler = ''): SpanInput {
  const spanId = Buffer.alloc(8);
  spanId.writeUInt32BE(++sequence, 4);
  spanId[0] = 1 + half;
  trace.spans.push(spanId.toString('hex'));
  return {
    traceId: trace.id, spanId, name: half === 0 ? 'GET /cart' : 'SELECT cart', kind: half === 0 ? 2 : 3,
    startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_050_000_000n,
    ...(half === 1 ? { parentSpanId: Buffer.alloc(8, 7) } : {}),
    ...(trace.error && half === 0 ? { status: { code: 2 } } : {}),
    attributes: filler ? { 'test.filler': filler } : {},
  };
}

/**
 * `clients` loops; each request carries the second halves of the traces its previous request
 * started and the first halves of new ones, so traces span requests. A trace counts as
 * acknowledged when both its requests were answered 200.
 */
function load(url: () => string, clients: number, tracesPerRequest: number, filler = '') {
  const agent = new Agent({ connections: clients, pipelining: 1 });
  const all: SentTrace[] = [];
  let running = true;
  let requests = 0;
  const loop = async (): Promise<void> => {
    let open: SentTrace[] = [];
    for (let i = 0; running && i < 100_000; i++) {
      const fresh = Array.from({ length: tracesPerRequest }, (_, k) => newTrace(k % 5 === 0));
      const spans = [...open.map((t) => spanOf(t, 1, filler)), ...fresh.map((t) => spanOf(t, 0, filler))];
      all.push(...fresh);
      const body = buildTraces([{ resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ scope: { name: 'tail-e2e' }, spans }] }]);
      try {
        const res = await fetch(`${url()}/v1/traces`, {
          method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' },
          // @ts-expect-error undici's dispatcher option is not in the DOM fetch types
          dispatcher: agent,
        });
        await res.arrayBuffer();
        if (res.status === 200) for (const t of [...open, ...fresh]) t.acknowledged++;
        requests++;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      open = fresh;
    }
  };
  const loops = Array.from({ length: clients }, loop);
  let stopped: Promise<void> | undefined;
  return {
    all,
    get requests() { return requests; },
    stop() {
      running = false;
      return (stopped ??= Promise.all(loops).then(() => agent.close()));
    },
  };
}

const HALF = thresholdForRate(2);

describe('tail sampling: durable trace buffer', () => {
  it('kill -9 during decision_wait under load loses nothing: after restart kept traces are delivered whole, dropped ones counted', async () => {
    const sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-tail-crash-'));
    const configPath = join(dir, 'cairn.yaml');
    const rules = `rules: [{ name: errors, when: "trace.any(s, s.status.code == 2)", keep: true }, { name: half, sample_rate: 2 }]`;
    // A wait no machine reaches before the kill: every trace is undecided when the process dies.
    writeFileSync(configPath, configYaml(sink.url, `{ decision_wait: 10m, ${rules} }`));
    let gateway: GatewayChild | undefined;
    let traffic: ReturnType<typeof load> | undefined;
    try {
      gateway = await spawnGateway(configPath);
      const first = gateway;
      traffic = load(() => `http://127.0.0.1:${first.ports.http}`, 3, 20);
      const sent = traffic;
      await eventually(() => sent.all.filter((t) => t.acknowledged === 2).length >= 600, 60_000, '600 whole traces acknowledged');
      await kill9(first);
      await traffic.stop();
      assert.equal(sink.distinctSpans, 0, 'nothing was decided before the kill');

      // The restart decides what waited: a short wait now, counted from when each trace arrived.
      writeFileSync(configPath, configYaml(sink.url, `{ decision_wait: 1s, ${rules} }`));
      gateway = await spawnGateway(configPath);
      const whole = traffic.all.filter((t) => t.acknowledged === 2);
      const kept = whole.filter((t) => t.error || sampledIn(t.id, HALF));
      const dropped = whole.filter((t) => !kept.includes(t));
      assert.ok(kept.length > 0 && dropped.length > 0, `kept ${kept.length}, dropped ${dropped.length}`);
      await sink.waitFor((s) => s.hasAllSpans(kept.flatMap((t) => t.spans)), 60_000);
      const admin = gateway.ports.admin!;
      await eventually(async () => (await metricSum(admin, 'cairn_tail_buffered_traces')) === 0, 60_000, 'every buffered trace decided');
      // The kept spans of traces cut by the kill (one half acknowledged) are decided last and
      // were not waited for above: the sink has everything once the destination queue is empty.
      await eventually(async () => (await metricSum(admin, 'cairn_queue_size_batches', { destination: 'backend' })) === 0, 60_000, 'the backend queue delivered');
      const delivered = new Set(sink.spanIds);
      for (const t of dropped) for (const s of t.spans) assert.ok(!delivered.has(s), `span ${s} of dropped trace ${t.id.toString('hex')} was delivered`);
      for (const t of whole.filter((x) => x.error)) assert.ok(t.spans.every((s) => delivered.has(s)), 'an error trace was not kept whole');
      const droppedSpans = await metricSum(admin, 'cairn_tail_spans_total', { decision: 'dropped' });
      const keptSpans = await metricSum(admin, 'cairn_tail_spans_total', { decision: 'kept' });
      // Acknowledged spans are all counted; a request cut by the kill may have committed unanswered spans too.
      assert.ok(droppedSpans >= dropped.length * 2, `${droppedSpans} dropped spans counted, ${dropped.length * 2} acknowledged`);
      assert.ok(keptSpans >= kept.length * 2, `${keptSpans} kept spans counted, ${kept.length * 2} acknowledged`);
      assert.equal(delivered.size, keptSpans, 'every span counted as kept was delivered, and nothing else');
      // The same decisions in /api/sampling: tail is this destination's only sampler.
      const api = (await (await fetch(`http://127.0.0.1:${admin}/api/sampling`)).json()) as { destinations: { destination: string; seen: number; kept: number; dropped: number; decisions: { sampler: string; kept: number; dropped: number }[] }[] };
      const row = api.destinations.find((d) => d.destination === 'backend');
      assert.ok(row, JSON.stringify(api));
      assert.deepEqual([row.kept, row.dropped, row.seen], [keptSpans, droppedSpans, keptSpans + droppedSpans]);
      const tailRows = row.decisions.filter((d) => d.sampler === 'tail');
      assert.equal(tailRows.reduce((n, d) => n + d.kept + d.dropped, 0), keptSpans + droppedSpans);
      process.stdout.write(`# tail crash: ${whole.length} whole traces acknowledged before the kill; ${kept.length} kept (delivered), ${dropped.length} dropped (${droppedSpans} spans counted)\n`);
    } finally {
      await traffic?.stop();
      if (gateway) await kill9(gateway);
      await sink.close();
    }
  });

  it('overload: the buffer stays within its byte bound far past it, RSS stays bounded, early decisions are counted', async () => {
    const sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-tail-overload-'));
    const configPath = join(dir, 'cairn.yaml');
    const bound = 2 * 1024 * 1024;
    writeFileSync(configPath, configYaml(sink.url, `{ decision_wait: 10m, buffer_max_bytes: ${bound}, decision_cache_size: 10000, rules: [{ name: all, drop: true }] }`));
    let gateway: GatewayChild | undefined;
    let traffic: ReturnType<typeof load> | undefined;
    try {
      // V8 sizes its young generation (up to 3 × 16 MB by default) by the allocation rate and when
      // its collections ran: with two loaded cores that alone took the peak from +55 MB to +92 MB
      // over this traffic, next to the 100 MB bound. A 1 MB semi-space takes that noise out (peak
      // +10 to +30 MB); what the bound is there for, memory kept per byte sent, is old-generation
      // or native memory and grows as before.
      gateway = await spawnGateway(configPath, undefined, ['--max-semi-space-size=1']);
      const first = gateway;
      const filler = 'x'.repeat(2000);
      traffic = load(() => `http://127.0.0.1:${first.ports.http}`, 2, 100, filler);
      const sent = traffic;
      // 200 spans of ~2 KB: ~0.4 MB a request. Dropped on overflow, so the destination queue (and
      // its in-memory body cache) stays empty. The spans wait on disk, so the gateway's peak stays
      // a fraction of what went through (V8's heap and SQLite's page cache grow for a while under
      // load, then level off; a buffer held in memory would grow by every byte sent).
      const requestBytes = 200 * 2000;
      const half = 250;
      await eventually(() => sent.requests >= 20, 60_000, '20 requests');
      const start = peakRss(first.process.pid!);
      await eventually(() => sent.requests >= 20 + half, 300_000, `${half} requests`);
      const mid = peakRss(first.process.pid!);
      await eventually(() => sent.requests >= 20 + 2 * half, 300_000, `${2 * half} requests`);
      await traffic.stop();
      const end = peakRss(first.process.pid!);
      const admin = first.ports.admin!;
      const buffered = await metricSum(admin, 'cairn_tail_buffered_bytes');
      const overflow = await metricSum(admin, 'cairn_tail_traces_total', { reason: 'overflow' });
      const halfBytes = half * requestBytes;
      assert.ok(buffered <= bound + requestBytes, `buffer holds ${buffered} bytes, bound ${bound}`);
      assert.ok(overflow > 0, 'early decisions on overflow are counted');
      const traces = await metricSum(admin, 'cairn_tail_buffered_traces');
      const decided = await metricSum(admin, 'cairn_tail_traces_total');
      assert.ok(decided + traces >= traffic.all.filter((t) => t.acknowledged > 0).length, 'every acknowledged trace is buffered or decided');
      assert.ok(end - start < halfBytes, `peak RSS grew ${(end - start) / 1e6} MB (first half +${(mid - start) / 1e6} MB) while ${(2 * halfBytes) / 1e6} MB went through a ${bound / 1e6} MB buffer`);
      process.stdout.write(`# tail overload: ${(2 * halfBytes) / 1e6} MB through a ${bound / 1e6} MB buffer; ${overflow} traces decided early; peak RSS +${((mid - start) / 1e6).toFixed(1)} MB in the first half, +${((end - mid) / 1e6).toFixed(1)} MB in the second\n`);
    } finally {
      await traffic?.stop();
      if (gateway) await kill9(gateway);
      await sink.close();
    }
  });
});

/** Peak resident set of a process, in bytes (Linux). */
function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}
