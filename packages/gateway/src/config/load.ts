import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { Signal } from '@cairn/otlp';
import { parseDuration, parseSize } from '../exporters/durations.js';
import { ExporterConfigError } from '../exporters/config-fields.js';
import { validateExporterConfig } from '../exporters/index.js';
import { compileCondition, RouteConditionError } from '../router/router.js';
import { isLoopback, relativeTo, requireFile } from './checks.js';
import { locator, toJsOrProblem, type Locate } from './locate.js';
import { strategyInConfig, unenteredWarning } from '../strategy/document.js';
import { slosOf } from '../slo/config.js';
import { toProblem, validateSchema } from './schema.js';
import { substituteEnv, type ConfigPath, type Problem } from './env.js';
import { DEFAULT_INVENTORY, type InventoryConfig } from '../inventory/types.js';
import { autoWorkers } from '../workers/cpu-capacity.js';
import type { ConfigProblem, DestinationConfig, GatewayConfig, ListenerConfig, TenantConfig } from './types.js';

/** One problem as a line: `file:line:col: path: message`. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.location ? `${p.location}: ` : ''}${p.path || '<root>'}: ${p.message}`;
}

/** A config that cannot be used. `problems` each name a path and, where known, file:line:col. */
export class ConfigError extends Error {
  readonly code = 'CAIRN_CONFIG';
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}


export const DEFAULTS = {
  http: '127.0.0.1:4318',
  grpc: '127.0.0.1:4317',
  admin: '127.0.0.1:8888',
  storageDirectory: './.cairn',
  queueMaxBytes: 256 * 1024 * 1024,
  retry: { initialIntervalMs: 1000, maxIntervalMs: 30_000, multiplier: 2, maxElapsedMs: 0 },
  concurrency: 4,
  batch: { maxItems: 8192, maxBytes: 2 * 1024 * 1024 },
  limits: {
    maxRequestBytes: 16 * 1024 * 1024,
    maxDecompressedBytes: 64 * 1024 * 1024,
    maxGzipRatio: 100,
    maxDepth: 16,
    maxAttributes: 1024,
    maxInFlightBytes: 128 * 1024 * 1024,
    maxItemsPerRequest: 100_000,
  },
  deadLetters: { maxBytes: 256 * 1024 * 1024, maxAgeMs: 7 * 24 * 3600_000 },
} as const;

/** Reads, substitutes, validates and normalizes a cairn.yaml. Throws ConfigError. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ path: '', message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, location: path }]);
  }
  return parseConfig(text, path, env);
}

export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locate = locator(doc, lines, source);
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { path: '', message: e.message.split('\n')[0]!, location: `${source}:${pos.line}:${pos.col}` };
    }));
  }
  if (!isMap(doc.contents)) throw new ConfigError([{ path: '', message: 'a config is a YAML mapping with at least `destinations:`', location: `${source}:1:1` }]);

  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const js = toJsOrProblem(doc, lines, source, text);
  if (!('value' in js)) throw new ConfigError([{ path: '', message: js.message, location: js.location }]);
  const raw = substituteEnv(js.value, env, problems);
  const schemaOk = validateSchema(raw);
  if (!schemaOk) problems.push(...(validateSchema.errors ?? []).map(toProblem));
  // The semantic checks run even when the schema refused something, so one run reports every
  // problem; a shape the schema refused may trip them, and is already reported.
  const located = (list: Problem[]): ConfigProblem[] => dedupe(list).map((p) => {
    const location = locate(p.path, p.atKey);
    return { path: dotted(p.path), message: p.message, ...(location ? { location } : {}) };
  });
  let config: GatewayConfig | undefined;
  const n = new Normalizer(source, problems, warnings, problems.length > 0, locate);
  try {
    config = normalize(n, raw as RawConfig);
  } catch (error) {
    if (problems.length === 0) throw error;
  }
  if (problems.length > 0 || n.located.length > 0 || !config) throw new ConfigError([...located(problems), ...n.located]);
  config.warnings = located(warnings);
  return config;
}

function dotted(path: ConfigPath): string {
  return path.map(String).join('.');
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${dotted(p.path)}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

class PathError extends Error {
  constructor(readonly path: ConfigPath, readonly problem: string) {
    super(`${path.join('.')}: ${problem}`);
  }
}

/** Adapts the shared duration/size parsers (which name a dotted path) to ConfigPath errors. */
function unit<T>(parse: (raw: unknown, path: string) => T, raw: unknown, path: ConfigPath): T {
  try {
    return parse(raw, dotted(path));
  } catch (error) {
    throw new PathError(path, (error as Error).message.replace(`${dotted(path)}: `, ''));
  }
}

