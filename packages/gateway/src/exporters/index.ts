// The exporter registry: the key under `exporter:` in a destination picks the factory. Adding
// an exporter is one folder and one line in FACTORIES.
import { ExporterConfigError } from './config-fields.js';
import type { Exporter } from './types.js';
import { validateOtlpHttpConfig, type OtlpHttpConfig } from './otlphttp/config.js';
import { OtlpHttpExporter } from './otlphttp/exporter.js';
import { validateOtlpGrpcConfig, type OtlpGrpcConfig } from './otlpgrpc/config.js';
import { OtlpGrpcExporter } from './otlpgrpc/exporter.js';
import { validateFileConfig, type FileConfig } from './file/config.js';
import { FileExporter } from './file/exporter.js';
import { validateDebugConfig, type DebugConfig } from './debug/config.js';
import { DebugExporter, type DebugOutput } from './debug/exporter.js';

export type { Exporter, ExportOutcome, OutboundBatch } from './types.js';
export { ExporterConfigError } from './config-fields.js';
export { parseDuration, parseSize } from './durations.js';
export type { OtlpHttpConfig, OtlpGrpcConfig, FileConfig, DebugConfig, DebugOutput };
export type { TlsConfig } from './tls.js';

/** What an exporter may be given besides its config. */
export interface ExporterDeps {
  /** Where the debug exporter writes (default process.stdout). */
  readonly debugOutput?: DebugOutput;
}

interface Factory<C> {
  validate(raw: unknown, path: string): C;
  create(config: C, path: string, deps: ExporterDeps): Exporter;
}

const factory = <C>(f: Factory<C>): Factory<C> => f;

const FACTORIES = {
  otlphttp: factory<OtlpHttpConfig>({ validate: validateOtlpHttpConfig, create: (c, path) => new OtlpHttpExporter(c, path) }),
  otlpgrpc: factory<OtlpGrpcConfig>({ validate: validateOtlpGrpcConfig, create: (c, path) => new OtlpGrpcExporter(c, path) }),
  file: factory<FileConfig>({ validate: validateFileConfig, create: (c) => new FileExporter(c) }),
  debug: factory<DebugConfig>({ validate: validateDebugConfig, create: (c, _path, deps) => new DebugExporter(c, deps.debugOutput) }),
};

export type ExporterKind = keyof typeof FACTORIES;
export const EXPORTER_KINDS = Object.keys(FACTORIES) as ExporterKind[];

type ConfigOf<K extends ExporterKind> = (typeof FACTORIES)[K] extends Factory<infer C> ? C : never;

/** A destination's `exporter:` block after validation: exactly one kind key. */
export type ExporterConfig = { [K in ExporterKind]: { readonly [P in K]: ConfigOf<K> } }[ExporterKind];

/**
 * Validates a destination's `exporter:` block (`path` is its config path, e.g.
 * `destinations.eu.exporter`). Throws ExporterConfigError naming the offending field.
 */
export function validateExporterConfig(raw: unknown, path: string): ExporterConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ExporterConfigError(path, `must be a mapping with one of ${EXPORTER_KINDS.join(', ')}`);
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1) {
    throw new ExporterConfigError(path, `must name exactly one exporter (${EXPORTER_KINDS.join(', ')}); got ${keys.length ? keys.join(', ') : 'none'}`);
  }
  const kind = keys[0]!;
  if (!isKind(kind)) throw new ExporterConfigError(`${path}.${kind}`, `is not an exporter; expected one of ${EXPORTER_KINDS.join(', ')}`);
  const config: unknown = FACTORIES[kind].validate((raw as Record<string, unknown>)[kind], `${path}.${kind}`);
  return { [kind]: config } as ExporterConfig;
}

/** Validates `raw` (a destination's `exporter:` block, raw or validated) and builds its exporter. */
export function createExporter(raw: unknown, path: string, deps: ExporterDeps = {}): Exporter {
  const config = validateExporterConfig(raw, path);
  const kind = Object.keys(config)[0] as ExporterKind;
  const factory = FACTORIES[kind] as Factory<unknown>;
  return factory.create((config as Record<string, unknown>)[kind], `${path}.${kind}`, deps);
}

function isKind(key: string): key is ExporterKind {
  return Object.hasOwn(FACTORIES, key);
}
