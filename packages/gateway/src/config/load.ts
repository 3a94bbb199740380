import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import ajvModule, { type ErrorObject } from 'ajv';
import type { Signal } from '@cairn/otlp';
import schema from '../../schema/cairn.schema.json' with { type: 'json' };
import { parseDuration, parseSize } from '../exporters/durations.js';
import { ExporterConfigError } from '../exporters/config-fields.js';
import { validateExporterConfig } from '../exporters/index.js';
import { compileCondition, RouteConditionError } from '../router/router.js';
import { substituteEnv, type ConfigPath, type Problem } from './env.js';
import type { DestinationConfig, GatewayConfig, ListenerConfig, TenantConfig } from './types.js';

/** A config that cannot be used. `problems` each name a path and, where known, file:line:col. */
export class ConfigError extends Error {
  readonly code = 'CAIRN_CONFIG';
  readonly problems: { path: string; message: string; location?: string }[];
  constructor(problems: { path: string; message: string; location?: string }[]) {
    super(problems.map((p) => `${p.location ? `${p.location}: ` : ''}${p.path || '<root>'}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const Ajv = ajvModule.default;
const validateSchema = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);

export const DEFAULTS = {
  http: '127.0.0.1:4318',
  grpc: '127.0.0.1:4317',
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
  const locate = (path: ConfigPath, atKey = false): string | undefined => {
    if (atKey && path.length > 0) {
      const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1])) : undefined;
      const offset = (pair?.key as Node | undefined)?.range?.[0];
      if (offset !== undefined) {
        const pos = lines.linePos(offset);
        return `${source}:${pos.line}:${pos.col}`;
      }
    }
    let node: unknown = doc.contents;
    for (let i = path.length; i >= 0; i--) {
      node = i === 0 ? doc.contents : doc.getIn(path.slice(0, i), true);
      if (node && typeof node === 'object' && 'range' in node) break;
    }
    const offset = (node as Node | undefined)?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = lines.linePos(offset);
    return `${source}:${pos.line}:${pos.col}`;
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { path: '', message: e.message.split('\n')[0]!, location: `${source}:${pos.line}:${pos.col}` };
    }));
  }
  if (!isMap(doc.contents)) throw new ConfigError([{ path: '', message: 'a config is a YAML mapping with at least `destinations:`', location: `${source}:1:1` }]);

  const problems: Problem[] = [];
  const raw = substituteEnv(doc.toJS({ maxAliasCount: 100 }), env, problems);
  if (!validateSchema(raw)) problems.push(...(validateSchema.errors ?? []).map(toProblem));
  if (problems.length === 0) {
    try {
      return normalize(raw as RawConfig, source);
    } catch (error) {
      if (error instanceof PathError) problems.push({ path: error.path, message: error.problem });
      else throw error;
    }
  }
  throw new ConfigError(dedupe(problems).map((p) => {
    const location = locate(p.path, p.atKey);
    return { path: dotted(p.path), message: p.message, ...(location ? { location } : {}) };
  }));
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

/** Turns Ajv's errors into path-named sentences a user can act on. */
function toProblem(error: ErrorObject): Problem {
  const path: ConfigPath = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(params.additionalProperty)], message: 'is not a known setting' + knownKeys(error), atKey: true };
    case 'required':
      return { path, message: `needs \`${String(params.missingProperty)}\`` };
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      return { path, message: `${describePattern(path)}` };
    case 'minProperties':
    case 'maxProperties':
      return { path, message: path[path.length - 1] === 'exporter' ? 'must name exactly one exporter: otlphttp, otlpgrpc, file or debug' : `must have ${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${String(params.limit)} entries` };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

function knownKeys(error: ErrorObject): string {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? `; expected one of ${Object.keys(properties).join(', ')}` : '';
}

function describePattern(path: ConfigPath): string {
  const last = String(path[path.length - 1] ?? '');
  if (last === 'endpoint') return 'must be host:port, e.g. 127.0.0.1:4318';
  if (path.includes('token_sha256')) return 'must be the SHA-256 of a token as 64 hex characters (echo -n "$TOKEN" | sha256sum)';
  if (/size|bytes/.test(last)) return 'must be a size like "64MiB" or a number of bytes';
  if (/interval|time|timeout/.test(last)) return 'must be a duration like "500ms", "10s" or "1m"';
  return 'has the wrong format';
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

function listener(raw: RawListener | null | undefined, fallback: string, path: ConfigPath): ListenerConfig {
  const endpoint = raw?.endpoint ?? fallback;
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(endpoint.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PathError([...path, 'endpoint'], `port ${endpoint.slice(colon + 1)} is not between 0 and 65535`);
  const config: ListenerConfig = { host, port };
  if (raw?.tls) {
    config.tls = { certFile: raw.tls.cert_file, keyFile: raw.tls.key_file };
    if (raw.tls.client_ca_file) config.tls.clientCaFile = raw.tls.client_ca_file;
  }
  return config;
}

function normalize(raw: RawConfig, source: string): GatewayConfig {
  const otlp = raw.receivers?.otlp;
  const receivers: GatewayConfig['receivers'] = {};
  // No `receivers:` section means both OTLP receivers on their loopback defaults.
  if (!raw.receivers || otlp?.http !== undefined || otlp === undefined) receivers.http = listener(otlp?.http, DEFAULTS.http, ['receivers', 'otlp', 'http']);
  if (!raw.receivers || otlp?.grpc !== undefined || otlp === undefined) receivers.grpc = listener(otlp?.grpc, DEFAULTS.grpc, ['receivers', 'otlp', 'grpc']);

  const anonymous = raw.auth?.anonymous;
  const tenants: TenantConfig[] = Object.entries(raw.auth?.tenants ?? {}).map(([name, t]) => ({
    name,
    tokenDigests: t.token_sha256.map((hex) => Buffer.from(hex.toLowerCase(), 'hex')),
    services: t.services,
  }));
  const auth: GatewayConfig['auth'] = { header: (raw.auth?.header ?? 'authorization').toLowerCase(), tenants };
  if (anonymous === true) auth.anonymous = { tenant: 'anonymous', services: ['*'] };
  else if (anonymous && typeof anonymous === 'object') auth.anonymous = { tenant: anonymous.tenant ?? 'anonymous', services: anonymous.services ?? ['*'] };

  const destinations: DestinationConfig[] = Object.entries(raw.destinations).map(([name, d]) => {
    const path: ConfigPath = ['destinations', name];
    const destination: DestinationConfig = {
      name,
      exporter: d.exporter,
      signals: d.signals ?? ['traces', 'logs', 'metrics'],
      queue: {
        mode: d.queue?.mode ?? 'sqlite',
        maxBytes: d.queue?.max_size === undefined ? DEFAULTS.queueMaxBytes : unit(parseSize, d.queue.max_size, [...path, 'queue', 'max_size']),
      },
      retry: {
        initialIntervalMs: d.retry?.initial_interval === undefined ? DEFAULTS.retry.initialIntervalMs : unit(parseDuration, d.retry.initial_interval, [...path, 'retry', 'initial_interval']),
        maxIntervalMs: d.retry?.max_interval === undefined ? DEFAULTS.retry.maxIntervalMs : unit(parseDuration, d.retry.max_interval, [...path, 'retry', 'max_interval']),
        multiplier: d.retry?.multiplier ?? DEFAULTS.retry.multiplier,
        maxElapsedMs: d.retry?.max_elapsed_time === undefined ? DEFAULTS.retry.maxElapsedMs : unit(parseDuration, d.retry.max_elapsed_time, [...path, 'retry', 'max_elapsed_time']),
      },
      concurrency: d.concurrency ?? DEFAULTS.concurrency,
      batch: d.batch?.enabled === false
        ? { maxItems: 1, maxBytes: 0 }
        : {
          maxItems: d.batch?.max_items ?? DEFAULTS.batch.maxItems,
          maxBytes: d.batch?.max_size === undefined ? DEFAULTS.batch.maxBytes : unit(parseSize, d.batch.max_size, [...path, 'batch', 'max_size']),
        },
    };
    if (d.when !== undefined) {
      destination.when = d.when;
      try {
        compileCondition(d.when, dotted([...path, 'when']));
      } catch (error) {
        if (error instanceof RouteConditionError) throw new PathError([...path, 'when'], error.message.slice(error.path.length + 2));
        throw error;
      }
    }
    try {
      validateExporterConfig(d.exporter, dotted([...path, 'exporter']));
    } catch (error) {
      if (error instanceof ExporterConfigError) throw new PathError(error.path.split('.'), error.message.slice(error.path.length + 2));
      throw error;
    }
    return destination;
  });

  const limits = raw.limits ?? {};
  const size = (value: unknown, fallback: number, key: string): number => (value === undefined ? fallback : unit(parseSize, value, ['limits', key]));
  const config: GatewayConfig = {
    source,
    receivers,
    auth,
    destinations,
    storage: {
      directory: resolve(raw.storage?.directory ?? DEFAULTS.storageDirectory),
      synchronous: raw.storage?.synchronous ?? 'normal',
      deadLetters: {
        maxBytes: raw.storage?.dead_letters?.max_size === undefined ? DEFAULTS.deadLetters.maxBytes : unit(parseSize, raw.storage.dead_letters.max_size, ['storage', 'dead_letters', 'max_size']),
        maxAgeMs: raw.storage?.dead_letters?.max_age === undefined ? DEFAULTS.deadLetters.maxAgeMs : unit(parseDuration, raw.storage.dead_letters.max_age, ['storage', 'dead_letters', 'max_age']),
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
    workers: raw.workers === undefined || raw.workers === 'auto' ? availableParallelism() : raw.workers,
    logLevel: raw.log?.level ?? 'info',
  };
  if (raw.admin !== null) {
    const admin = listener(raw.admin, '127.0.0.1:8888', ['admin']);
    config.admin = { host: admin.host, port: admin.port };
  }
  if (raw.conventions !== undefined) config.conventions = resolve(raw.conventions);
  return config;
}

// The shapes the JSON Schema admits (snake_case as in the YAML).
interface RawListener { endpoint?: string; tls?: { cert_file: string; key_file: string; client_ca_file?: string } }
interface RawConfig {
  receivers?: { otlp?: { http?: RawListener | null; grpc?: RawListener | null } };
  auth?: {
    header?: string;
    anonymous?: boolean | { tenant?: string; services?: string[] };
    tenants?: Record<string, { token_sha256: string[]; services: string[] }>;
  };
  destinations: Record<string, {
    exporter: Record<string, unknown>;
    when?: string;
    signals?: Signal[];
    queue?: { mode?: 'sqlite' | 'memory'; max_size?: unknown };
    retry?: { initial_interval?: unknown; max_interval?: unknown; multiplier?: number; max_elapsed_time?: unknown };
    concurrency?: number;
    batch?: { enabled?: boolean; max_items?: number; max_size?: unknown };
  }>;
  storage?: { directory?: string; synchronous?: 'normal' | 'full'; dead_letters?: { max_size?: unknown; max_age?: unknown } };
  admin?: RawListener | null;
  limits?: { max_request_size?: unknown; max_decompressed_size?: unknown; max_gzip_ratio?: number; max_depth?: number; max_attributes?: number; max_in_flight_size?: unknown; max_items_per_request?: number };
  workers?: number | 'auto';
  log?: { level?: string };
  conventions?: string;
}
