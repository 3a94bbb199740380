import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayMetrics } from './metrics.js';

export interface Health {
  /** The process is up. */
  live(): boolean;
  /** It accepts data: receivers listening, queue open, not stopping. */
  ready(): { ready: boolean; reason?: string };
}

/** `/metrics` (Prometheus text), `/healthz`, `/readyz` and `/api/strategy/ledger` (JSON) on the admin port. */
export async function startAdminServer(host: string, port: number, metrics: GatewayMetrics, health: Health): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
      return;
    }
    if (path === '/api/strategy/ledger') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metrics.ledger.toJSON()));
      return;
    }
    if (path === '/healthz') {
      const live = health.live();
      res.writeHead(live ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: live ? 'ok' : 'down' }));
      return;
    }
    if (path === '/readyz') {
      const { ready, reason } = health.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ready ? 'ready' : 'not ready', ...(reason ? { reason } : {}) }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz, /readyz or /api/strategy/ledger\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
