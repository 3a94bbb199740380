// A load generator for the shop: a few tenants and users filling carts and checking out.
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

const TENANTS = [
  { id: 't-0042', plan: 'pro' },
  { id: 't-0007', plan: 'enterprise' },
  { id: 't-0100', plan: 'free' },
];
const SKUS = ['sku-tea', 'sku-mug', 'sku-kettle'];

export interface Load {
  /** Requests answered so far. */
  readonly sent: () => number;
  stop(): void;
}

/** Sends one shopping session (two items, then checkout) every `intervalMs`. */
export function startLoad(shopUrl: string, intervalMs = 200): Load {
  let sent = 0;
  let n = 0;
  const timer = setInterval(() => {
    const tenant = TENANTS[n % TENANTS.length] ?? TENANTS[0]!;
    const headers = { 'x-tenant': tenant.id, 'x-plan': tenant.plan, 'x-user': `u-${n % 17}` };
    n++;
    void (async () => {
      await post(`${shopUrl}/cart/items`, headers, { sku: SKUS[n % SKUS.length], quantity: 1 + (n % 3) });
      await post(`${shopUrl}/cart/items`, headers, { sku: 'sku-tea', quantity: 1 });
      await post(`${shopUrl}/checkout`, headers, {});
      sent += 3;
    })().catch(() => {});
  }, intervalMs);
  return { sent: () => sent, stop: () => clearInterval(timer) };
}

export function post(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 5 s: ${url}`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.argv[2] ?? 'http://127.0.0.1:8080';
  const load = startLoad(url, Number(process.argv[3] ?? 200));
  process.once('SIGINT', () => load.stop());
  process.once('SIGTERM', () => load.stop());
}
