/**
 * Tail sampling benchmark, in one thread and one process, against pass-through in the same run:
 *
 * - spans/s: BatchProcessor.process then the main thread's commit, for 40 requests of 512 spans
 *   (traces of 10 spans, each trace's spans split over two consecutive requests, 10 attributes a
 *   span). Pass-through commits the output to the SQLite queue. Tail sampling splits the output by
 *   trace (processing side), commits the parts to the durable trace buffer, and decides every
 *   trace of the round (rules: errors kept, the rest 1 in 10, CEL) with the kept ones moved to
 *   the queue. Each pass gets fresh trace ids, and its queue is emptied between rounds.
 * - memory per buffered trace: 10,000 traces of 10 spans committed and left undecided; RSS and
 *   heap after a full GC, before and after, divided by 10,000 (index in memory, spans on disk).
 *
 * Run: npm run build && node bench/gateway/dist/tail.js      (ROUNDS=7)
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { buildTraces, type SpanInput } from '@cairn/otlp';
import { parseConfig } from '../../../packages/gateway/dist/config/load.js';
import { BatchProcessor } from '../../../packages/gateway/dist/pipeline/process.js';
import { SqliteQueueStore } from '../../../packages/gateway/dist/queue/sqlite.js';
import { TraceBufferStore } from '../../../packages/gateway/dist/stages/tail/buffer.js';
import { parseTailConfig } from '../../../packages/gateway/dist/stages/tail/config.js';
import { TailCounts } from '../../../packages/gateway/dist/stages/tail/counts.js';
import { celTraceCompiler, compileTailRules } from '../../../packages/gateway/dist/stages/tail/rules.js';
import { TailSampler, type TailOutput } from '../../../packages/gateway/dist/stages/tail/sampler.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const REQUESTS = 40;
const SPANS_PER_REQUEST = 512;
const SPANS_PER_TRACE = 10;
const loadAtStart = loadavg()[0]!;

const config = parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-bench-tail-unused }
auth: { anonymous: true }
destinations:
  backend: { exporter: { debug: {} } }
`, 'bench-tail.yaml');

let traceSeq = 0;
const ROUTES = ['/cart', '/cart/items', '/checkout', '/orders/{id}', '/search'];

/** Requests where each trace's 10 spans are split 5 + 5 over two consecutive requests. */
function corpus(requests: number): { bodies: Uint8Array[]; spans: number; bytes: number } {
  const halves = SPANS_PER_TRACE / 2;
  const perRequest = SPANS_PER_REQUEST / halves; // trace halves per request
  let pending: Buffer[] = [];
  const bodies: Uint8Array[] = [];
  let spans = 0;
  for (let r = 0; r < requests; r++) {
    const fresh = Array.from({ length: perRequest - pending.length }, () => {
      const id = Buffer.alloc(16);
      id.writeUInt32BE(++traceSeq, 0);
      id.writeUInt32BE((traceSeq * 2654435761) >>> 0, 12);
      id.writeUInt32BE((traceSeq * 40503) >>> 0, 8);
      return id;
    });
    const list: SpanInput[] = [];
    const half = (id: Buffer, second: boolean): void => {
      for (let k = 0; k < halves; k++) {
        const n = second ? halves + k : k;
        const spanId = Buffer.alloc(8);
        spanId.writeUInt32BE(n + 1, 4);
        spanId.writeUInt32BE(id.readUInt32BE(0), 0);
        const seq = id.readUInt32BE(0);
        list.push({
          traceId: id, spanId, ...(n === 0 ? {} : { parentSpanId: Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]) }),
          name: `GET ${ROUTES[seq % ROUTES.length]}`, kind: n === 0 ? 2 : 3,
          startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(1_000_000 * (1 + (seq % 300))),
          attributes: {
            'http.request.method': 'GET', 'http.route': ROUTES[seq % ROUTES.length]!, 'http.response.status_code': seq % 50 === 0 ? 500 : 200,
            'server.address': 'shop.example.com', 'url.path': `/cart/${seq}`, 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)',
            'network.protocol.version': '1.1', 'client.address': `10.0.${seq % 256}.${n}`, 'app.cart.items': n, 'app.region': 'eu-west-1',
          },
          ...(seq % 50 === 0 && n === 0 ? { status: { code: 2 } } : {}),
        });
      }
    };
    for (const id of pending) half(id, true);
    for (const id of fresh) half(id, false);
    spans += list.length;
    bodies.push(buildTraces([{ resource: { attributes: { 'service.name': 'checkout', 'service.version': '1.4.2', 'deployment.environment.name': 'prod' } }, scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' }, spans: list }] }]));
    pending = fresh;
  }
  return { bodies, spans, bytes: bodies.reduce((s, b) => s + b.byteLength, 0) };
}

const tail = parseTailConfig({
  decision_wait: '10s',
  rules: [{ name: 'errors', when: 'trace.any(s, s.status.code == 2)', keep: true }, { name: 'rest', sample_rate: 10 }],
}, 'bench.tail').config!;

function setup(dir: string) {
  const queue = new SqliteQueueStore({ path: join(dir, 'queue.db'), limits: new Map([['backend', 2 ** 40]]) });
  const clock = { now: 0 };
  let sampler: TailSampler | undefined;
  const counts = new TailCounts(new Registry(), () => sampler?.buffered() ?? []);
  sampler = new TailSampler({
    store: new TraceBufferStore(queue.database), counts, now: () => clock.now,
    destinations: new Map([['backend', { config: tail, rules: compileTailRules(tail.rules, celTraceCompiler) }]]),
    enqueue: (e) => void queue.enqueue(e),
  });
  return { queue, sampler, clock, counts };
}

const plain = new BatchProcessor(config);
const tailed = new BatchProcessor(config);
tailed.setTail(new Set(['backend']));

function drain(queue: SqliteQueueStore): void {
  for (let batches = queue.peek('backend', 0, 1000); batches.length > 0; batches = queue.peek('backend', 0, 1000)) queue.ack('backend', batches.map((b) => b.id));
}

function passThrough(dir: string, bodies: Uint8Array[], spans: number): number {
  const { queue } = setup(dir);
  const t0 = performance.now();
  for (const body of bodies) {
    const r = plain.process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
    if (!r.ok) throw new Error('refused');
    queue.enqueue(r.outputs.map((o) => ({ destination: o.destination, tenant: 'anonymous', signal: 'traces', body: o.body, items: o.items })));
  }
  const rate = spans / ((performance.now() - t0) / 1000);
  drain(queue);
  queue.close();
  return rate;
}

function tailSampling(dir: string, bodies: Uint8Array[], spans: number): { rate: number; kept: number } {
  const { queue, sampler, clock, counts } = setup(dir);
  const t0 = performance.now();
  for (const body of bodies) {
    const r = tailed.process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
    if (!r.ok) throw new Error('refused');
    sampler.commit('anonymous', r.outputs as TailOutput[], []);
    clock.now += 100;
    sampler.decide(1000);
  }
  clock.now += 10_000;
  while (sampler.decide(1000) > 0);
  const rate = spans / ((performance.now() - t0) / 1000);
  const kept = counts.decisions('backend').reduce((s, d) => s + d.kept, 0);
  drain(queue);
  queue.close();
  return { rate, kept };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const root = mkdtempSync(join(tmpdir(), 'cairn-bench-tail-'));
const rates = { passThrough: [] as number[], tail: [] as number[] };
let keptShare = 0;
let bytesPerSpan = 0;
try {
  for (let r = -1; r < ROUNDS; r++) {
    const a = corpus(REQUESTS);
    const b = corpus(REQUESTS);
    bytesPerSpan = a.bytes / a.spans;
    const p = passThrough(mkdtempSync(join(root, 'p-')), a.bodies, a.spans);
    const t = tailSampling(mkdtempSync(join(root, 't-')), b.bodies, b.spans);
    if (r < 0) continue; // warm-up
    rates.passThrough.push(p);
    rates.tail.push(t.rate);
    keptShare = t.kept / b.spans;
  }

  // Memory per buffered trace: 10,000 traces of 10 spans, left undecided (the clock does not move).
  const TRACES = 10_000;
  const dir = mkdtempSync(join(root, 'm-'));
  const { queue, sampler } = setup(dir);
  const bodies = corpus(Math.ceil((TRACES * SPANS_PER_TRACE) / SPANS_PER_REQUEST) + 1).bodies;
  const outputs = bodies.map((body) => {
    const r = tailed.process({ signal: 'traces', format: 'protobuf', body, tenant: 'anonymous' });
    if (!r.ok) throw new Error('refused');
    return r.outputs as TailOutput[];
  });
  // The first request opens the SQLite pages and statements: the baseline is taken after it.
  sampler.commit('anonymous', outputs[0]!, []);
  const baseTraces = sampler.buffered()[0]!.traces;
  gc(); gc();
  const before = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
  for (const o of outputs.slice(1)) sampler.commit('anonymous', o, []);
  gc(); gc();
  const after = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
  const buffered = sampler.buffered()[0]!;
  const measured = buffered.traces - baseTraces;
  const perTrace = { rssBytes: Math.round((after.rss - before.rss) / measured), heapBytes: Math.round((after.heap - before.heap) / measured) };
  const disk = statSync(join(dir, 'queue.db')).size + (statSync(join(dir, 'queue.db-wal'), { throwIfNoEntry: false })?.size ?? 0);
  queue.close();

  const passRate = median(rates.passThrough);
  const tailRate = median(rates.tail);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAtStart, loadAtEnd: loadavg()[0] },
    corpus: { requests: REQUESTS, spansPerRequest: SPANS_PER_REQUEST, spansPerTrace: SPANS_PER_TRACE, bytesPerSpan: Math.round(bytesPerSpan), tracesSplitOverTwoRequests: true },
    rules: tail.rules.map((r) => r.name),
    perCoreSpansPerSecond: { passThrough: Math.round(passRate), tailSampling: Math.round(tailRate) },
    ratio: Number((tailRate / passRate).toFixed(2)),
    tailCostNsPerSpan: Math.round(1e9 / tailRate - 1e9 / passRate),
    keptShare: Number(keptShare.toFixed(3)),
    memoryPerBufferedTrace: { traces: buffered.traces, spansPerTrace: SPANS_PER_TRACE, ...perTrace, goalBytes: 6 * 1024, diskBytesPerTrace: Math.round(disk / buffered.traces) },
    rounds: { passThrough: rates.passThrough.map(Math.round), tailSampling: rates.tail.map(Math.round) },
  };
  console.log(JSON.stringify(result, null, 2));
  const out = fileURLToPath(new URL('../../results/tail.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('../../results/', import.meta.url)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
