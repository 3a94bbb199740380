// A load generator for the shop: a few tenants and users filling carts and checking out.
import { fileURLToPath } from 'node:url';
import { post } from './http-json.js';

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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.argv[2] ?? 'http://127.0.0.1:8080';
  const load = startLoad(url, Number(process.argv[3] ?? 200));
  process.once('SIGINT', () => load.stop());
  process.once('SIGTERM', () => load.stop());
}
