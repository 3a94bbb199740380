// Team scope on /api/inventory and /api/gaps: a team's access (as the console's authorize gives it)
// sees its own services only, through the real admin listener; bad ranges are 400 with a code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTraces } from '@cairn/otlp';
import { exampleRegistry } from '../livecheck/test-support.js';
import { AdminRoutes, FULL_ACCESS, startAdminServer, type Authorize } from '../telemetry/admin.js';
import { GatewayMetrics } from '../telemetry/metrics.js';
import { Inventory } from './inventory.js';
import { Judge } from './query.js';
import { addInventoryRoutes } from './routes.js';
import { InventoryTap } from './tap.js';
import { span, traces } from './test-support.js';
import { DEFAULT_INVENTORY } from './types.js';

const NOW = Date.UTC(2026, 11, 2, 3, 30);

test('a team token reads its own services only; other teams\' are 403 or absent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-inventory-routes-'));
  const inventory = new Inventory({ ...DEFAULT_INVENTORY, enabled: true }, dir, { now: () => NOW });
  const tap = new InventoryTap(exampleRegistry());
  inventory.add(tap.record(decodeTraces(traces('checkout', [span('GET /cart', { 'http.route': '/cart' })]))));
  inventory.add(tap.record(decodeTraces(traces('payments', [span('POST /pay', { 'http.route': '/pay', 'acme.payment.method': 'card' })]))));
  const routes = addInventoryRoutes(new AdminRoutes(), inventory, () => new Judge(exampleRegistry()), () => NOW);
  // As the console's authorize does: a team token maps to the team's services.
  const authorize: Authorize = (req) => (req.headers.authorization === 'Bearer team-checkout' ? { admin: false, services: new Set(['checkout']) } : FULL_ACCESS);
  const metrics = new GatewayMetrics(() => undefined, [], () => 0);
  const admin = await startAdminServer('127.0.0.1', 0, metrics, { live: () => true, ready: () => ({ ready: true }) }, routes, authorize);
  const get = async (path: string, team = false): Promise<{ status: number; body: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`http://127.0.0.1:${admin.port}${path}`, { headers: team ? { authorization: 'Bearer team-checkout' } : {} });
    return { status: res.status, body: await res.json() };
  };
  try {
    const all = await get('/api/inventory');
    assert.deepEqual(all.body.services.map((s: { service: string }) => s.service), ['checkout', 'payments']);
    const mine = await get('/api/inventory', true);
    assert.deepEqual(mine.body.services.map((s: { service: string }) => s.service), ['checkout']);
    assert.ok(!JSON.stringify(mine.body).includes('payments') && !JSON.stringify(mine.body).includes('/pay'));
    const theirs = await get('/api/inventory?service=payments', true);
    assert.deepEqual([theirs.status, theirs.body.code], [403, 'CAIRN_ADMIN_SCOPE']);
    const gaps = await get('/api/gaps?service=payments', true);
    assert.deepEqual([gaps.status, gaps.body.code], [403, 'CAIRN_ADMIN_SCOPE']);
    const ownGaps = await get('/api/gaps?service=checkout&from=-1h', true);
    assert.equal(ownGaps.status, 200);
    assert.equal(ownGaps.body.service, 'checkout');
    assert.match(ownGaps.body.markdown, /## Instrumentation gaps: `checkout`/);
    const noService = await get('/api/gaps');
    assert.deepEqual([noService.status, noService.body.code], [400, 'CAIRN_GAPS_SERVICE']);
    const badRange = await get('/api/inventory?from=yesterday');
    assert.deepEqual([badRange.status, badRange.body.code], [400, 'CAIRN_TIME_RANGE']);
    assert.match(badRange.body.error, /^from: /);
    const json = (await get('/api/inventory?from=2026-12-02T03:00:00Z&to=2026-12-02T04:00:00Z')).body;
    assert.deepEqual([json.from, json.to], ['2026-12-02T03:00:00.000Z', '2026-12-02T04:00:00.000Z']);
    const empty = (await get('/api/inventory?from=2026-12-01T00:00:00Z&to=2026-12-01T01:00:00Z')).body;
    assert.deepEqual(empty.services, []);
  } finally {
    await new Promise<void>((resolve) => admin.server.close(() => resolve()));
    inventory.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