/** Throws out of normalize() only when the schema passed; otherwise a shape it refused tripped it. */
class Normalizer {
  readonly base: string;
  /** Problems that carry their own file:line (a strategy file's). */
  readonly located: ConfigProblem[] = [];
  constructor(readonly source: string, readonly problems: Problem[], readonly warnings: Problem[], readonly tolerant: boolean, readonly locate: Locate) {
    this.base = dirname(resolve(source));
  }

  /** Runs one check; a PathError becomes a problem and the rest of the config is still checked. */
  guard<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof PathError) {
        this.problems.push({ path: error.path, message: error.problem });
        return fallback;
      }
      if (this.tolerant) return fallback;
      throw error;
    }
  }

  /** A problem is already reported at `path` or under it (by the schema): no second opinion. */
  reported(path: ConfigPath): boolean {
    const prefix = dotted(path);
    return this.problems.some((p) => {
      const at = dotted(p.path);
      return at === prefix || at.startsWith(`${prefix}.`);
    });
  }

  measure(parse: (raw: unknown, path: string) => number, value: unknown, path: ConfigPath, fallback: number): number {
    return value === undefined ? fallback : this.guard(() => unit(parse, value, path), fallback);
  }

  file(path: string): string {
    return relativeTo(this.base, path);
  }
}

/** `null` or `enabled: false` turns a listener off; a missing key keeps `whenAbsent`. */
function listenerOn(raw: RawListener | null | undefined, whenAbsent: boolean): boolean {
  if (raw === undefined) return whenAbsent;
  return raw !== null && raw.enabled !== false;
}

function listener(n: Normalizer, raw: RawListener | undefined, fallback: string, path: ConfigPath): ListenerConfig {
  const endpoint = raw?.endpoint ?? fallback;
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(endpoint.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) n.problems.push({ path: [...path, 'endpoint'], message: `port ${endpoint.slice(colon + 1)} is not between 0 and 65535` });
  const config: ListenerConfig = { host, port };
  if (raw?.tls) {
    const tlsPath = [...path, 'tls'];
    config.tls = { certFile: n.file(raw.tls.cert_file), keyFile: n.file(raw.tls.key_file) };
    requireFile(config.tls.certFile, [...tlsPath, 'cert_file'], n.problems);
    requireFile(config.tls.keyFile, [...tlsPath, 'key_file'], n.problems);
    if (raw.tls.client_ca_file) {
      config.tls.clientCaFile = n.file(raw.tls.client_ca_file);
      requireFile(config.tls.clientCaFile, [...tlsPath, 'client_ca_file'], n.problems);
    }
  }
  return config;
}

function receiversOf(n: Normalizer, raw: RawConfig): GatewayConfig['receivers'] {
  const otlp = raw.receivers?.otlp;
  // No `receivers.otlp` section: both OTLP receivers on their loopback defaults. With one, each
  // protocol listed is on unless it is `null` or has `enabled: false`.
  const whenAbsent = otlp === undefined;
  const receivers: GatewayConfig['receivers'] = {};
  if (listenerOn(otlp?.http, whenAbsent)) receivers.http = listener(n, otlp?.http ?? undefined, DEFAULTS.http, ['receivers', 'otlp', 'http']);
  if (listenerOn(otlp?.grpc, whenAbsent)) receivers.grpc = listener(n, otlp?.grpc ?? undefined, DEFAULTS.grpc, ['receivers', 'otlp', 'grpc']);
  if (!receivers.http && !receivers.grpc) n.problems.push({ path: ['receivers', 'otlp'], message: 'turns off both receivers (http and grpc): the gateway would accept nothing' });
  return receivers;
}

