// Wires the inventory into a running gateway: the main-thread aggregate and its file, the pool's
// per-batch deltas, and the admin routes. Called once from Gateway.boot.
import type { ResolvedRegistry } from '@cairn/conventions';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/types.js';
import type { AdminRoutes } from '../telemetry/admin.js';
import type { ProcessorPool } from '../workers/pool.js';
import { Inventory } from './inventory.js';
import { Judge } from './query.js';
import { addInventoryRoutes } from './routes.js';

const judges = new WeakMap<object, Judge>();
const NO_REGISTRY = {};

/** One Judge per registry object (the registry changes only on SIGHUP). */
export function judgeFor(registry: ResolvedRegistry | undefined): Judge {
  const id = registry ?? NO_REGISTRY;
  let judge = judges.get(id);
  if (!judge) {
    judge = new Judge(registry);
    judges.set(id, judge);
  }
  return judge;
}

/** Starts the inventory when `inventory.enabled`; returns it (its `close` flushes), or undefined. */
export function attachInventory(config: GatewayConfig, routes: AdminRoutes, pool: ProcessorPool, registry: () => ResolvedRegistry | undefined, logger: Logger): Inventory | undefined {
  if (!config.inventory?.enabled) return undefined;
  const inventory = new Inventory(config.inventory, config.storage.directory, { synchronous: config.storage.synchronous });
  inventory.onError = (error) => logger.warn({ code: 'CAIRN_INVENTORY_FLUSH', err: error }, 'inventory flush failed; these counts are lost, the telemetry is not');
  pool.onInventory = (delta) => inventory.add(delta);
  addInventoryRoutes(routes, inventory, () => judgeFor(registry()));
  inventory.start();
  return inventory;
}
