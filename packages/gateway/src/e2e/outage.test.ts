import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { Gateway } from '../gateway.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { kill9, spawnGateway, type GatewayChild } from './child.js';
import { grpcExport, grpcTraceClient, post, span, sustainedLoad, traces, type SustainedLoad } from './client.js';
import { WAIT_MS, eventually, harnessYaml, startHarness } from './harness.js';

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
      await h.sink.waitFor((s) => s.hasAllSpans(acknowledged), 20_000);
      await eventually(() => h.gateway.queue.depth('backend').batches === 0, WAIT_MS, 'queue drained');
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
      await eventually(() => h.gateway.queue.deadLetters('backend').length === 1, WAIT_MS, 'dead letter');
      assert.match(h.gateway.queue.deadLetters('backend')[0]!.reason, /400/);
      const good = span('after');
      assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [good]))).status, 200);
      await h.sink.waitFor((s) => s.spanIds.includes(good.spanIdHex), WAIT_MS);
      assert.ok(!h.sink.spanIds.includes(bad.spanIdHex));
    } finally {
      await h.close();
    }
  });
});

describe('SIGTERM', () => {
  it('stops accepting, exits cleanly, and replays what was queued at the next start', async () => {
    const sink = await OtlpHttpSink.start();
    const children: GatewayChild[] = [];
    try {
      await sink.down();
      const dir = mkdtempSync(join(tmpdir(), 'cairn-term-'));
      const configPath = join(dir, 'cairn.yaml');
      writeFileSync(configPath, harnessYaml(sink.url, join(dir, 'queue'), 'auth: { anonymous: true }'));
      const first = await spawnGateway(configPath);
      children.push(first);
      const queued = span('queued');
      assert.equal((await post(`http://127.0.0.1:${first.ports.http}/v1/traces`, traces('checkout', [queued]))).status, 200);
      const exited = once(first.process, 'exit');
      first.process.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, first.stderr());
      await sink.up();
      children.push(await spawnGateway(configPath));
      await sink.waitFor((s) => s.spanIds.includes(queued.spanIdHex), 10_000);
    } finally {
      for (const child of children) await kill9(child);
      await sink.close();
    }
  });
});

describe('SIGTERM under sustained keep-alive load', () => {
  it('answers the requests inside, exits 0 within the grace period, and loses nothing it acknowledged', async () => {
    const sink = await OtlpHttpSink.start();
    sink.stall(30);
    const children: GatewayChild[] = [];
    let load: SustainedLoad | undefined;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-term-load-'));
      const configPath = join(dir, 'cairn.yaml');
      writeFileSync(configPath, harnessYaml(sink.url, join(dir, 'queue'), 'auth: { anonymous: true }'));
      const gateway = await spawnGateway(configPath);
      children.push(gateway);
      let terminated = false;
      let acceptedAfterTerm = 0;
      load = sustainedLoad(() => `http://127.0.0.1:${gateway.ports.http}`, {
        clients: 3, spansPerRequest: 20, name: 'term', keepAliveMs: 60_000,
        // Refused connections once the listener is closed: the client retries elsewhere.
        errorPauseMs: 20,
        onAnswer: (code) => {
          if (code === 200 && terminated) acceptedAfterTerm++;
        },
      });
      const { acknowledged, answers } = load;
      // Load is flowing on every keep-alive connection: a count, not a time.
      await eventually(() => (answers.get(200) ?? 0) >= 6, 30_000, 'six requests answered 200');
      const started = Date.now();
      const exited = once(gateway.process, 'exit');
      gateway.process.kill('SIGTERM');
      terminated = true;
      const [code] = (await exited) as [number | null];
      const tookMs = Date.now() - started;
      await load.stop();
      load = undefined;
      assert.equal(code, 0, gateway.stderr());
      // The grace period is 3 s; this only says the drain ends on its own, not by a keep-alive timeout.
      assert.ok(tookMs < 8000, `shutdown took ${tookMs} ms`);
      // Keep-alive ends at SIGTERM: each busy connection closes after its answer, so the clients
      // stop sending here within a request or two each (they used to go on for the whole grace period).
      assert.ok(acceptedAfterTerm < 30, `${acceptedAfterTerm} requests accepted after SIGTERM`);
      sink.stall(0);
      children.push(await spawnGateway(configPath));
      await sink.waitFor((st) => st.hasAllSpans(acknowledged), 30_000);
    } finally {
      await load?.stop();
      for (const child of children) await kill9(child);
      await sink.close();
    }
  });
});

