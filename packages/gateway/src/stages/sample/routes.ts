// GET /api/sampling (contracts §3). Decisions keyed by a dynamic key can name any service's
// routes and values, so a caller scoped to some services sees the destination totals and the
// unkeyed decisions (rules, head, limits), and budget rows only for its own services.
import type { AdminAccess, AdminRoutes } from '../../telemetry/admin.js';
import type { SamplingJson, SamplingTotals } from './totals.js';

export function registerSamplingRoutes(routes: AdminRoutes, totals: SamplingTotals): void {
  routes.add('GET', '/api/sampling', ({ access }) => ({ status: 200, body: scoped(totals.toJSON(), access) }));
}

export function scoped(json: SamplingJson, access: AdminAccess): SamplingJson {
  const services = access.services;
  if (services === 'all') return json;
  return {
    destinations: json.destinations.map((d) => ({
      ...d,
      decisions: d.decisions.filter((c) => c.key === null || (c.sampler === 'budget' && services.has(c.key))),
    })),
  };
}
