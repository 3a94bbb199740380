// The config Cairn's gateway runs under in the benchmark, and the reference's settings derived
// from the same parsed config, so both gateways have the same limits and delivery posture.
import { parseConfig, type GatewayConfig } from '@cairn/gateway';
import type { ReferenceSettings } from './reference/gateway.js';

/**
 * The default data strategy as the content benchmarks run it: the example registry, `unknown: scan`,
 * `pii: hash` (HMAC key from CAIRN_BENCH_HMAC_KEY, set by the caller), `secret: drop`.
 */
export function defaultStrategyYaml(conventions: string): string {
  return `
conventions: ${JSON.stringify(conventions)}
strategy:
  destinations:
    backend:
      sensitivity: { public: allow, internal: allow, pii: hash, secret: drop }
      unknown: scan
      keys: { default: { env: CAIRN_BENCH_HMAC_KEY, id: bench } }
`;
}

export function cairnConfig(backend: string, storage: string, extra = ''): GatewayConfig {
  return parseConfig(`${extra}
receivers:
  otlp:
    http: { endpoint: 127.0.0.1:0 }
auth: { anonymous: true }
admin: null
storage: { directory: ${JSON.stringify(storage)} }
limits: { max_in_flight_size: 64MiB }
destinations:
  backend:
    exporter:
      otlphttp: { endpoint: ${JSON.stringify(backend)}, compression: none, max_connections: 8 }
    queue: { max_size: 512MiB }
    concurrency: 8
`, 'bench.yaml');
}

/** The reference's settings, read from Cairn's parsed config. */
export function referenceSettings(config: GatewayConfig, backend: string, storage: string, workers: number): ReferenceSettings {
  const destination = config.destinations[0]!;
  const exporter = (destination.exporter as { otlphttp: { max_connections: number } }).otlphttp;
  return {
    backend,
    storage,
    workers,
    services: config.auth.anonymous!.services,
    maxInFlightBytes: config.limits.maxInFlightBytes,
    maxRequestBytes: config.limits.maxRequestBytes,
    maxQueueBytes: destination.queue.maxBytes,
    concurrency: destination.concurrency,
    maxItems: destination.batch.maxItems,
    maxBytes: destination.batch.maxBytes,
    connections: exporter.max_connections,
  };
}