function authOf(n: Normalizer, raw: RawConfig, receivers: GatewayConfig['receivers']): GatewayConfig['auth'] {
  const anonymous = raw.auth?.anonymous;
  const tenants: TenantConfig[] = Object.entries(raw.auth?.tenants ?? {}).map(([name, t]) => ({
    name,
    tokenDigests: t.token_sha256.map((hex) => Buffer.from(hex.toLowerCase(), 'hex')),
    services: t.services,
  }));
  const auth: GatewayConfig['auth'] = { header: (raw.auth?.header ?? 'authorization').toLowerCase(), tenants };
  if (anonymous === true) auth.anonymous = { tenant: 'anonymous', services: ['*'] };
  else if (anonymous && typeof anonymous === 'object') auth.anonymous = { tenant: anonymous.tenant ?? 'anonymous', services: anonymous.services ?? ['*'] };
  if (auth.anonymous) {
    for (const [protocol, l] of Object.entries(receivers)) {
      if (l && !isLoopback(l.host)) {
        n.problems.push({ path: ['auth', 'anonymous'], message: `accepts data without a token, but receivers.otlp.${protocol} listens on ${l.host}, which other machines can reach; anonymous ingest is for 127.0.0.1 only: give teams tokens under auth.tenants, or listen on 127.0.0.1` });
      }
    }
  }
  return auth;
}

/** Copies an exporter mapping with its file paths resolved against the config's folder. */
function exporterWithPaths(n: Normalizer, exporter: Record<string, unknown>, path: ConfigPath): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [kind, settings] of Object.entries(exporter)) {
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
      out[kind] = settings;
      continue;
    }
    const copy: Record<string, unknown> = { ...settings };
    if (kind === 'file' && typeof copy.path === 'string') copy.path = n.file(copy.path);
    const tls = copy.tls;
    if (tls !== null && typeof tls === 'object' && !Array.isArray(tls)) {
      const files: Record<string, unknown> = { ...tls };
      for (const key of ['ca_file', 'cert_file', 'key_file']) {
        const value = files[key];
        if (typeof value !== 'string') continue;
        files[key] = n.file(value);
        requireFile(n.file(value), [...path, kind, 'tls', key], n.problems);
      }
      copy.tls = files;
    }
    out[kind] = copy;
  }
  return out;
}

function destinationOf(n: Normalizer, name: string, d: RawDestination): DestinationConfig {
  const path: ConfigPath = ['destinations', name];
  const exporter = exporterWithPaths(n, d.exporter, [...path, 'exporter']);
  const destination: DestinationConfig = {
    name,
    exporter,
    signals: d.signals ?? ['traces', 'logs', 'metrics'],
    queue: {
      mode: d.queue?.mode ?? 'sqlite',
      maxBytes: n.measure(parseSize, d.queue?.max_size, [...path, 'queue', 'max_size'], DEFAULTS.queueMaxBytes),
    },
    retry: {
      initialIntervalMs: n.measure(parseDuration, d.retry?.initial_interval, [...path, 'retry', 'initial_interval'], DEFAULTS.retry.initialIntervalMs),
      maxIntervalMs: n.measure(parseDuration, d.retry?.max_interval, [...path, 'retry', 'max_interval'], DEFAULTS.retry.maxIntervalMs),
      multiplier: d.retry?.multiplier ?? DEFAULTS.retry.multiplier,
      maxElapsedMs: n.measure(parseDuration, d.retry?.max_elapsed_time, [...path, 'retry', 'max_elapsed_time'], DEFAULTS.retry.maxElapsedMs),
    },
    concurrency: d.concurrency ?? DEFAULTS.concurrency,
    batch: d.batch?.enabled === false
      ? { maxItems: 1, maxBytes: 0 }
      : {
        maxItems: d.batch?.max_items ?? DEFAULTS.batch.maxItems,
        maxBytes: n.measure(parseSize, d.batch?.max_size, [...path, 'batch', 'max_size'], DEFAULTS.batch.maxBytes),
      },
  };
  if (d.when !== undefined) {
    destination.when = d.when;
    n.guard(() => {
      try {
        compileCondition(d.when!, dotted([...path, 'when']));
      } catch (error) {
        if (error instanceof RouteConditionError) throw new PathError([...path, 'when'], error.message.slice(error.path.length + 2));
        throw error;
      }
    }, undefined);
  }
  if (!n.reported([...path, 'exporter'])) n.guard(() => {
    try {
      validateExporterConfig(exporter, dotted([...path, 'exporter']));
    } catch (error) {
      if (error instanceof ExporterConfigError) throw new PathError(error.path.split('.'), error.message.slice(error.path.length + 2));
      throw error;
    }
  }, undefined);
  return destination;
}

