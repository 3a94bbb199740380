import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { post, span, traces } from '../e2e/client.js';
import { WAIT_MS, eventually, metric, startHarness, type Harness } from '../e2e/harness.js';
import fc from 'fast-check';
import { decodeTraces, protobufToJson } from '@cairn/otlp';
import { logsBatch, metricsBatch, tracesBatch } from '../testing/fixtures.js';
import { countItems } from '../testing/recording.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExporter } from '../exporters/index.js';
import { SqliteQueueStore } from '../queue/sqlite.js';
import type { QueueStore } from '../queue/types.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { backoffMs, Dispatcher, mergeBodies, type DeliveryClock, type DeliveryEvents } from './dispatcher.js';

const NO_EVENTS: DeliveryEvents = { exported() {}, failed() {}, deadLettered() {} };

/** A dispatcher on a real SQLite queue (no body cache) delivering to a real sink. */
async function onDisk(sink: OtlpHttpSink, retry = { initialIntervalMs: 100, maxIntervalMs: 1000, multiplier: 2, maxElapsedMs: 0 }): Promise<{ store: SqliteQueueStore; exporter: ReturnType<typeof createExporter>; retry: typeof retry }> {
  const store = new SqliteQueueStore({ path: join(mkdtempSync(join(tmpdir(), 'cairn-dispatch-')), 'queue.db'), limits: new Map(), cacheBytes: 0 });
  const exporter = createExporter({ otlphttp: { endpoint: sink.url, compression: 'none', timeout: '2s' } }, 'destinations.backend.exporter');
  return { store, exporter, retry };
}

/** A virtual clock: sleeping moves it forward at once; `onSleep` sees every wait. */
function virtualClock(onSleep: (ms: number, now: number) => void): DeliveryClock & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    random: Math.random,
    sleep(ms) {
      now += ms;
      waits.push(ms);
      onSleep(ms, now);
      return Promise.resolve();
    },
  };
}

describe('retry timing', () => {
  const retry = { initialIntervalMs: 100, maxIntervalMs: 1000, multiplier: 2, maxElapsedMs: 0 };

  it('backs off exponentially with jitter, never past the maximum', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** attempt);
      assert.equal(backoffMs(retry, attempt, () => 0), Math.round(ceiling / 2));
      assert.equal(backoffMs(retry, attempt, () => 0.999999), Math.round(ceiling * 0.9999995));
    }
    const samples = new Set(Array.from({ length: 50 }, () => backoffMs(retry, 3)));
    assert.ok(samples.size > 10, 'jitter spreads retries apart');
  });

  it('waits as long as the backend\'s Retry-After says before trying again', async () => {
    const h = await startHarness();
    try {
      h.sink.failNext(1, { status: 503, retryAfter: 1 });
      const s = span('throttled');
      const sent = Date.now();
      assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [s]))).status, 200);
      await h.sink.waitFor((sink) => sink.spanIds.includes(s.spanIdHex), WAIT_MS);
      const waited = Date.now() - sent;
      // The harness's own backoff is 20-200 ms: only Retry-After explains a wait of a second.
      assert.ok(waited >= 950, `delivered after ${waited} ms`);
    } finally {
      await h.close();
    }
  });
});

