import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ConventionsError,
  formatLocation,
  isLoadFinding,
  loadRegistry,
  RegistryIndex,
  type ResolvedRegistry,
} from '@cairn/conventions';
import type { Rule } from 'eslint';
import { IdentityNames } from './identity.js';

/** Where the registry comes from: a registry directory (resolved here) or `cairn resolve -o` output. */
export interface RegistrySource {
  /** A registry directory with `registry_manifest.yaml`, resolved with `loadRegistry`. */
  registry?: string;
  /** A `model/` directory to resolve the registry on, instead of the manifest's upstream. */
  upstream?: string;
  /** A JSON file written by `cairn resolve DIR -o FILE`. */
  resolved?: string;
}

/** `settings.cairn` in a flat config: one registry for every rule. */
export interface CairnSettings extends RegistrySource {}

type JsonSchema = Extract<NonNullable<Rule.RuleMetaData['schema']>, readonly unknown[]>[number];

export const REGISTRY_SOURCE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    registry: { type: 'string', minLength: 1 },
    upstream: { type: 'string', minLength: 1 },
    resolved: { type: 'string', minLength: 1 },
  },
  additionalProperties: false,
};

/** A loaded registry and what the rules derive from it once, so per-node work is a map lookup. */
export class RegistryView {
  readonly index: RegistryIndex;
  readonly orgNamespaces: readonly string[];
  /** Top-level namespaces that OpenTelemetry defines (`http`, `user`, …). */
  readonly otelNamespaces: ReadonlySet<string>;
  readonly identity: IdentityNames;
  private candidateKeys: string[] | undefined;

  constructor(registry: ResolvedRegistry) {
    this.index = new RegistryIndex(registry);
    const org = registry.manifest.namespaces;
    this.orgNamespaces = org;
    this.otelNamespaces = new Set(
      registry.attributes.filter((a) => a.origin === 'upstream').map((a) => a.key.split('.')[0]!).filter((ns) => !org.includes(ns)),
    );
    this.identity = new IdentityNames(this.index);
  }

  /** Keys worth suggesting: deprecated ones would only be flagged again. */
  get suggestable(): readonly string[] {
    this.candidateKeys ??= this.index.registry.attributes.filter((a) => !a.deprecated).map((a) => a.key);
    return this.candidateKeys;
  }
}

export type RegistryState =
  | { status: 'loaded'; view: RegistryView }
  | { status: 'failed'; path: string; reason: string }
  | { status: 'unconfigured' };

/** Structural check of `cairn resolve` output, enough that the rules cannot crash on it. */
function parseResolved(text: string): ResolvedRegistry {
  const data: unknown = JSON.parse(text);
  const record = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (
    !record(data) ||
    !Array.isArray(data.attributes) ||
    !record(data.aliases) ||
    !record(data.manifest) ||
    !Array.isArray(data.manifest.namespaces) ||
    !data.attributes.every((a: unknown) => record(a) && typeof a.key === 'string' && Array.isArray(a.aliases) && record(a.type))
  ) {
    throw new ConventionsError('CAIRN_RESOLVED_INVALID', 'it is not a resolved registry (expected `manifest`, `attributes` and `aliases`)', {
      hint: 'write it with `cairn resolve DIR -o FILE`',
    });
  }
  return data as unknown as ResolvedRegistry;
}

/** Reasons end inside a sentence of the message, so their own final period goes. */
function withoutPeriod(text: string): string {
  return text.trim().replace(/\.+$/, '');
}

function describe(error: unknown): string {
  return withoutPeriod(reasonOf(error));
}

