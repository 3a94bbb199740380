// Field readers shared by every exporter's `validate…Config`: each failure names the config path
// of the offending field, so an operator can go straight to the line in their YAML.

/** Bad exporter configuration. The message starts with the config path of the field. */
export class ExporterConfigError extends Error {
  override readonly name = 'ExporterConfigError';
  readonly code = 'CAIRN_EXPORTER_CONFIG';
  /** e.g. `destinations.eu.exporter.otlphttp.endpoint` */
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

export type ConfigObject = Readonly<Record<string, unknown>>;

/** The mapping at `path`, after checking it has only `known` keys (a typo must not be silent). */
export function readObject(raw: unknown, path: string, known: readonly string[]): ConfigObject {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ExporterConfigError(path, 'must be a mapping');
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new ExporterConfigError(`${path}.${key}`, `is not a known setting; expected one of ${known.join(', ')}`);
  }
  return raw as ConfigObject;
}

export function readString(obj: ConfigObject, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new ExporterConfigError(`${path}.${key}`, 'must be a non-empty string');
  return v;
}

export function readBoolean(obj: ConfigObject, key: string, path: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ExporterConfigError(`${path}.${key}`, `must be true or false; got ${JSON.stringify(v)}`);
  return v;
}

export function readChoice<T extends string>(obj: ConfigObject, key: string, path: string, choices: readonly T[]): T | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new ExporterConfigError(`${path}.${key}`, `must be one of ${choices.join(', ')}; got ${JSON.stringify(v)}`);
  }
  return v as T;
}

export function readPositiveInt(obj: ConfigObject, key: string, path: string): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ExporterConfigError(`${path}.${key}`, `must be a whole number of at least 1; got ${JSON.stringify(v)}`);
  return v;
}

/** Request headers or gRPC metadata: string values only (the loader has already substituted `${env:…}`). */
export function readHeaders(obj: ConfigObject, key: string, path: string): Readonly<Record<string, string>> {
  const v = obj[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ExporterConfigError(`${path}.${key}`, 'must be a mapping of header names to strings');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(v)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new ExporterConfigError(`${path}.${key}.${name}`, 'is not a valid header name');
    if (typeof value !== 'string') throw new ExporterConfigError(`${path}.${key}.${name}`, `must be a string; got ${JSON.stringify(value)}`);
    if (/[\r\n\0]/.test(value)) throw new ExporterConfigError(`${path}.${key}.${name}`, 'must not contain line breaks');
    out[name.toLowerCase()] = value;
  }
  return out;
}