function normalize(n: Normalizer, raw: RawConfig): GatewayConfig {
  const receivers = n.guard(() => receiversOf(n, raw), {});
  const auth = n.guard(() => authOf(n, raw, receivers), { header: 'authorization', tenants: [] });
  const destinations: DestinationConfig[] = [];
  for (const [name, d] of Object.entries(raw.destinations ?? {})) {
    const destination = n.guard(() => destinationOf(n, name, d), undefined);
    if (destination) destinations.push(destination);
  }

  const limits = raw.limits ?? {};
  const size = (value: unknown, fallback: number, key: string): number => n.measure(parseSize, value, ['limits', key], fallback);
  const config: GatewayConfig = {
    source: n.source,
    receivers,
    auth,
    destinations,
    storage: {
      directory: n.file(raw.storage?.directory ?? DEFAULTS.storageDirectory),
      synchronous: raw.storage?.synchronous ?? 'normal',
      deadLetters: {
        maxBytes: n.measure(parseSize, raw.storage?.dead_letters?.max_size, ['storage', 'dead_letters', 'max_size'], DEFAULTS.deadLetters.maxBytes),
        maxAgeMs: n.measure(parseDuration, raw.storage?.dead_letters?.max_age, ['storage', 'dead_letters', 'max_age'], DEFAULTS.deadLetters.maxAgeMs),
      },
    },
    limits: {
      maxRequestBytes: size(limits.max_request_size, DEFAULTS.limits.maxRequestBytes, 'max_request_size'),
      maxDecompressedBytes: size(limits.max_decompressed_size, DEFAULTS.limits.maxDecompressedBytes, 'max_decompressed_size'),
      maxGzipRatio: limits.max_gzip_ratio ?? DEFAULTS.limits.maxGzipRatio,
      maxDepth: limits.max_depth ?? DEFAULTS.limits.maxDepth,
      maxAttributes: limits.max_attributes ?? DEFAULTS.limits.maxAttributes,
      maxInFlightBytes: size(limits.max_in_flight_size, DEFAULTS.limits.maxInFlightBytes, 'max_in_flight_size'),
      maxItemsPerRequest: limits.max_items_per_request ?? DEFAULTS.limits.maxItemsPerRequest,
    },
    workers: raw.workers === undefined || raw.workers === 'auto' ? autoWorkers() : raw.workers,
    logLevel: raw.log?.level ?? 'info',
    inventory: inventoryOf(n, raw.inventory),
    warnings: [],
  };
  // Like the Collector's own telemetry on :8888, the admin server is on unless turned off.
  if (listenerOn(raw.admin, true)) {
    const admin = n.guard(() => listener(n, raw.admin ?? undefined, DEFAULTS.admin, ['admin']), undefined);
    if (admin) config.admin = { host: admin.host, port: admin.port, tokenDigests: (raw.admin?.token_sha256 ?? []).map((hex) => Buffer.from(hex.toLowerCase(), 'hex')) };
    // Off loopback the console and /metrics answer only to a token (console/access.ts).
    if (admin && !isLoopback(admin.host) && (raw.admin?.token_sha256 ?? []).length === 0) {
      n.warnings.push({ path: ['admin'], atKey: true, message: `listens on ${admin.host}, where the console, its API and /metrics need a token, but admin.token_sha256 lists none: only team tokens (auth.tenants) can log in, and they see only their services` });
    }
  }
  if (typeof raw.conventions === 'string') {
    config.conventions = n.file(raw.conventions);
    requireFile(config.conventions, ['conventions'], n.problems, 'directory');
  }
  if (raw.strategy !== undefined && raw.strategy !== null) strategyOf(n, raw.strategy, config);
  if (raw.slos !== undefined) config.slos = slosOf(raw.slos, n.base, n.problems, n.warnings);
  return config;
}

