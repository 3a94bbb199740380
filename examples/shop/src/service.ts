// One demo service per process: `node --import @cairn/sdk/register dist/service.js shop|payment`.
// Settings come from the environment (OTEL_*, CAIRN_*, PORT, PAYMENT_URL). Prints one JSON line
// `{"listening":PORT}` once it accepts connections.
import type { AddressInfo } from 'node:net';
import { createPayment } from './payment.js';
import { createShop } from './shop.js';

const role = process.argv[2];
const port = Number(process.env['PORT'] ?? 0);
const server = role === 'payment' ? createPayment() : role === 'shop' ? createShop(process.env['PAYMENT_URL'] ?? 'http://127.0.0.1:8081') : undefined;
if (server === undefined) {
  process.stderr.write('usage: service.js shop|payment\n');
  process.exit(2);
}
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: (server.address() as AddressInfo).port })}\n`);
});
process.once('SIGTERM', () => server.close());
