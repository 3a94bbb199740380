// The shop: a cart per tenant and user, and a checkout that calls the payment service.
import { createServer, type Server } from 'node:http';
import { createFields } from '@cairn/sdk';
import type { Fields } from './fields.js';
import { post, readJson, sendJson } from './http-json.js';

const acme = createFields<Fields>();
const PRICES: Record<string, number> = { 'sku-tea': 4.5, 'sku-mug': 12, 'sku-kettle': 39.9 };

interface Cart { id: string; items: { sku: string; quantity: number }[] }

export function createShop(paymentUrl: string): Server {
  const carts = new Map<string, Cart>();
  let orders = 0;
  return createServer((req, res) => {
    void (async () => {
      const tenant = String(req.headers['x-tenant'] ?? 't-0001');
      const user = String(req.headers['x-user'] ?? 'u-anonymous');
      const plan = req.headers['x-plan'] === 'enterprise' ? 'enterprise' : req.headers['x-plan'] === 'free' ? 'free' : 'pro';
      // Every span of this request, here and downstream, should say which tenant it served.
      acme.addTraceFields({ 'acme.tenant.id': tenant, 'acme.tenant.plan': plan, 'user.id': user, 'acme.user.segment': 'returning' });
      const key = `${tenant}/${user}`;
      let cart = carts.get(key);
      if (cart === undefined) carts.set(key, (cart = { id: `c-${carts.size + 1}`, items: [] }));
      if (req.method === 'POST' && req.url === '/cart/items') {
        const body = await readJson(req);
        cart.items.push({ sku: String(body['sku'] ?? 'sku-tea'), quantity: Number(body['quantity'] ?? 1) });
        acme.addFields({ 'acme.cart.id': cart.id, 'acme.cart.item_count': count(cart) });
        return sendJson(res, 200, { cart: cart.id, items: count(cart) });
      }
      if (req.method === 'POST' && req.url === '/checkout') {
        const total = Math.round(cart.items.reduce((sum, i) => sum + (PRICES[i.sku] ?? 1) * i.quantity, 0) * 100) / 100;
        const orderId = `o-${++orders}`;
        const outcome = await acme.unitOfWork('checkout', async () => {
          acme.addFields({ 'acme.cart.id': cart.id, 'acme.cart.total': total, 'acme.order.id': orderId, 'acme.order.currency': 'EUR' });
          return postJson(`${paymentUrl}/pay`, { orderId, amount: total, currency: 'EUR' });
        });
        cart.items = [];
        return sendJson(res, 200, { order: orderId, total, payment: outcome });
      }
      return sendJson(res, 404, { error: 'try POST /cart/items or POST /checkout' });
    })().catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
  });
}

function count(cart: Cart): number {
  return cart.items.reduce((n, i) => n + i.quantity, 0);
}

async function postJson(url: string, body: unknown): Promise<unknown> {
  const answer = await post(url, {}, body, 'payment service did not answer');
  return JSON.parse(answer.body) as unknown;
}
