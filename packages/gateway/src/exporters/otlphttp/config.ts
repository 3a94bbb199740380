import type { Signal } from '@cairn/otlp';
import { ExporterConfigError, readChoice, readHeaders, readObject, readPositiveInt, readString } from '../config-fields.js';
import { parseDuration } from '../durations.js';
import { TLS_DEFAULTS, validateTlsConfig, type TlsConfig } from '../tls.js';

export interface OtlpHttpConfig {
  /** Base URL; `/v1/traces`, `/v1/logs`, `/v1/metrics` are appended to its path. */
  readonly endpoint?: string;
  /** Full per-signal URLs, used as given (the Collector's `traces_endpoint`, …). */
  readonly traces_endpoint?: string;
  readonly logs_endpoint?: string;
  readonly metrics_endpoint?: string;
  /** Sent with every request (values already env-substituted by the config loader). */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  /** `proto` (application/x-protobuf) or `json` (OTLP/JSON). */
  readonly encoding: 'proto' | 'json';
  /** Milliseconds for the whole attempt: connect, send, response. */
  readonly timeout: number;
  /** Keep-alive connections per origin. */
  readonly max_connections: number;
  readonly tls: TlsConfig;
}

export const DEFAULTS = {
  headers: {},
  compression: 'gzip',
  encoding: 'proto',
  timeout: 10_000,
  max_connections: 4,
  tls: TLS_DEFAULTS,
} as const satisfies Omit<OtlpHttpConfig, 'endpoint'>;

const KEYS = ['endpoint', 'traces_endpoint', 'logs_endpoint', 'metrics_endpoint', 'headers', 'compression', 'encoding', 'timeout', 'max_connections', 'tls'];

function readUrl(obj: Readonly<Record<string, unknown>>, key: string, path: string): string | undefined {
  const raw = readString(obj, key, path);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ExporterConfigError(`${path}.${key}`, `must be an http(s) URL like https://otlp.example.com; got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ExporterConfigError(`${path}.${key}`, `must be an http(s) URL; got scheme ${url.protocol}`);
  }
  return raw;
}

/** `path` is the exporter's own path, e.g. `destinations.eu.exporter.otlphttp`. */
export function validateOtlpHttpConfig(raw: unknown, path: string): OtlpHttpConfig {
  const obj = readObject(raw, path, KEYS);
  const endpoint = readUrl(obj, 'endpoint', path);
  const perSignal = {
    traces_endpoint: readUrl(obj, 'traces_endpoint', path),
    logs_endpoint: readUrl(obj, 'logs_endpoint', path),
    metrics_endpoint: readUrl(obj, 'metrics_endpoint', path),
  };
  if (endpoint === undefined && Object.values(perSignal).every((v) => v === undefined)) {
    throw new ExporterConfigError(`${path}.endpoint`, 'is required (or a traces_endpoint, logs_endpoint or metrics_endpoint)');
  }
  const config: OtlpHttpConfig = {
    ...(endpoint !== undefined && { endpoint }),
    ...Object.fromEntries(Object.entries(perSignal).filter(([, v]) => v !== undefined)),
    headers: readHeaders(obj, 'headers', path),
    compression: readChoice(obj, 'compression', path, ['gzip', 'none'] as const) ?? DEFAULTS.compression,
    encoding: readChoice(obj, 'encoding', path, ['proto', 'json'] as const) ?? DEFAULTS.encoding,
    timeout: obj['timeout'] === undefined ? DEFAULTS.timeout : parseDuration(obj['timeout'], `${path}.timeout`),
    max_connections: readPositiveInt(obj, 'max_connections', path) ?? DEFAULTS.max_connections,
    tls: obj['tls'] === undefined ? DEFAULTS.tls : validateTlsConfig(obj['tls'], `${path}.tls`),
  };
  if (config.timeout <= 0) throw new ExporterConfigError(`${path}.timeout`, 'must be longer than 0');
  return config;
}

/** The URL a batch of `signal` goes to, or undefined when this exporter has none for it. */
export function signalUrl(config: OtlpHttpConfig, signal: Signal): string | undefined {
  const override = config[`${signal}_endpoint`];
  if (override !== undefined) return override;
  if (config.endpoint === undefined) return undefined;
  const url = new URL(config.endpoint);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/${signal}`;
  return url.toString();
}
