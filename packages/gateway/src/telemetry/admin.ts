import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayMetrics } from './metrics.js';

export interface Health {
  /** The process is up. */
  live(): boolean;
  /** It accepts data: receivers listening, queue open, not stopping. */
  ready(): { ready: boolean; reason?: string };
}

/**
 * Who is asking. `services: 'all'` sees every service; a team sees only its own. Handlers that
 * return per-service data filter by it, so the admin API enforces the console's scope.
 */
export interface AdminAccess {
  admin: boolean;
  services: 'all' | ReadonlySet<string>;
}

/** Loopback callers (the only ones the admin listener serves unless the console's login is on). */
export const FULL_ACCESS: AdminAccess = { admin: true, services: 'all' };

export interface AdminRequest {
  req: IncomingMessage;
  url: URL;
  access: AdminAccess;
}

/** A JSON answer: the body is serialised with JSON.stringify. */
export interface AdminAnswer {
  status: number;
  body: unknown;
}

/** Serves one path of the admin API. It answers JSON, or writes `res` itself and returns undefined. */
export type AdminHandler = (request: AdminRequest, res: ServerResponse) => AdminAnswer | undefined | Promise<AdminAnswer | undefined>;

/**
 * The admin API's routes by exact path and method. Features register their own routes
 * (`/api/sampling`, `/api/inventory`, …) beside the built-in ones, in their own modules.
 */
export class AdminRoutes {
  private readonly routes = new Map<string, AdminHandler>();

  add(method: 'GET' | 'POST' | 'DELETE', path: string, handler: AdminHandler): this {
    this.routes.set(`${method} ${path}`, handler);
    return this;
  }

  get(method: string, path: string): AdminHandler | undefined {
    return this.routes.get(`${method} ${path}`);
  }

  hasPath(path: string): boolean {
    for (const key of this.routes.keys()) if (key.slice(key.indexOf(' ') + 1) === path) return true;
    return false;
  }

  paths(): string[] {
    return [...new Set([...this.routes.keys()].map((key) => key.slice(key.indexOf(' ') + 1)))].sort();
  }
}

/** The routes every gateway serves: `/metrics` (Prometheus text), `/healthz`, `/readyz`, `/api/strategy/ledger`. */
export function builtinRoutes(metrics: GatewayMetrics, health: Health, routes = new AdminRoutes()): AdminRoutes {
  return routes
    .add('GET', '/metrics', (_request, res) => {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
      return undefined;
    })
    .add('GET', '/api/strategy/ledger', () => ({ status: 200, body: metrics.ledger.toJSON() }))
    .add('GET', '/healthz', () => {
      const live = health.live();
      return { status: live ? 200 : 503, body: { status: live ? 'ok' : 'down' } };
    })
    .add('GET', '/readyz', () => {
      const { ready, reason } = health.ready();
      return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', ...(reason ? { reason } : {}) } };
    });
}

/** Decides who a request is; the default treats every caller as the loopback operator. */
export type Authorize = (req: IncomingMessage) => AdminAccess | { refused: number; message: string };

/**
 * The admin listener. `routes` defaults to the built-in ones; pass an AdminRoutes that features
 * have added to. A handler that throws answers 500 and never takes the listener down.
 */
export async function startAdminServer(
  host: string,
  port: number,
  metrics: GatewayMetrics,
  health: Health,
  routes: AdminRoutes = builtinRoutes(metrics, health),
  authorize: Authorize = () => FULL_ACCESS,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    void serve(routes, authorize, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function serve(routes: AdminRoutes, authorize: Authorize, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://admin.invalid');
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request target\n');
    return;
  }
  const handler = routes.get(req.method ?? 'GET', url.pathname);
  if (!handler) {
    if (routes.hasPath(url.pathname)) res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed\n');
    else res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try ${routes.paths().join(', ')}\n`);
    return;
  }
  const access = authorize(req);
  if ('refused' in access) {
    res.writeHead(access.refused, { 'content-type': 'application/json' }).end(JSON.stringify({ error: access.message }));
    return;
  }
  try {
    const answer = await handler({ req, url, access }, res);
    if (answer !== undefined && !res.headersSent) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
  }
}
