// The console (issue 14): its admin API routes, its page under /ui, and who may use them.
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/types.js';
import type { QueueStore } from '../queue/types.js';
import type { StrategyContent } from '../strategy/content.js';
import type { AdminRoutes, Authorize } from '../telemetry/admin.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { ConsoleAccess, type ConsoleAccessOptions } from './access.js';
import { receiversOf, destinationsOf, type ConsoleContext } from './api/context.js';
import { deadLetterRoutes } from './api/deadletters.js';
import { overviewRoutes } from './api/overview.js';
import { registryRoutes } from './api/registry.js';
import { sessionRoutes } from './api/session.js';
import { strategyRoutes } from './api/strategy.js';
import { OverviewHistory, snapshot } from './history.js';
import { staticRoutes } from './static.js';

export { ConsoleAccess, ServicePatterns, SESSION_COOKIE, CSRF_HEADER } from './access.js';
export { OverviewHistory } from './history.js';
export { attributeChanges } from './api/strategy.js';

export interface ConsoleGateway {
  config: GatewayConfig;
  metrics: GatewayMetrics;
  adminRoutes: AdminRoutes;
  conventions: Pick<StrategyContent, 'registry' | 'registryWarnings'>;
}

export interface ConsoleOptions {
  /** Injected by tests: which peers count as loopback. */
  isLocal?: ConsoleAccessOptions['isLocal'];
  intervalMs?: number;
}

export interface Console {
  authorize: Authorize;
  access: ConsoleAccess;
  history: OverviewHistory;
  /** Stops the Overview's sampling timer. */
  stop(): void;
}

/** Registers the console's routes on the gateway's admin routes and starts the Overview's sampling. */
export function startConsole(gateway: ConsoleGateway, store: () => QueueStore | undefined, logger: Logger, options: ConsoleOptions = {}): Console {
  const { config } = gateway;
  const access = new ConsoleAccess({ adminDigests: config.admin?.tokenDigests ?? [], tenants: config.auth.tenants, ...(options.isLocal ? { isLocal: options.isLocal } : {}) });
  const history = new OverviewHistory((at) => snapshot(gateway.metrics, store(), receiversOf(config), destinationsOf(config), at), options.intervalMs);
  const ctx: ConsoleContext = { config, metrics: gateway.metrics, store, conventions: () => gateway.conventions, logger, history, access, now: Date.now };
  const routes = gateway.adminRoutes;
  sessionRoutes(routes, ctx);
  overviewRoutes(routes, ctx);
  deadLetterRoutes(routes, ctx);
  strategyRoutes(routes, ctx);
  registryRoutes(routes, ctx);
  staticRoutes(routes);
  const stop = history.start((error) => logger.warn({ err: error }, 'console: overview sampling failed'));
  return { authorize: access.authorize, access, history, stop };
}