describe('Retry-After', () => {
  const retry = { initialIntervalMs: 100, maxIntervalMs: 1000, multiplier: 2, maxElapsedMs: 0 };

  /** Runs a dispatcher against a sink that answers 503 with `retryAfter` until `virtualMs` pass. */
  async function throttled(retryAfter: number, virtualMs: number): Promise<number[]> {
    const sink = await OtlpHttpSink.start();
    const { store, exporter } = await onDisk(sink);
    let dispatcher: Dispatcher | undefined;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    // Bounded even if waits were zero: the test fails on the count instead of spinning.
    const clock = virtualClock((_ms, now) => {
      if (now >= virtualMs || clock.waits.length >= 500) {
        void dispatcher!.stop(0);
        done();
      }
    });
    try {
      sink.failNext(10_000, { status: 503, retryAfter });
      store.enqueue([{ destination: 'backend', tenant: 't', signal: 'traces', body: traces('checkout', [span()]), items: 1 }]);
      dispatcher = new Dispatcher('backend', store, exporter, retry, 1, NO_EVENTS, { maxItems: 100, maxBytes: 1 << 20 }, clock);
      dispatcher.start();
      await finished;
      return clock.waits;
    } finally {
      await dispatcher?.stop(2000);
      await exporter.shutdown();
      store.close();
      await sink.close();
    }
  }

  it('Retry-After: 0 still waits the backoff: a bounded number of attempts over 10 s of a test clock', async () => {
    const waits = await throttled(0, 10_000);
    // Backoff from 100 ms doubling to a 1 s ceiling, each wait at least half its ceiling: at most
    // 4 waits under 500 ms, then at least 500 ms each, so 10 s hold at most 4 + 19 attempts.
    assert.ok(waits.length <= 24, `${waits.length} attempts in 10 s`);
    assert.ok(waits.every((ms) => ms >= 50), `waits: ${waits.join(',')}`);
  });

  it('waits max(backoff, Retry-After): a 3 s Retry-After beats the sub-second backoff', async () => {
    const waits = await throttled(3, 15_000);
    assert.ok(waits.length >= 2);
    assert.ok(waits.every((ms) => ms === 3000), `waits: ${waits.join(',')}`);
  });
});

describe('reading the queue', () => {
  it('plans a request on metadata and reads only the bodies it sends', async () => {
    const sink = await OtlpHttpSink.start();
    const { store, exporter, retry: r } = await onDisk(sink);
    let bodies = 0;
    // Counts every body any store method hands out.
    const counted = new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (Array.isArray(result)) bodies += result.filter((x) => typeof x === 'object' && x !== null && 'body' in x).length;
          return result;
        };
      },
    }) as QueueStore;
    const dispatcher = new Dispatcher('backend', counted, exporter, r, 1, NO_EVENTS, { maxItems: 10, maxBytes: 1 << 20 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const spans = Array.from({ length: 10 }, () => span('paged'));
        ids.push(...spans.map((s) => s.spanIdHex));
        store.enqueue([{ destination: 'backend', tenant: 't', signal: 'traces', body: traces('checkout', spans), items: 10 }]);
      }
      dispatcher.start();
      await sink.waitFor((s) => s.hasAllSpans(ids), 10_000);
      await eventually(() => store.depth('backend').batches === 0);
      // Each request holds one batch of 10 spans (max_items 10): 20 requests, 20 bodies read.
      assert.equal(sink.requests.length, 20);
      assert.equal(bodies, 20, `${bodies} bodies read to send 20`);
    } finally {
      await dispatcher.stop(2000);
      await exporter.shutdown();
      store.close();
      await sink.close();
    }
  });
});

