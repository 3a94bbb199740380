// The inventory's admin routes: `GET /api/inventory` and `GET /api/gaps` (contracts §3). Every
// answer is filtered by the caller's `access.services`: a team never reads another's inventory.
import type { AdminAccess, AdminAnswer, AdminRoutes } from '../telemetry/admin.js';
import { gapsReport } from './gaps.js';
import type { Inventory } from './inventory.js';
import { inventoryJson, type Judge } from './query.js';
import { parseRange, TimeRangeError } from './timerange.js';

function allowed(access: AdminAccess, service: string): boolean {
  return access.services === 'all' || access.services.has(service);
}

function range(url: URL, now: number): { from: number; to: number } | AdminAnswer {
  try {
    return parseRange(url.searchParams.get('from') ?? undefined, url.searchParams.get('to') ?? undefined, now, { from: 'from', to: 'to' });
  } catch (error) {
    if (error instanceof TimeRangeError) return { status: 400, body: { error: error.message, code: error.code } };
    throw error;
  }
}

/** Registers the routes; `judge()` gives the registry in force (it changes on SIGHUP). */
export function addInventoryRoutes(routes: AdminRoutes, inventory: Inventory, judge: () => Judge, now: () => number = Date.now): AdminRoutes {
  return routes
    .add('GET', '/api/inventory', ({ url, access }) => {
      const r = range(url, now());
      if ('status' in r) return r;
      const service = url.searchParams.get('service');
      if (service !== null && !allowed(access, service)) return { status: 403, body: { error: `service ${JSON.stringify(service)} is not in your scope`, code: 'CAIRN_ADMIN_SCOPE' } };
      const services = service !== null ? new Set([service]) : access.services;
      return { status: 200, body: inventoryJson(inventory.query({ ...r, services }), judge(), r.from, r.to) };
    })
    .add('GET', '/api/gaps', ({ url, access }) => {
      const r = range(url, now());
      if ('status' in r) return r;
      const service = url.searchParams.get('service');
      if (!service) return { status: 400, body: { error: 'service: required (?service=NAME)', code: 'CAIRN_GAPS_SERVICE' } };
      if (!allowed(access, service)) return { status: 403, body: { error: `service ${JSON.stringify(service)} is not in your scope`, code: 'CAIRN_ADMIN_SCOPE' } };
      return { status: 200, body: gapsReport(inventory.query({ ...r, services: new Set([service]) }), judge(), service, r.from, r.to, inventory.sloReads()) };
    });
}
