import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config/types.js';
import type { QueueStore } from '../../queue/types.js';
import type { StrategyContent } from '../../strategy/content.js';
import type { GatewayMetrics } from '../../telemetry/metrics.js';
import type { ConsoleAccess } from '../access.js';
import type { OverviewHistory } from '../history.js';

/** What the console's API reads from the running gateway. */
export interface ConsoleContext {
  config: GatewayConfig;
  metrics: GatewayMetrics;
  store(): QueueStore | undefined;
  /** The registry in force (`gateway.conventions`): a new object after each reload. */
  conventions(): Pick<StrategyContent, 'registry' | 'registryWarnings'>;
  logger: Logger;
  history: OverviewHistory;
  access: ConsoleAccess;
  now(): number;
}

export function receiversOf(config: GatewayConfig): string[] {
  return [...(config.receivers.http ? ['otlphttp'] : []), ...(config.receivers.grpc ? ['otlpgrpc'] : [])];
}

export function destinationsOf(config: GatewayConfig): string[] {
  return config.destinations.map((d) => d.name);
}
