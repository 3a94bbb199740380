// SLOs end to end: a real OpenTelemetry SDK sends through a real gateway (worker thread, SQLite
// slo.db) and /api/slos, /metrics, the webhook and the OTLP destination show the outcome; a
// second gateway on the same storage directory carries the counts and alert states on.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decodeLogs } from '@cairn/otlp';
import { pino } from 'pino';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway.js';
import type { SloReport } from '../slo/engine.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { eventually } from './harness.js';

const SLOS = (hook: string) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-errors
  annotations:
    cairn/notify: oncall-slack, audit-log
spec:
  service: checkout
  indicator:
    metadata: { name: checkout-ok }
    spec:
      spans:
        where: 'resource["service.name"] == "checkout" && span.kind == 2'
        good: 'span.status.code != 2'
  timeWindow: [{ duration: 28d, isRolling: true }]
  objectives: [{ target: 0.999 }]
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: payments-routes }
spec:
  service: payments
  indicator:
    metadata: { name: payments-route-ok }
    spec:
      spans:
        where: 'resource["service.name"] == "payments"'
        good: 'span.attributes["http.route"] != "/slow"'
  timeWindow: [{ duration: 7d, isRolling: true }]
  objectives: [{ target: 0.99 }]
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: oncall-slack
  annotations: { cairn/url: "${hook}" }
spec: { target: slack }
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: audit-log
  annotations: { cairn/destination: backend }
spec: { target: otlp }
`;

/** Sends `n` server spans of `service` through a real SDK; `shape(i)` sets status and attributes. */
async function sdkSend(url: string, service: string, n: number, shape: (i: number) => { error?: boolean; attributes?: Record<string, string> }): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }), { maxExportBatchSize: 512, scheduledDelayMillis: 50 })],
  });
  const tracer = provider.getTracer('slo-e2e');
  for (let i = 0; i < n; i++) {
    const { error, attributes } = shape(i);
    const span = tracer.startSpan(`POST /${service}`, { kind: SpanKind.SERVER, ...(attributes ? { attributes } : {}) });
    if (error) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
}

/** A webhook that answers 503 to its first `failures` posts, then 200. */
async function webhook(failures: number): Promise<{ server: Server; url: string; bodies: unknown[]; attempts: () => number }> {
  const bodies: unknown[] = [];
  let attempts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      if (attempts <= failures) return res.writeHead(503).end();
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, attempts: () => attempts };
}

async function apiSlos(gateway: Gateway): Promise<SloReport[]> {
  const res = await fetch(`http://127.0.0.1:${gateway.ports.admin}/api/slos`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { slos: SloReport[] }).slos;
}