/** `strategy:`; its problems carry their own file:line, destinations it leaves out a warning. */
function strategyOf(n: Normalizer, raw: string | Record<string, unknown>, config: GatewayConfig): void {
  const found = strategyInConfig(raw, { locate: n.locate, source: n.source, base: n.base, destinations: config.destinations.map((d) => d.name) });
  n.located.push(...found.problems);
  if (found.document) config.strategy = found.document;
  if (found.unentered.length > 0) n.warnings.push({ path: ['strategy'], atKey: true, message: unenteredWarning(found.unentered) });
}

/** `inventory:` (inventory/README.md): the tap is off unless `enabled: true`. */
function inventoryOf(n: Normalizer, raw: RawConfig['inventory']): InventoryConfig {
  const bucketMs = n.measure(parseDuration, raw?.bucket, ['inventory', 'bucket'], DEFAULT_INVENTORY.bucketMs);
  const retentionMs = n.measure(parseDuration, raw?.retention, ['inventory', 'retention'], DEFAULT_INVENTORY.retentionMs);
  if (bucketMs < 60_000 || 86_400_000 % bucketMs !== 0) n.guard(() => { throw new PathError(['inventory', 'bucket'], `must divide a day and be at least 1m (1m, 5m, 15m, 1h, 1d…); got ${String(raw?.bucket)}`); }, undefined);
  if (retentionMs < bucketMs) n.guard(() => { throw new PathError(['inventory', 'retention'], `must be at least one bucket (${String(raw?.bucket ?? '1h')})`); }, undefined);
  return { enabled: raw?.enabled ?? DEFAULT_INVENTORY.enabled, bucketMs, retentionMs, maxAttributes: raw?.max_attributes ?? DEFAULT_INVENTORY.maxAttributes, maxShare: raw?.max_share ?? DEFAULT_INVENTORY.maxShare };
}

// The shapes the JSON Schema admits (snake_case as in the YAML).
interface RawListener { enabled?: boolean; endpoint?: string; tls?: { cert_file: string; key_file: string; client_ca_file?: string } }
interface RawConfig {
  receivers?: { otlp?: { http?: RawListener | null; grpc?: RawListener | null } };
  auth?: {
    header?: string;
    anonymous?: boolean | { tenant?: string; services?: string[] };
    tenants?: Record<string, { token_sha256: string[]; services: string[] }>;
  };
  destinations: Record<string, RawDestination>;
  storage?: { directory?: string; synchronous?: 'normal' | 'full'; dead_letters?: { max_size?: unknown; max_age?: unknown } };
  admin?: (RawListener & { token_sha256?: string[] }) | null;
  limits?: { max_request_size?: unknown; max_decompressed_size?: unknown; max_gzip_ratio?: number; max_depth?: number; max_attributes?: number; max_in_flight_size?: unknown; max_items_per_request?: number };
  workers?: number | 'auto';
  log?: { level?: string };
  conventions?: string;
  strategy?: string | Record<string, unknown> | null;
  slos?: string | string[];
  inventory?: { enabled?: boolean; bucket?: unknown; retention?: unknown; max_attributes?: number; max_share?: number };
}
interface RawDestination {
  exporter: Record<string, unknown>;
  when?: string;
  signals?: Signal[];
  queue?: { mode?: 'sqlite' | 'memory'; max_size?: unknown };
  retry?: { initial_interval?: unknown; max_interval?: unknown; multiplier?: number; max_elapsed_time?: unknown };
  concurrency?: number;
  batch?: { enabled?: boolean; max_items?: number; max_size?: unknown };
}
