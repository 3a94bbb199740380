// The payment service: charges a card. The card token is a secret field and never leaves the
// process (dropped at source); the last four digits are pii.
import { createServer, type Server } from 'node:http';
import { createFields } from '@cairn/sdk';
import type { Fields } from './fields.js';
import { readJson, sendJson } from './http-json.js';

const acme = createFields<Fields>();

export function createPayment(): Server {
  return createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/pay') return sendJson(res, 404, { error: 'try POST /pay' });
      const body = await readJson(req);
      const amount = Number(body['amount'] ?? 0);
      const outcome = await acme.unitOfWork('charge card', async () => {
        acme.addFields({ 'acme.payment.method': 'card', 'acme.payment.provider': 'demo-psp', 'acme.payment.card.last4': '4242', 'acme.payment.card.token': 'tok_demo_secret', 'acme.order.total': amount });
        await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
        const result = amount > 500 ? 'declined' : 'approved';
        acme.addFields({ 'acme.payment.outcome': result });
        return result;
      });
      return sendJson(res, 200, { outcome });
    })().catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
  });
}