describe('draining ends keep-alive', () => {
  it('answers a request that was inside at stop, with connection: close, and stops well within the grace period', async () => {
    // A grace period (60 s) and a keep-alive timeout (30 s) far beyond the bound below: a drain
    // that waited for either fails it by tens of seconds, and a loaded machine passes it.
    const h = await startHarness({ gateway: { shutdownGraceMs: 60_000 } });
    const socket = connect(h.gateway.ports.http!, '127.0.0.1');
    try {
      const body = traces('checkout', [span('drain')]);
      await once(socket, 'connect');
      let reply = '';
      socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
      const ended = once(socket, 'end');
      // Headers and half the body: the request is inside, on a keep-alive connection.
      socket.write(`POST /v1/traces HTTP/1.1\r\nhost: x\r\nconnection: keep-alive\r\ncontent-type: application/x-protobuf\r\ncontent-length: ${body.byteLength}\r\n\r\n`);
      const half = Math.floor(body.byteLength / 2);
      socket.write(body.subarray(0, half));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      const stopped = h.gateway.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.write(body.subarray(half));
      await ended;
      await stopped;
      const tookMs = Date.now() - started;
      assert.match(reply, /^HTTP\/1\.1 200 /);
      assert.match(reply, /\r\nconnection: close\r\n/i);
      // The drain must not wait for a keep-alive timeout, nor be ended by the grace period.
      assert.ok(tookMs < 20_000, `stop took ${tookMs} ms`);
    } finally {
      socket.destroy();
      await h.close();
    }
  });
});

describe('gRPC drain', () => {
  it('answers the calls inside, refuses later ones instead of hanging, and replays what it acknowledged at the next start', async () => {
    // A grace period and call deadlines (60 s) far beyond the bound below: a drain that waited
    // for a hanging call or the grace period fails it by tens of seconds; a loaded machine passes.
    const h = await startHarness({ gateway: { shutdownGraceMs: 60_000 } });
    const client = grpcTraceClient(h.grpc);
    let again: Gateway | undefined;
    try {
      await h.sink.down();
      const acknowledged = new Set<string>();
      const codes = new Map<number, number>();
      let stopping = false;
      const loop = async (): Promise<void> => {
        // Bounded: each call has a deadline, and the loop ends at the first refusal after stop().
        for (let i = 0; i < 10_000; i++) {
          const spans = Array.from({ length: 10 }, () => span('grpc-drain'));
          const { code } = await client.export(traces('checkout', spans), 60_000);
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (code === status.OK) for (const s of spans) acknowledged.add(s.spanIdHex);
          else if (stopping) return;
        }
      };
      const loops = [loop(), loop(), loop()];
      // Calls are flowing: a count, not a time.
      await eventually(() => (codes.get(status.OK) ?? 0) >= 6, 30_000, 'six calls answered OK');
      const started = Date.now();
      stopping = true;
      await h.gateway.stop();
      const tookMs = Date.now() - started;
      await Promise.all(loops);
      assert.ok(tookMs < 20_000, `stop took ${tookMs} ms`);
      assert.ok([...codes.keys()].every((c) => c === status.OK || c === status.UNAVAILABLE), `codes: ${JSON.stringify([...codes])}`);
      await h.sink.up();
      again = await Gateway.start(h.config, { workers: 1, logger: pino({ level: 'silent' }) });
      await h.sink.waitFor((s) => s.hasAllSpans(acknowledged), 15_000);
    } finally {
      client.close();
      await again?.stop();
      await h.close();
    }
  });
});