describe('merging a backlog into fewer export requests', () => {
  /** Queues `n` batches of `per` spans while the sink is down; returns their span ids, batch by batch. */
  async function backlog(h: Harness, n: number, per: number): Promise<string[][]> {
    await h.sink.down();
    const sent: string[][] = [];
    for (let i = 0; i < n; i++) {
      const spans = Array.from({ length: per }, () => span('backlog'));
      assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', spans))).status, 200);
      sent.push(spans.map((s) => s.spanIdHex));
    }
    return sent;
  }

  it('sends a backlog in merged requests of at most max_items, every span exactly once', async () => {
    const h = await startHarness({ destinationExtra: '    batch: { max_items: 100 }' });
    try {
      const sent = await backlog(h, 60, 20);
      await h.sink.up();
      await h.sink.waitFor((s) => s.hasAllSpans(sent.flat()), 10_000);
      await eventually(() => h.gateway.queue.depth('backend').batches === 0);
      const requests = h.sink.requests;
      assert.ok(requests.every((r) => r.items <= 100), `items per request: ${requests.map((r) => r.items).join(',')}`);
      // 1,200 spans in requests of at most 100: 12 when full, plus the retried first batch(es).
      assert.ok(requests.length < 20, `${requests.length} requests for 60 batches`);
      assert.equal(h.sink.spanIds.length, 60 * 20, 'no span sent twice');
      // Each merged body is one valid request: the sink decoded every span of it.
      assert.deepEqual([...h.sink.spanIds].sort(), sent.flat().sort());
      const text = await h.gateway.metrics.registry.metrics();
      assert.equal(metric(text, 'cairn_exporter_sent_batches_total', 'destination="backend"'), 60);
      assert.equal(metric(text, 'cairn_exporter_sent_requests_total', 'destination="backend"'), requests.length);
    } finally {
      await h.close();
    }
  });

  it('sends one request per batch when merging is off', async () => {
    const h = await startHarness({ destinationExtra: '    batch: { enabled: false }' });
    try {
      const sent = await backlog(h, 12, 5);
      await h.sink.up();
      await h.sink.waitFor((s) => s.hasAllSpans(sent.flat()), 10_000);
      assert.equal(h.sink.requests.length, 12);
    } finally {
      await h.close();
    }
  });

  it('splits a rejected merged request, so only the batch the backend refuses goes to the dead letters', async () => {
    const h = await startHarness({ destinationExtra: '    concurrency: 1' });
    try {
      const sent = await backlog(h, 10, 3);
      // The first request after recovery is the merged backlog: rejected, then split; the first
      // single batch is rejected too; the other nine go through alone.
      h.sink.failNext(2, { status: 400 });
      await h.sink.up();
      await eventually(() => h.gateway.queue.deadLetters('backend').length === 1 && h.gateway.queue.depth('backend').batches === 0, 10_000, 'one dead letter, queue empty');
      assert.equal(h.gateway.queue.deadLetters('backend')[0]!.items, 3);
      assert.ok(h.sink.hasAllSpans(sent.slice(1).flat()));
      assert.ok(!h.sink.hasAllSpans(sent[0]!));
      assert.equal(h.sink.spanIds.length, 27);
    } finally {
      await h.close();
    }
  });
});

describe('mergeBodies', () => {
  const RUNS = process.env.CI === 'true' ? 100 : 500;
  const makers = {
    traces: (n: number) => tracesBatch(Array.from({ length: 1 + (n % 3) }, (_, i) => `svc-${i}`), 1 + (n % 5)),
    logs: (n: number) => logsBatch(1 + (n % 6), `svc-${n % 4}`),
    metrics: (n: number) => metricsBatch(1 + (n % 7), `svc-${n % 4}`),
  };

  it('gives one request whose items and resources are those of its parts, in order, for every signal', () => {
    fc.assert(fc.property(fc.constantFrom('traces', 'logs', 'metrics' as const), fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 12 }), (signal, sizes) => {
      const parts = sizes.map((n) => makers[signal](n).body);
      const merged = mergeBodies(parts);
      assert.equal(countItems(signal, merged), parts.reduce((sum, p) => sum + countItems(signal, p), 0));
      // The same request a protobuf parser sees: the parts' resources, one list, in order.
      const key = { traces: 'resourceSpans', logs: 'resourceLogs', metrics: 'resourceMetrics' }[signal];
      const resources = (body: Uint8Array) => (JSON.parse(protobufToJson(signal, body)) as Record<string, unknown[]>)[key] ?? [];
      assert.deepEqual(resources(merged), parts.flatMap(resources));
    }), { numRuns: RUNS });
  });

  it('reads merged span requests through the validating decoder span by span', () => {
    const a = tracesBatch(['a'], 3).body;
    const b = tracesBatch(['b', 'c'], 2).body;
    const view = decodeTraces(mergeBodies([a, b]));
    assert.equal(view.resourceCount, 3);
    assert.equal(view.spanCount, 7);
  });
});
