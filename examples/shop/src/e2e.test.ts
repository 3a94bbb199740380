// End to end: the shop and the payment service as two real processes talking HTTP, each
// instrumented zero-code with @cairn/sdk, exporting to an OTLP receiver. A recording proxy sits
// between them so the test sees exactly which baggage crossed the wire.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startOtlpSink, type OtlpSink, type SinkSpan } from '@cairn/sdk/testing';
import { startDemo, startService, type Service } from './demo.js';
import { post } from './http-json.js';

const PII_OR_SECRET = ['user.id', 'user.email', 'client.address', 'acme.payment.card.last4', 'acme.payment.card.token', 'userId', 'user_id'];

describe('two demo services', () => {
  let sink: OtlpSink;
  let payment: Service;
  let shop: Service;
  let proxy: Server;
  const baggageSeen: string[] = [];
  let spans: SinkSpan[] = [];

  before(async () => {
    sink = await startOtlpSink();
    const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    payment = await startService('payment', { ...env, OTEL_SERVICE_NAME: 'payment', PORT: '0' });
    const target = new URL(payment.url);
    proxy = createServer((req, res) => {
      baggageSeen.push(String(req.headers['baggage'] ?? ''));
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    shop = await startService('shop', { ...env, OTEL_SERVICE_NAME: 'shop', PORT: '0', PAYMENT_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });

    const headers = { 'x-tenant': 't-0042', 'x-plan': 'enterprise', 'x-user': 'u-17' };
    assert.equal((await post(`${shop.url}/cart/items`, headers, { sku: 'sku-mug', quantity: 2 })).status, 200);
    const checkout = await post(`${shop.url}/checkout`, headers, {});
    assert.equal(checkout.status, 200, checkout.body);
    spans = await sink.waitFor((s) => s.some((x) => x.service === 'payment' && x.name === 'charge card') && s.some((x) => x.service === 'shop' && x.name === 'checkout'), 15_000);
  });

  after(async () => {
    await Promise.all([shop?.stop(), payment?.stop()]);
    proxy?.closeAllConnections();
    await new Promise((r) => proxy?.close(r));
    await sink?.close();
  });

  it('puts the trace fields on spans in both processes, in one trace', () => {
    const checkout = spans.find((s) => s.service === 'shop' && s.name === 'checkout')!;
    const charge = spans.find((s) => s.service === 'payment' && s.name === 'charge card')!;
    assert.equal(charge.traceId, checkout.traceId);
    const trace = spans.filter((s) => s.traceId === checkout.traceId);
    const services = new Set(trace.map((s) => s.service));
    assert.deepEqual([...services].sort(), ['payment', 'shop']);
    for (const span of trace) {
      assert.equal(span.attributes['acme.tenant.id'], 't-0042', `${span.service}/${span.name}`);
      assert.equal(span.attributes['acme.tenant.plan'], 'enterprise', `${span.service}/${span.name}`);
    }
    // Auto-instrumentation is on: both HTTP servers and the shop's HTTP client have spans.
    assert.ok(trace.filter((s) => s.attributes['http.request.method'] === 'POST').length >= 3);
  });

  it('carries only the allowlisted fields across: the shop-only fields stay in the shop', () => {
    const trace = spans.filter((s) => s.traceId === spans.find((x) => x.name === 'checkout')!.traceId);
    const shopSide = trace.filter((s) => s.service === 'shop');
    const paymentSide = trace.filter((s) => s.service === 'payment');
    assert.ok(shopSide.every((s) => s.attributes['acme.user.segment'] === 'returning' && s.attributes['user.id'] === 'u-17'));
    assert.ok(paymentSide.every((s) => !('acme.user.segment' in s.attributes) && !('user.id' in s.attributes)));
  });

  it('sends no pii or secret key in the baggage header', () => {
    assert.ok(baggageSeen.length >= 1);
    for (const header of baggageSeen) {
      const keys = header.split(',').map((kv) => decodeURIComponent(kv.split('=')[0]!.trim()));
      assert.deepEqual(keys.sort(), ['acme.tenant.id', 'acme.tenant.plan']);
      for (const key of PII_OR_SECRET) assert.equal(keys.includes(key), false, key);
    }
  });

  it('drops the card token at source: no exported span carries it', () => {
    assert.ok(spans.some((s) => s.attributes['acme.payment.card.last4'] === '4242'));
    assert.equal(spans.some((s) => 'acme.payment.card.token' in s.attributes), false);
  });
});

describe('startDemo', () => {
  it('shows telemetry from both services within seconds, with load running', async () => {
    const sink = await startOtlpSink();
    const demo = await startDemo({ endpoint: sink.endpoint, loadIntervalMs: 100 });
    try {
      await sink.waitFor((s) => s.some((x) => x.service === 'shop' && x.name === 'checkout') && s.some((x) => x.service === 'payment' && x.name === 'charge card'), 15_000);
    } finally {
      await demo.stop();
      await sink.close();
    }
    assert.deepEqual(sink.rejected, []);
  });
});
