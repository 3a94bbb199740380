import type { InventoryConfig } from '../inventory/types.js';
import type { Signal } from '@cairn/otlp';
import type { StrategyDocument } from '../strategy/document.js';
import type { SloSet } from '../slo/definition.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}

export interface ListenerConfig {
  host: string;
  port: number;
  tls?: TlsFiles;
}

export interface TenantConfig {
  name: string;
  /** SHA-256 digests of the team's tokens, as bytes. */
  tokenDigests: Buffer[];
  /** `service.name` patterns the team owns. */
  services: string[];
}

export interface AuthConfig {
  /** Lower-case header name; `authorization` expects `Bearer <token>`. */
  header: string;
  /** Accept data without a token, attributed to this tenant and limited to these services. */
  anonymous?: { tenant: string; services: string[] };
  tenants: TenantConfig[];
}

export interface RetryConfig {
  initialIntervalMs: number;
  maxIntervalMs: number;
  multiplier: number;
  /** 0: retry forever. */
  maxElapsedMs: number;
}

export interface DestinationConfig {
  name: string;
  /** The raw `exporter:` mapping, validated by the exporter's own factory. */
  exporter: Record<string, unknown>;
  when?: string;
  signals: Signal[];
  queue: { mode: 'sqlite' | 'memory'; maxBytes: number };
  retry: RetryConfig;
  concurrency: number;
  /** Queued batches merged into one export request; `maxItems` 1 turns merging off. */
  batch: BatchConfig;
}

export interface BatchConfig {
  maxItems: number;
  maxBytes: number;
}

export interface LimitsConfig {
  maxRequestBytes: number;
  maxDecompressedBytes: number;
  maxGzipRatio: number;
  maxDepth: number;
  maxAttributes: number;
  maxInFlightBytes: number;
  /** Most resource groups, scope groups, records or data points (each level counted apart) in one request. */
  maxItemsPerRequest: number;
}

/** Bounds on the dead letters, queue-wide: the oldest go first. */
export interface DeadLetterConfig {
  maxBytes: number;
  /** 0: kept until evicted by size or purged. */
  maxAgeMs: number;
}

/** A problem or warning in a config: dotted path, message, and file:line:col where known. */
export interface ConfigProblem {
  path: string;
  message: string;
  location?: string;
}

export interface GatewayConfig {
  /** The file it came from, for messages. */
  source: string;
  receivers: { http?: ListenerConfig; grpc?: ListenerConfig };
  auth: AuthConfig;
  destinations: DestinationConfig[];
  storage: { directory: string; synchronous: 'normal' | 'full'; deadLetters: DeadLetterConfig };
  /** `tokenDigests`: SHA-256 of the admin tokens the console accepts off loopback (console/access.ts). */
  admin?: { host: string; port: number; tokenDigests: Buffer[] };
  limits: LimitsConfig;
  workers: number;
  logLevel: string;
  /** A registry directory, resolved at startup and on SIGHUP (strategy/content.ts). */
  conventions?: string;
  /** The data strategy, validated (`strategy:` as a path or inline); keys are loaded at startup. */
  strategy?: StrategyDocument;
  /** `slos:` loaded: the SLOs that run, broken ones and unsupported documents (slo/). */
  slos?: SloSet;
  /** The data inventory (inventory/): a tap on every batch, stored in time buckets. */
  inventory?: InventoryConfig;
  /** Settings that are valid but do not do what one may expect; shown by validate and up. */
  warnings?: ConfigProblem[];
}
