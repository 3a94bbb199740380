import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { OtlpHttpSink } from '../testing/sink.js';
import { kill9, spawnGateway } from './child.js';
import { grpcExport, post, span, traces } from './client.js';
import { eventually, harnessYaml, startHarness } from './harness.js';

describe('availability: a backend outage fills the queue to its limit, then backpressure', () => {
  it('answers 503 with Retry-After (and gRPC UNAVAILABLE) once full, and delivers everything accepted after recovery', async () => {
    const h = await startHarness({ destinationExtra: '    queue: { max_size: 64KiB }' });
    try {
      await h.sink.down();
      const acknowledged: string[] = [];
      let backpressure: Response | undefined;
      for (let i = 0; i < 200 && !backpressure; i++) {
        const spans = Array.from({ length: 20 }, () => span('outage', { 'acme.cart.id': `c-${i}` }));
        const res = await fetch(`${h.http}/v1/traces`, { method: 'POST', body: traces('checkout', spans), headers: { 'content-type': 'application/x-protobuf' } });
        if (res.status === 200) acknowledged.push(...spans.map((s) => s.spanIdHex));
        else backpressure = res;
        await res.arrayBuffer();
      }
      assert.ok(backpressure, 'the queue never filled');
      assert.equal(backpressure.status, 503);
      assert.equal(backpressure.headers.get('retry-after'), '5');
      const depth = h.gateway.queue.depth('backend');
      assert.ok(depth.bytes <= 64 * 1024, `queue holds ${depth.bytes} bytes, over its 64 KiB limit`);
      assert.ok(acknowledged.length > 0);
      assert.equal((await grpcExport(h.grpc, traces('checkout', [span()]))).code, status.UNAVAILABLE);

      await h.sink.up();
      await h.sink.waitFor((s) => {
        const got = new Set(s.spanIds);
        return acknowledged.every((id) => got.has(id));
      }, 20_000);
      await eventually(() => h.gateway.queue.depth('backend').batches === 0, 5000, 'queue drained');
      // Once drained, the gateway takes data again.
      assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [span()]))).status, 200);
    } finally {
      await h.close();
    }
  });

  it('moves a batch the backend rejects (400) to the dead letters instead of retrying it forever', async () => {
    const h = await startHarness();
    try {
      h.sink.failNext(1, { status: 400, message: 'schema says no' });
      const bad = span('rejected');
      assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [bad]))).status, 200);
      await eventually(() => h.gateway.queue.deadLetters('backend').length === 1, 5000, 'dead letter');
      assert.match(h.gateway.queue.deadLetters('backend')[0]!.reason, /400/);
      const good = span('after');
      assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [good]))).status, 200);
      await h.sink.waitFor((s) => s.spanIds.includes(good.spanIdHex), 5000);
      assert.ok(!h.sink.spanIds.includes(bad.spanIdHex));
    } finally {
      await h.close();
    }
  });
});

describe('SIGTERM', () => {
  it('stops accepting, exits cleanly, and replays what was queued at the next start', async () => {
    const sink = await OtlpHttpSink.start();
    await sink.down();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-term-'));
    const configPath = join(dir, 'cairn.yaml');
    writeFileSync(configPath, harnessYaml(sink.url, join(dir, 'queue'), 'auth: { anonymous: true }'));
    const first = await spawnGateway(configPath);
    const queued = span('queued');
    assert.equal((await post(`http://127.0.0.1:${first.ports.http}/v1/traces`, traces('checkout', [queued]))).status, 200);
    const exited = once(first.process, 'exit');
    first.process.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, first.stderr());
    await sink.up();
    const second = await spawnGateway(configPath);
    try {
      await sink.waitFor((s) => s.spanIds.includes(queued.spanIdHex), 10_000);
    } finally {
      await kill9(second);
      await sink.close();
    }
  });
});
