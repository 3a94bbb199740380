// The inventory end to end: a real OTel SDK with @opentelemetry/instrumentation-http records real
// HTTP traffic on 127.0.0.1 and exports it over OTLP/gRPC to a real gateway (inventory on, the
// example registry on the upstream model); /api/inventory shows the narrow spans per route and
// /api/gaps the report; the gateway restarts on the same directory and the inventory is still there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Http from 'node:http';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { pino } from 'pino';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway.js';
import { EXAMPLE_REGISTRY, SKIP_WITHOUT_MODEL, UPSTREAM_MODEL } from '../livecheck/test-support.js';
import type { GapsJson } from '../inventory/gaps.js';
import type { InventoryJson } from '../inventory/query.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { eventually } from './harness.js';

const CART = 4;
const HEALTH = 3;
const CHECKOUT = 2;

/** The example registry, resolved on the upstream model (which has the span groups). */
function registryOnModel(dir: string): string {
  const out = join(dir, 'conventions');
  cpSync(EXAMPLE_REGISTRY, out, { recursive: true });
  const manifest = join(out, 'registry_manifest.yaml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/upstream: builtin.*$/m, `upstream: { path: ${JSON.stringify(UPSTREAM_MODEL)} }`));
  return out;
}

async function get<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** Real traffic through instrumentation-http, exported to `grpcPort`. */
async function traffic(grpcPort: number): Promise<void> {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${grpcPort}` }))],
  });
  provider.register();
  const unregister = registerInstrumentations({ instrumentations: [new HttpInstrumentation()], tracerProvider: provider });
  const http = createRequire(import.meta.url)('node:http') as typeof Http;
  // What a framework does (express sets http.route), and what the service's own code adds.
  const server = http.createServer((req, res) => {
    const span = trace.getActiveSpan();
    if (req.url!.startsWith('/cart/')) {
      span?.setAttribute('http.route', '/cart/:id');
      span?.setAttribute('acme.cart.id', req.url!.slice(6));
      res.end('cart');
    } else if (req.url === '/health') {
      span?.setAttribute('http.route', '/health');
      res.end('ok');
    } else {
      span?.setAttribute('http.route', '/checkout');
      res.writeHead(500).end('boom');
    }
  });
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const call = (method: string, path: string) => new Promise<void>((resolve, reject) => {
      http.request(`http://127.0.0.1:${port}${path}`, { method }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
    });
    for (let i = 0; i < CART; i++) await call('GET', `/cart/c-${i}`);
    for (let i = 0; i < HEALTH; i++) await call('GET', '/health');
    for (let i = 0; i < CHECKOUT; i++) await call('POST', '/checkout');
    await provider.forceFlush();
  } finally {
    server.close();
    unregister();
    await provider.shutdown();
  }
}

test('real OTel SDK + instrumentation-http → gateway: narrow spans per route in /api/inventory and /api/gaps, kept across a restart', { skip: SKIP_WITHOUT_MODEL }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-inventory-e2e-'));
  const sink = await OtlpHttpSink.start();
  const yaml = `
receivers: { otlp: { grpc: { endpoint: 127.0.0.1:0 } } }
admin: { endpoint: 127.0.0.1:0 }
auth: { anonymous: true }
storage: { directory: ${JSON.stringify(join(dir, 'data'))} }
conventions: ${JSON.stringify(registryOnModel(dir))}
inventory: { enabled: true, max_share: 1 }   # every batch: exact counts to assert
destinations:
  backend:
    exporter: { otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none } }
`;
  const config = parseConfig(yaml, join(dir, 'cairn.yaml'));
  let gateway: Gateway | undefined;
  try {
    gateway = await Gateway.start(config, { workers: 1, logger: pino({ level: 'silent' }), shutdownGraceMs: 2000 });
    await traffic(gateway.ports.grpc!);
    const total = 2 * (CART + HEALTH + CHECKOUT);
    const admin = gateway.ports.admin!;
    let inv: InventoryJson | undefined;
    await eventually(async () => {
      inv = await get<InventoryJson>(admin, '/api/inventory?service=shop&from=-1h');
      return inv.services[0]?.events === total;
    }, 20_000, `${total} spans in /api/inventory`);
    const shop = inv!.services[0]!;
    assert.equal(shop.service, 'shop');
    assert.deepEqual(shop.routes, [
      { route: '/cart/:id', spans: CART, narrow: 0 },
      { route: '/health', spans: HEALTH, narrow: HEALTH },
      { route: '/checkout', spans: CHECKOUT, narrow: CHECKOUT },
    ]);
    // Every client span is narrow too (nothing of the org's on them); the cart server spans are not.
    assert.equal(shop.narrow_spans, total - CART);
    assert.ok(shop.error_spans >= CHECKOUT && shop.error_spans_narrow === shop.error_spans, JSON.stringify(shop));
    const cartId = shop.attributes.find((a) => a.key === 'acme.cart.id')!;
    assert.deepEqual([cartId.count, cartId.distinct, cartId.owner, cartId.sensitivity], [CART, CART, 'team-checkout', 'internal']);
    const server = shop.groups.filter((g) => g.kind === 'server');
    assert.ok(server.length > 0 && server.every((g) => g.matched_group === 'span.http.server'), JSON.stringify(server.map((g) => [g.name, g.matched_group])));

    const gaps = await get<GapsJson>(admin, '/api/gaps?service=shop&from=-1h');
    assert.deepEqual(gaps.narrow_routes.map((r) => [r.route, r.narrow, r.share]), [['/health', HEALTH, 1], ['/checkout', CHECKOUT, 1]]);
    assert.equal(gaps.error_narrow_share, 1);
    assert.ok(gaps.expected_missing.length > 0, 'instrumentation-http leaves some of span.http.server\'s fields out');
    assert.ok(gaps.expected_missing.every((e) => e.missing > 0 && e.spans.length > 0));
    assert.deepEqual(gaps.business_fields.map((b) => b.key), ['acme.cart.id']);
    for (const section of ['### What to add', '### Narrow routes', '| `/health` | 3 | 3 | 100% |', '### Expected registry fields that were absent', '### Error spans without business context', '### SLO fields missing']) {
      assert.ok(gaps.markdown.includes(section), `markdown lacks ${section}:\n${gaps.markdown}`);
    }
    console.log(gaps.markdown);

    // Restart on the same directory: the inventory is still there.
    await gateway.stop();
    gateway = await Gateway.start(config, { workers: 1, logger: pino({ level: 'silent' }), shutdownGraceMs: 2000 });
    const again = await get<InventoryJson>(gateway.ports.admin!, '/api/inventory?service=shop&from=-1h');
    assert.deepEqual(again.services[0]!.routes, shop.routes);
    assert.equal(again.services[0]!.events, total);
  } finally {
    await gateway?.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
