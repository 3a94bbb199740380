// GET /api/overview and GET /api/destinations.
import type { AdminRoutes } from '../../telemetry/admin.js';
import { snapshot, type Snapshot } from '../history.js';
import { destinationsOf, receiversOf, type ConsoleContext } from './context.js';

const DEAD_LETTERS_LISTED = 100;

export function current(ctx: ConsoleContext): Promise<Snapshot> {
  return snapshot(ctx.metrics, ctx.store(), receiversOf(ctx.config), destinationsOf(ctx.config), ctx.now());
}

export function overviewRoutes(routes: AdminRoutes, ctx: ConsoleContext): void {
  routes.add('GET', '/api/overview', async () => {
    const now = await current(ctx);
    const series = ctx.history.series(now);
    const last = series[series.length - 1];
    return {
      status: 200,
      body: {
        at: new Date(now.at).toISOString(),
        interval_seconds: ctx.history.intervalMs / 1000,
        receivers: Object.entries(now.receivers).map(([receiver, figures]) => ({ receiver, ...figures, ingest_rate: last?.receivers[receiver]?.ingest_rate ?? 0 })),
        destinations: Object.entries(now.destinations).map(([destination, figures]) => ({ destination, ...figures, export_rate: last?.destinations[destination]?.export_rate ?? 0 })),
        series,
      },
    };
  });

  routes.add('GET', '/api/destinations', async ({ access }) => {
    const now = await current(ctx);
    const store = ctx.store();
    const destinations = ctx.config.destinations.map((d) => {
      const figures = now.destinations[d.name]!;
      const oldest = store?.peek(d.name, 0, 1)[0];
      const letters = store?.deadLetters(d.name) ?? [];
      // Failing: the batch at the head has been tried and refused; backlog: waiting, not failing.
      const health = oldest && oldest.attempts > 0 ? 'failing' : figures.queue_batches > 0 ? 'backlog' : 'ok';
      return {
        destination: d.name,
        exporter: Object.keys(d.exporter)[0] ?? 'unknown',
        signals: d.signals,
        queue_mode: d.queue.mode,
        health,
        ...figures,
        queue_limit_bytes: d.queue.maxBytes,
        oldest_queued: oldest ? { id: oldest.id, enqueued_at: new Date(oldest.enqueuedAt).toISOString(), attempts: oldest.attempts, items: oldest.items, bytes: oldest.bytes } : null,
        // A dead letter names its tenant and the backend's error about its data: admins only.
        dead_letters: access.admin ? letters.slice(-DEAD_LETTERS_LISTED).reverse().map((l) => ({ id: l.id, tenant: l.tenant, signal: l.signal, items: l.items, bytes: l.bytes, reason: l.reason, failed_at: new Date(l.failedAt).toISOString() })) : [],
      };
    });
    return { status: 200, body: { destinations } };
  });
}