function reasonOf(error: unknown): string {
  if (error instanceof ConventionsError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  if (error instanceof SyntaxError) return `invalid JSON: ${error.message}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  return error instanceof Error ? error.message : String(error);
}

// ESLint calls `create` once per file per rule; resolving the registry takes ~70 ms, so it is
// done once per process. Editors keep the process alive: a changed `resolved` file is picked up
// through its mtime, a changed registry directory needs an ESLint server restart.
const cache = new Map<string, RegistryState>();

function cached(key: string, load: () => RegistryState): RegistryState {
  let state = cache.get(key);
  if (!state) {
    state = load();
    cache.set(key, state);
  }
  return state;
}

function fromDirectory(dir: string, upstream: string | undefined): RegistryState {
  return cached(`dir\0${dir}\0${upstream ?? ''}`, () => {
    try {
      const loaded = loadRegistry(dir, upstream === undefined ? { displayRoot: dir } : { upstream, displayRoot: dir });
      if (loaded.unusable) {
        const problems = loaded.findings.filter(isLoadFinding);
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more; run \`cairn check ${dir}\`)` : '';
        const first = problems[0]!;
        const hint = first.hint ? ` (${withoutPeriod(first.hint)})` : '';
        return { status: 'failed', path: dir, reason: `${formatLocation(first.location)}: ${withoutPeriod(first.message)}${hint}${more}` };
      }
      return { status: 'loaded', view: new RegistryView(loaded.registry) };
    } catch (error) {
      return { status: 'failed', path: dir, reason: describe(error) };
    }
  });
}

function fromResolvedFile(file: string): RegistryState {
  let version: string;
  try {
    version = String(statSync(file).mtimeMs);
  } catch (error) {
    return { status: 'failed', path: file, reason: describe(error) };
  }
  return cached(`json\0${file}\0${version}`, () => {
    try {
      return { status: 'loaded', view: new RegistryView(parseResolved(readFileSync(file, 'utf8'))) };
    } catch (error) {
      return { status: 'failed', path: file, reason: describe(error) };
    }
  });
}

function sourceOf(value: unknown): RegistrySource | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { registry, upstream, resolved } = value as Record<string, unknown>;
  if (registry === undefined && resolved === undefined) return undefined;
  return {
    ...(registry !== undefined ? { registry: registry as string } : {}),
    ...(upstream !== undefined ? { upstream: upstream as string } : {}),
    ...(resolved !== undefined ? { resolved: resolved as string } : {}),
  };
}

/**
 * The registry for one rule in one file: the rule's own options win over `settings.cairn`.
 * Relative paths are relative to ESLint's working directory, as config paths are.
 */
export function registryFor(options: unknown, settings: Record<string, unknown>, cwd: string): RegistryState {
  const source = sourceOf(options) ?? sourceOf(settings.cairn);
  if (!source) return { status: 'unconfigured' };
  const where = 'settings.cairn or the rule options';
  for (const field of ['registry', 'upstream', 'resolved'] as const) {
    const value = source[field];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      return { status: 'failed', path: String(value), reason: `\`${field}\` in ${where} must be a non-empty path` };
    }
  }
  if (source.registry !== undefined && source.resolved !== undefined) {
    return { status: 'failed', path: source.resolved, reason: `${where} set both \`registry\` and \`resolved\`; keep one` };
  }
  if (source.resolved !== undefined) return fromResolvedFile(resolve(cwd, source.resolved));
  return fromDirectory(resolve(cwd, source.registry!), source.upstream === undefined ? undefined : resolve(cwd, source.upstream));
}

export const REGISTRY_MESSAGES = {
  registryMissing:
    'No Cairn registry is configured: set `settings.cairn.registry` to the registry directory, or `settings.cairn.resolved` to the output of `cairn resolve DIR -o FILE`.',
  registryUnavailable: 'Cannot load the Cairn registry at {{path}}: {{reason}}.{{consequence}}',
} as const;

/**
 * One problem at the top of the file when the registry cannot be used: the config is wrong for
 * every file alike, so a crash or a report per call would only bury the cause.
 */
export function reportRegistryProblem(context: Rule.RuleContext, state: RegistryState, consequence = ''): void {
  if (state.status === 'failed') {
    context.report({ loc: { line: 1, column: 0 }, messageId: 'registryUnavailable', data: { path: state.path, reason: state.reason, consequence } });
  }
}
