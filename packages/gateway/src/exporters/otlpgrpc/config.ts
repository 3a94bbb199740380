import { ExporterConfigError, readBoolean, readChoice, readHeaders, readObject, readString } from '../config-fields.js';
import { parseDuration } from '../durations.js';
import { TLS_DEFAULTS, validateTlsConfig, type TlsConfig } from '../tls.js';

export interface OtlpGrpcConfig {
  /** `host:port`, e.g. `otlp.example.com:4317` (an `http://` or `https://` prefix is accepted and dropped). */
  readonly endpoint: string;
  /** Plain-text HTTP/2 instead of TLS. `http://` endpoints default to true. */
  readonly insecure: boolean;
  /** Sent as gRPC metadata with every call. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  /** Milliseconds: the call's deadline. */
  readonly timeout: number;
  readonly tls: TlsConfig;
}

export const DEFAULTS = {
  insecure: false,
  headers: {},
  compression: 'gzip',
  timeout: 10_000,
  tls: TLS_DEFAULTS,
} as const satisfies Omit<OtlpGrpcConfig, 'endpoint'>;

const KEYS = ['endpoint', 'insecure', 'headers', 'compression', 'timeout', 'tls'];
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** `path` is the exporter's own path, e.g. `destinations.eu.exporter.otlpgrpc`. */
export function validateOtlpGrpcConfig(raw: unknown, path: string): OtlpGrpcConfig {
  const obj = readObject(raw, path, KEYS);
  const given = readString(obj, 'endpoint', path);
  if (given === undefined) throw new ExporterConfigError(`${path}.endpoint`, 'is required, e.g. otlp.example.com:4317');
  const scheme = /^(https?):\/\//.exec(given)?.[1];
  const endpoint = given.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const m = HOST_PORT.exec(endpoint);
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new ExporterConfigError(`${path}.endpoint`, `must be host:port, e.g. otlp.example.com:4317; got ${JSON.stringify(given)}`);
  }
  const insecure = readBoolean(obj, 'insecure', path) ?? (scheme === 'http' ? true : DEFAULTS.insecure);
  if (insecure && scheme === 'https') throw new ExporterConfigError(`${path}.insecure`, 'contradicts the https:// endpoint; drop one of them');
  const timeout = obj['timeout'] === undefined ? DEFAULTS.timeout : parseDuration(obj['timeout'], `${path}.timeout`);
  if (timeout <= 0) throw new ExporterConfigError(`${path}.timeout`, 'must be longer than 0');
  return {
    endpoint,
    insecure,
    headers: readHeaders(obj, 'headers', path),
    compression: readChoice(obj, 'compression', path, ['gzip', 'none'] as const) ?? DEFAULTS.compression,
    timeout,
    tls: obj['tls'] === undefined ? DEFAULTS.tls : validateTlsConfig(obj['tls'], `${path}.tls`),
  };
}