describe('SLOs in a running gateway (real OTel SDK, real gateway, SQLite slo.db)', () => {
  let sink: OtlpHttpSink;
  let hook: Awaited<ReturnType<typeof webhook>>;
  let dir: string;
  let config: ReturnType<typeof parseConfig>;
  const gateways: Gateway[] = [];

  before(async () => {
    sink = await OtlpHttpSink.start();
    hook = await webhook(2);
    dir = mkdtempSync(join(tmpdir(), 'cairn-slo-'));
    writeFileSync(join(dir, 'slos.yaml'), SLOS(hook.url));
    const yaml = `
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: { endpoint: 127.0.0.1:0 }
auth: { anonymous: true }
storage: { directory: ${JSON.stringify(join(dir, 'data'))} }
slos: [./slos.yaml]
destinations:
  backend:
    # Routes nothing of payments: the SLI is taken before routing, on everything accepted.
    when: 'resource["service.name"] != "payments"'
    exporter: { otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none, timeout: 2s } }
    retry: { initial_interval: 20ms, max_interval: 200ms }
`;
    writeFileSync(join(dir, 'cairn.yaml'), yaml);
    config = parseConfig(yaml, join(dir, 'cairn.yaml'));
  });
  after(async () => {
    for (const g of gateways) await g.stop();
    await sink.close();
    await new Promise((resolve) => hook.server.close(resolve));
  });

  async function start(): Promise<Gateway> {
    // The test evaluates alerts itself: the gateway's 10 s timer would otherwise take the
    // transitions first whenever a loaded machine runs 10 s from start to the test's evaluate().
    const gateway = await Gateway.start(config, { workers: 1, logger: pino({ level: 'silent' }), shutdownGraceMs: 2000, sloEvaluateEveryMs: 3_600_000 });
    gateways.push(gateway);
    return gateway;
  }

  it('counts what the SDK sent exactly, pages with a Slack webhook (retried past two 503s) and an OTLP log record, and a restarted gateway carries counts and alert states on', async () => {
    const first = await start();
    const http = `http://127.0.0.1:${first.ports.http}`;
    await sdkSend(http, 'checkout', 30, (i) => ({ error: i % 3 !== 0 })); // 10 good, 20 bad
    await sdkSend(http, 'payments', 40, (i) => (i < 4 ? {} : { attributes: { 'http.route': i < 10 ? '/slow' : '/pay' } })); // 4 unjudgeable, 6 bad, 30 good
    await eventually(async () => {
      const slos = await apiSlos(first);
      return slos[0]!.good + slos[0]!.bad === 30 && slos[1]!.good + slos[1]!.bad + slos[1]!.unjudgeable === 40;
    }, 10_000, 'counts in /api/slos');

    const transitions = first.slos!.evaluate();
    assert.deepEqual(transitions.filter((t) => t.slo === 'checkout-errors').map((t) => `${t.alert} ${t.state}`).sort(), ['page-fast firing', 'page-slow firing', 'ticket firing']);
    const [checkout, payments] = await apiSlos(first);
    assert.equal(checkout!.name, 'checkout-errors');
    assert.deepEqual([checkout!.good, checkout!.bad, checkout!.sli], [10, 20, 10 / 30]);
    assert.equal(checkout!.alerts.find((a) => a.name === 'page-fast')!.state, 'firing');
    assert.deepEqual([payments!.good, payments!.bad, payments!.unjudgeable, payments!.unjudgeable_share], [30, 6, 4, 0.1]);
    assert.equal(payments!.insufficient, true, '4 of 40 lack http.route: 10% > 5%');
    assert.equal(payments!.sli, 30 / 36);
    assert.deepEqual(first.slos!.instrumentationGaps('payments')[0]!.keys, [{ key: 'span.attributes["http.route"]', missing: 4, share: 0.1 }]);

    // Slack-compatible webhook: three firing alerts, each after two 503s for the first.
    await eventually(() => hook.bodies.length === 3, 20_000, 'three webhook posts');
    assert.ok(hook.attempts() >= 5);
    assert.ok((hook.bodies as { text: string }[]).every((b) => /SLO \*checkout-errors\* \(checkout\): \w+ alert \*[\w-]+\* firing at /.test(b.text)));
    // OTLP log records, queued durably to the backend destination.
    await eventually(() => sink.requests.some((r) => r.signal === 'logs'), 10_000, 'OTLP log records at the sink');
    const logs = sink.requests.filter((r) => r.signal === 'logs').map((r) => decodeLogs(r.body).logs());
    const names: string[] = [];
    for (const cursor of logs) while (cursor.next()) names.push(cursor.eventName);
    assert.deepEqual(names, ['cairn.slo.alert.firing', 'cairn.slo.alert.firing', 'cairn.slo.alert.firing']);

    const metricsText = await (await fetch(`http://127.0.0.1:${first.ports.admin}/metrics`)).text();
    assert.match(metricsText, /cairn_slo_events_total\{slo="checkout-errors",outcome="bad"\} 20/);
    assert.match(metricsText, /cairn_slo_alert_firing\{slo="checkout-errors",alert="page-fast",severity="page"\} 1/);
    assert.match(metricsText, /cairn_slo_burn_rate\{slo="checkout-errors",window="5m"\} /);

    // A team that owns only payments sees only payments.
    const handler = first.adminRoutes.get('GET', '/api/slos')!;
    const scoped = await handler({ req: undefined as never, url: new URL('http://x/api/slos'), access: { admin: false, services: new Set(['payments']) } }, undefined as never);
    assert.deepEqual((scoped!.body as { slos: SloReport[] }).slos.map((s) => s.name), ['payments-routes']);

    await first.stop();
    const second = await start();
    const [again, paymentsAgain] = await apiSlos(second);
    assert.deepEqual([again!.good, again!.bad, paymentsAgain!.unjudgeable], [10, 20, 4], 'counts survive the restart');
    const fast = again!.alerts.find((a) => a.name === 'page-fast')!;
    assert.equal(fast.state, 'firing');
    assert.equal(fast.since, checkout!.alerts.find((a) => a.name === 'page-fast')!.since);
    assert.deepEqual(again!.history.map((h) => `${h.alert} ${h.state}`).sort(), ['page-fast firing', 'page-slow firing', 'ticket firing']);
    assert.deepEqual(second.slos!.evaluate(), [], 'still firing: no second transition, no second notification');
    assert.equal(hook.bodies.length, 3);
  });
});

describe('SLO exactness under sampling', () => {
  it('a destination sampling 1 in 50: the backend gets a few spans, the SLI is the exact SLI of everything the SDK sent', async () => {
    const sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-slo-sampled-'));
    writeFileSync(join(dir, 'slos.yaml'), `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-errors
  annotations: { cairn/alerts: none }
spec:
  service: checkout
  indicator:
    metadata: { name: checkout-ok }
    spec:
      spans: { where: 'span.kind == 2', good: 'span.status.code != 2' }
  timeWindow: [{ duration: 28d, isRolling: true }]
  objectives: [{ target: 0.99 }]
`);
    const yaml = `
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: { endpoint: 127.0.0.1:0 }
auth: { anonymous: true }
storage: { directory: ${JSON.stringify(join(dir, 'data'))} }
slos: ./slos.yaml
destinations:
  backend:
    exporter: { otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none, timeout: 2s } }
    retry: { initial_interval: 20ms, max_interval: 200ms }
strategy:
  destinations:
    backend:
      sampling:
        head: { sample_rate: 50 }
`;
    const gateway = await Gateway.start(parseConfig(yaml, join(dir, 'cairn.yaml')), { workers: 1, logger: pino({ level: 'silent' }), shutdownGraceMs: 2000 });
    try {
      const SENT = 2000;
      const errors = (i: number) => i % 7 === 0; // 286 of 2000, each span its own trace
      await sdkSend(`http://127.0.0.1:${gateway.ports.http}`, 'checkout', SENT, (i) => ({ error: errors(i) }));
      const bad = Array.from({ length: SENT }, (_, i) => i).filter(errors).length;
      await eventually(async () => {
        const [s] = await apiSlos(gateway);
        return s!.good + s!.bad === SENT;
      }, 20_000, 'every span counted');
      const [slo] = await apiSlos(gateway);
      assert.deepEqual([slo!.good, slo!.bad], [SENT - bad, bad]);
      assert.equal(slo!.sli, (SENT - bad) / SENT, 'the exact SLI of the unsampled input');
      // What the backend received: about 1 in 50 of the traces, which could only estimate the SLI.
      await eventually(() => sink.totals.spans > 0 && gateway.queue.depth('backend').batches === 0, 10_000, 'the backend queue delivered');
      assert.ok(sink.totals.spans < SENT / 10, `the backend got ${sink.totals.spans} of ${SENT} spans`);
    } finally {
      await gateway.stop();
      await sink.close();
    }
  });
});
