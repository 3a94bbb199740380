import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminRoutes, builtinRoutes, startAdminServer } from './admin.js';
import { GatewayMetrics } from './metrics.js';

describe('admin routes', () => {
  it('serves added routes as JSON, answers 405 for a known path with another method, 404 otherwise, and 500 when a handler throws', async () => {
    const metrics = new GatewayMetrics(() => undefined, ['d'], () => 0);
    const health = { live: () => true, ready: () => ({ ready: true }) };
    const routes = builtinRoutes(metrics, health, new AdminRoutes())
      .add('GET', '/api/echo', ({ url, access }) => ({ status: 200, body: { q: url.searchParams.get('q'), all: access.services === 'all' } }))
      .add('GET', '/api/broken', () => {
        throw new Error('boom');
      });
    const admin = await startAdminServer('127.0.0.1', 0, metrics, health, routes);
    try {
      const base = `http://127.0.0.1:${admin.port}`;
      const echo = await fetch(`${base}/api/echo?q=x`);
      assert.equal(echo.status, 200);
      assert.deepEqual(await echo.json(), { q: 'x', all: true });
      const post = await fetch(`${base}/api/echo`, { method: 'POST' });
      assert.equal(post.status, 405);
      await post.arrayBuffer();
      const missing = await fetch(`${base}/nope`);
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /\/api\/echo/);
      const broken = await fetch(`${base}/api/broken`);
      assert.equal(broken.status, 500);
      assert.deepEqual(await broken.json(), { error: 'boom' });
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    } finally {
      await new Promise<void>((resolve) => admin.server.close(() => resolve()));
    }
  });
});
