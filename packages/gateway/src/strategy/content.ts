// What the processing threads need to apply the data strategy, loaded on the main thread as
// plain data: the validated strategy document, its HMAC keys and the resolved registry. Loaded
// at startup and again, whole, on SIGHUP; any failure keeps the old content (gateway.ts).
import { checkDirectory, formatFinding, type ResolvedRegistry } from '@cairn/conventions';
import { dirname, resolve } from 'node:path';
import type { ConfigProblem, GatewayConfig } from '../config/types.js';
import { loadKey, PseudonymKeyError } from '../stages/redact/pseudonymise.js';
import type { DestinationDocument, RawAction, RawPolicy, StrategyDocument } from './document.js';

/** Plain data: structured-cloned into every worker, which compiles its CompiledStrategy from it. */
export interface StrategyContent {
  strategy?: StrategyDocument;
  /** The default key per destination that needs one. */
  keys: Record<string, { id: string; key: Uint8Array }>;
  registry?: ResolvedRegistry;
  /** Warning-level findings of the registry's policies (errors refuse it). */
  registryWarnings?: number;
  /** Processing threads that share the traffic (set by workers/pool.ts); sampling divides its per-second goals by it. */
  threads?: number;
}

export type ContentErrorCode = 'CAIRN_STRATEGY_KEY_MISSING' | 'CAIRN_STRATEGY_KEY_WEAK' | 'CAIRN_STRATEGY_KEY_ID' | 'CAIRN_STRATEGY_KEY_SOURCE' | 'CAIRN_CONVENTIONS';

/** Keys or registry that cannot be used; each problem names a path and, where known, file:line. */
export class StrategyContentError extends Error {
  readonly code: ContentErrorCode;
  readonly problems: ConfigProblem[];
  constructor(code: ContentErrorCode, problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.location ? `${p.location}: ` : ''}${p.path}: ${p.message}`).join('\n'));
    this.name = 'StrategyContentError';
    this.code = code;
    this.problems = problems;
  }
}

/** The rule paths where a destination's strategy uses `hash` (its policy and every variant). */
export function hashRules(d: DestinationDocument): string[] {
  const out: string[] = [];
  const scan = (p: RawPolicy, at: string): void => {
    for (const [cls, a] of Object.entries(p.sensitivity ?? {})) if (isHash(a)) out.push(`${at}sensitivity.${cls}`);
    for (const [key, a] of Object.entries(p.overrides ?? {})) if (isHash(a)) out.push(`${at}overrides["${key}"]`);
  };
  scan(d, '');
  d.jurisdictions.forEach((j, i) => scan(j, `jurisdictions[${i}].`));
  return out;
}

function isHash(a: RawAction | undefined): boolean {
  return a === 'hash';
}

/**
 * Loads the keys every destination that can `hash` needs. A missing key is an error naming the
 * destination (never a fallback to a plain hash); a key no `hash` can reach is not read.
 */
export function loadStrategyKeys(strategy: StrategyDocument, env: NodeJS.ProcessEnv = process.env): StrategyContent['keys'] {
  const keys: StrategyContent['keys'] = {};
  const problems: ConfigProblem[] = [];
  let code: ContentErrorCode = 'CAIRN_STRATEGY_KEY_MISSING';
  for (const [name, d] of Object.entries(strategy.destinations)) {
    const uses = hashRules(d);
    if (uses.length === 0) continue;
    if (!d.key) {
      problems.push({ path: d.path, message: `destination ${name} uses \`hash\` (${uses.join(', ')}) but has no key: add keys: { default: { env: VAR, id: k1 } } or { file: path, id: k1 }; a plain hash is never used`, ...(d.location ? { location: d.location } : {}) });
      continue;
    }
    try {
      const source = { id: d.key.id, ...(d.key.env !== undefined ? { env: d.key.env } : {}), ...(d.key.file !== undefined ? { file: d.key.file } : {}) };
      const key = loadKey(source, d.key.path, env);
      keys[name] = { id: key.id, key: new Uint8Array(key.key) };
    } catch (error) {
      if (!(error instanceof PseudonymKeyError)) throw error;
      if (problems.length === 0) code = error.code;
      problems.push({ path: error.path, message: `destination ${name}: ${error.message.slice(error.path.length + 2)}`, ...(d.key.location ? { location: d.key.location } : {}) });
    }
  }
  if (problems.length > 0) throw new StrategyContentError(code, problems);
  return keys;
}

/**
 * Resolves `conventions:` with @cairn/conventions (its upstream as the registry's manifest says)
 * and runs its policies, as `cairn check` does. Findings of level error make it unusable: the
 * gateway would classify and rename by a registry its owners would not accept.
 */
export function loadConventions(dir: string, configSource: string): ResolvedRegistry {
  return checkConventions(dir, configSource).registry;
}

function checkConventions(dir: string, configSource: string): { registry: ResolvedRegistry; warnings: number } {
  const base = dirname(resolve(configSource));
  let loaded;
  try {
    loaded = checkDirectory(dir, { displayRoot: base, cwd: base });
  } catch (error) {
    throw new StrategyContentError('CAIRN_CONVENTIONS', [{ path: 'conventions', message: `registry ${dir} cannot be loaded: ${(error as Error).message.split('\n')[0]}` }]);
  }
  const errors = loaded.findings.filter((f) => f.level === 'error');
  if (errors.length > 0) {
    throw new StrategyContentError('CAIRN_CONVENTIONS', [{
      path: 'conventions',
      message: `registry ${dir} has ${errors.length} error${errors.length === 1 ? '' : 's'} (check it with \`cairn check ${dir}\`):\n  ${errors.slice(0, 20).map(formatFinding).join('\n  ')}${errors.length > 20 ? `\n  … and ${errors.length - 20} more` : ''}`,
    }]);
  }
  return { registry: loaded.registry, warnings: loaded.counts.warning };
}

/** Everything the workers need, or a StrategyContentError; nothing is half-loaded. */
export function loadStrategyContent(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): StrategyContent {
  const content: StrategyContent = { keys: {} };
  if (config.strategy) {
    content.strategy = config.strategy;
    content.keys = loadStrategyKeys(config.strategy, env);
  }
  if (config.conventions) {
    const checked = checkConventions(config.conventions, config.source);
    content.registry = checked.registry;
    content.registryWarnings = checked.warnings;
  }
  return content;
}
