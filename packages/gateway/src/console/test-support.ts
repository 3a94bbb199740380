// Test support for the console: a real gateway (the example registry and data strategy with its
// sampling, the inventory on every batch, two SLOs of which one is broken, two real OTLP/HTTP
// sinks named as the strategy's destinations, an admin listener with an admin token and two
// team tokens), so every page reads the real admin API. Contract-shaped routes (contracts §3)
// remain for gateways without those features, and for the 200 × 100 page-load measurement.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { tokenDigest } from '../auth/tokens.js';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway.js';
import type { AdminAccess, AdminRoutes } from '../telemetry/admin.js';
import { OtlpHttpSink } from '../testing/sink.js';
import type { ConsoleOptions } from './index.js';

export const ADMIN_TOKEN = 'admin-token-for-console-tests-0123456789';
export const CHECKOUT_TOKEN = 'team-checkout-token-0123456789';
export const PAYMENT_TOKEN = 'team-payment-token-0123456789';
const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

const SLO_DOC = (name: string, service: string, good: string) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: ${service}
  indicator:
    metadata: { name: ${name}-sli }
    spec:
      spans:
        where: 'resource["service.name"] == "${service}"'
        good: '${good}'
  timeWindow: [{ duration: 7d, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.99 }]
`;

export interface ConsoleHarness {
  gateway: Gateway;
  consoleSink: OtlpHttpSink;
  archiveSink: OtlpHttpSink;
  admin: string;
  http: string;
  close(): Promise<void>;
}

export async function startConsoleHarness(options: ConsoleOptions = {}): Promise<ConsoleHarness> {
  const consoleSink = await OtlpHttpSink.start();
  const archiveSink = await OtlpHttpSink.start();
  const storage = mkdtempSync(join(tmpdir(), 'cairn-console-'));
  // A working SLO over the checkout service's spans, and one whose `good` does not parse:
  // the SLO page shows the first's card and the second's error on its own card.
  const slos = join(storage, 'slos.yaml');
  writeFileSync(slos, [SLO_DOC('checkout-availability', 'checkout', 'span.status.code != 2'), SLO_DOC('payment-latency', 'payment', 'span.duration_ms <')].join('---\n'));
  const destination = (sink: OtlpHttpSink) => `
    exporter: { otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none, timeout: 2s } }
    retry: { initial_interval: 20ms, max_interval: 200ms }
    batch: { enabled: false }
    concurrency: 1`;
  const config = parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
auth:
  anonymous: true
  tenants:
    team-checkout: { token_sha256: [${tokenDigest(CHECKOUT_TOKEN)}], services: [checkout, cart-*] }
    team-payment: { token_sha256: [${tokenDigest(PAYMENT_TOKEN)}], services: [payment] }
admin: { endpoint: 127.0.0.1:0, token_sha256: [${tokenDigest(ADMIN_TOKEN)}] }
storage: { directory: ${JSON.stringify(storage)} }
destinations:
  console:${destination(consoleSink)}
  archive:${destination(archiveSink)}
conventions: ${JSON.stringify(join(EXAMPLES, 'conventions'))}
strategy: ${JSON.stringify(join(EXAMPLES, 'strategy.yaml'))}
inventory: { enabled: true, max_share: 1 }
slos: ${JSON.stringify(slos)}
`, join(storage, 'cairn.yaml'));
  let gateway: Gateway | undefined;
  try {
    gateway = await Gateway.start(config, { workers: 0, logger: pino({ level: 'silent' }), shutdownGraceMs: 1000, console: options });
  } catch (error) {
    await consoleSink.close();
    await archiveSink.close();
    throw error;
  }
  const started = gateway;
  return {
    gateway: started,
    consoleSink,
    archiveSink,
    admin: `http://127.0.0.1:${started.ports.admin}`,
    http: `http://127.0.0.1:${started.ports.http}`,
    async close() {
      await started.stop();
      await consoleSink.close();
      await archiveSink.close();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
}

/**
 * One HTTP request from a chosen local address: 127.0.0.2 is this machine but not 127.0.0.1, so
 * a console that counts only 127.0.0.1 as local sees it as a remote peer, over a real socket.
 */
export function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, localAddress: init.from ?? '127.0.0.1' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Only 127.0.0.1 is local: requests from 127.0.0.2 are treated as coming from elsewhere. */
export const ONLY_127_0_0_1 = (address: string | undefined) => address === '127.0.0.1' || address === '::ffff:127.0.0.1';

function visible(access: AdminAccess, service: string): boolean {
  return access.services === 'all' || access.services.has(service);
}

// --- contract-shaped fixtures (contracts §3) ---

export interface InventoryFixture {
  from: string;
  to: string;
  services: {
    service: string; events: number; narrow_spans: number;
    routes: { route: string; spans: number; narrow: number }[];
    attributes: { key: string; signal: 'traces' | 'metrics' | 'logs'; types: string[]; count: number; distinct: number; bytes: number; share: number; conformance: string; canonical: string | null; owner: string | null; sensitivity: string | null }[];
    findings: { key: string; detector: string; count: number }[];
  }[];
}

/** `services` services × `attributes` attributes, deterministic. */
export function inventoryFixture(services: string[], attributes: number): InventoryFixture {
  return {
    from: '2026-12-01T00:00:00.000Z',
    to: '2026-12-02T00:00:00.000Z',
    services: services.map((service, s) => ({
      service,
      events: 1000 * (s + 1),
      narrow_spans: 10 * (s + 1),
      routes: [{ route: 'GET /cart', spans: 400, narrow: 300 }, { route: 'POST /checkout', spans: 100, narrow: 25 }],
      attributes: Array.from({ length: attributes }, (_, a) => ({
        key: a === 0 ? 'user.email' : `app.${service}.attr_${String(a).padStart(3, '0')}`,
        signal: 'traces' as const,
        types: ['string'],
        count: 500 - a,
        distinct: 3 + a,
        bytes: 20 * (500 - a),
        share: (500 - a) / 50_000,
        conformance: a % 3 === 0 ? 'registered' : a % 3 === 1 ? 'unknown' : 'deprecated',
        canonical: null,
        owner: a % 2 ? 'team-checkout' : null,
        sensitivity: a === 0 ? 'pii' : null,
      })),
      findings: [{ key: 'note', detector: 'email', count: 3 + s }],
    })),
  };
}

export const SAMPLING_FIXTURE = {
  destinations: [
    { destination: 'archive', dry_run: false, seen: 1000, kept: 250, dropped: 750, effective_sample_rate: 4, decisions: [
      { sampler: 'dynamic', rule: 'by-route', key: 'GET /cart', kept: 200, dropped: 700, sample_rate: 4.5 },
      { sampler: 'keep', rule: 'errors', key: null, kept: 50, dropped: 0, sample_rate: 1 },
    ] },
    { destination: 'console', dry_run: true, seen: 1000, kept: 1000, dropped: 0, effective_sample_rate: 1, decisions: [
      { sampler: 'head', rule: 'ten-percent', key: null, kept: 1000, dropped: 0, sample_rate: 10 },
    ] },
  ],
};

export function slosFixture(now: number) {
  const series = Array.from({ length: 12 }, (_, i) => ({ at: new Date(now - (11 - i) * 300_000).toISOString(), burn_rates: { '1h': 2 + i * 1.5, '5m': 1 + i * 2 } }));
  return {
    slos: [
      {
        name: 'checkout-availability', service: 'checkout', objective: 0.999, window: '30d', sli: 0.9975, budget_remaining: 0.42,
        good: 99750, bad: 250, unjudgeable: 500, unjudgeable_share: 0.005, insufficient: false,
        burn_rates: { '1h': 18.5, '5m': 23 },
        alerts: [
          { name: 'page', severity: 'critical', state: 'firing', since: new Date(now - 600_000).toISOString(), threshold: 14.4, long: '1h', short: '5m' },
          { name: 'ticket', severity: 'warning', state: 'ok', since: null, threshold: 6, long: '6h', short: '30m' },
        ],
        history: [{ alert: 'page', state: 'firing', at: new Date(now - 600_000).toISOString() }],
        series,
        error: null,
      },
      {
        name: 'payment-latency', service: 'payment', objective: 0.99, window: '7d', sli: null, budget_remaining: null,
        good: 0, bad: 0, unjudgeable: 0, unjudgeable_share: 0, insufficient: false, burn_rates: {}, alerts: [], history: [], series: [],
        error: 'CAIRN_SLO_SLI: slos.payment-latency.good: span.attributes["http.status"] is not boolean',
      },
    ],
  };
}

export function gapsFixture(service: string, from: string, to: string) {
  return { service, from, to, markdown: `# Gaps of ${service}\n\n| key | gap |\n| --- | --- |\n| \`http.route\` | missing on 25 % of server spans |\n| \`user.email\` | PII sent in clear |\n`, gaps: [{ key: 'http.route', kind: 'missing' }, { key: 'user.email', kind: 'pii' }] };
}

/**
 * Registers contract-shaped `/api/inventory`, `/api/gaps`, `/api/sampling`, `/api/slos` where the
 * gateway has none (once the features are merged the real ones win), filtered by the caller's access
 * as the contract requires. Returns which paths are fixtures.
 */
export function registerFixtures(routes: AdminRoutes, inventory: InventoryFixture, options: { now?: number; force?: boolean } = {}): Set<string> {
  const now = options.now ?? Date.now();
  const added = new Set<string>();
  const add = (path: string, handler: Parameters<AdminRoutes['add']>[2]) => {
    // `force`: in place of a real route too (the page-load measurement needs its large inventory).
    if (routes.hasPath(path) && !options.force) return;
    routes.add('GET', path, handler);
    added.add(path);
  };
  add('/api/inventory', ({ access, url }) => {
    const only = url.searchParams.get('service');
    return { status: 200, body: { ...inventory, services: inventory.services.filter((s) => visible(access, s.service) && (!only || s.service === only)) } };
  });
  add('/api/gaps', ({ access, url }) => {
    const service = url.searchParams.get('service') ?? '';
    if (!visible(access, service)) return { status: 403, body: { error: `not your service: ${service}` } };
    return { status: 200, body: gapsFixture(service, url.searchParams.get('from') ?? inventory.from, url.searchParams.get('to') ?? inventory.to) };
  });
  add('/api/sampling', () => ({ status: 200, body: SAMPLING_FIXTURE }));
  add('/api/slos', ({ access }) => {
    const all = slosFixture(now);
    return { status: 200, body: { slos: all.slos.filter((s) => s.service === null || visible(access, s.service)) } };
  });
  return added;
}
