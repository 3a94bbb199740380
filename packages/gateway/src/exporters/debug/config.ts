import { readChoice, readObject } from '../config-fields.js';

export interface DebugConfig {
  /** `basic`: one line per batch. `detailed`: also one line per span, log record or data point. */
  readonly verbosity: 'basic' | 'detailed';
}

export const DEFAULTS = { verbosity: 'basic' } as const satisfies DebugConfig;

/** `path` is the exporter's own config path, e.g. `destinations.console.exporter.debug`. */
export function validateDebugConfig(raw: unknown, path: string): DebugConfig {
  const obj = readObject(raw, path, ['verbosity']);
  return { verbosity: readChoice(obj, 'verbosity', path, ['basic', 'detailed'] as const) ?? DEFAULTS.verbosity };
}
