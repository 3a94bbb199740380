// Test support: CompiledStrategy objects built directly in code (the strategy file's loader
// compiles the same shape from YAML), and the example org registry as a RegistryIndex.
import { fileURLToPath } from 'node:url';
import { loadRegistry, RegistryIndex } from '@cairn/conventions';
import type { Action, CompiledStrategy, DestinationStrategy, Jurisdiction, Policy, Sensitivity, UnknownMode } from '../strategy/types.js';
import { SENSITIVITIES } from '../strategy/types.js';

export type ActionSpec = 'allow' | 'hash' | 'mask' | 'drop' | { truncate: number };

export interface PolicySpec {
  sensitivity?: Partial<Record<Sensitivity, ActionSpec>>;
  unknown?: UnknownMode;
  overrides?: Record<string, ActionSpec>;
}

export interface DestinationSpec extends PolicySpec {
  /** The HMAC key (id `k1` unless given as `{ id, key }`). */
  key?: string | { id: string; key: string };
  jurisdictions?: { when: (resource: Record<string, unknown>) => boolean; sensitivity?: PolicySpec['sensitivity']; unknown?: UnknownMode }[];
}

export function actionOf(spec: ActionSpec): Action {
  if (typeof spec === 'object') return { kind: 'truncate', max: spec.truncate };
  return { kind: spec };
}

/** `*` matches any run of characters; everything else is literal. */
export function globTest(pattern: string): (key: string) => boolean {
  if (!pattern.includes('*')) return (key) => key === pattern;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (key) => re.test(key);
}

const DEFAULTS: Record<Sensitivity, ActionSpec> = { public: 'allow', internal: 'allow', pii: 'allow', secret: 'drop' };

function policyOf(spec: PolicySpec, base: Policy | undefined, prefix: string): Policy {
  const sensitivity = {} as Record<Sensitivity, Action>;
  const ruleOf = {} as Record<Sensitivity, string>;
  for (const s of SENSITIVITIES) {
    const given = spec.sensitivity?.[s];
    if (given !== undefined) { sensitivity[s] = actionOf(given); ruleOf[s] = `${prefix}sensitivity.${s}`; }
    else if (base) { sensitivity[s] = base.sensitivity[s]; ruleOf[s] = base.ruleOf[s]; }
    else { sensitivity[s] = actionOf(DEFAULTS[s]); ruleOf[s] = s === 'secret' ? 'default.secret' : `default.${s}`; }
  }
  const overrides = Object.entries(spec.overrides ?? {}).map(([pattern, a]) => ({ pattern, test: globTest(pattern), action: actionOf(a), rule: `overrides[${JSON.stringify(pattern)}]` }));
  return { sensitivity, ruleOf, unknown: spec.unknown ?? base?.unknown ?? 'pass', overrides: overrides.length ? overrides : base?.overrides ?? [] };
}

/** A CompiledStrategy from a compact spec, as the loader would compile the strategy file. */
export function compileForTest(destinations: Record<string, DestinationSpec>, registry?: RegistryIndex): CompiledStrategy {
  const map = new Map<string, DestinationStrategy>();
  for (const [name, spec] of Object.entries(destinations)) {
    const policy = policyOf(spec, undefined, '');
    const jurisdictions: Jurisdiction[] = (spec.jurisdictions ?? []).map((j, i) => ({
      when: `test jurisdiction ${i}`,
      test: j.when,
      policy: policyOf({ sensitivity: j.sensitivity, unknown: j.unknown }, policy, `jurisdictions[${i}].`),
    }));
    const k = spec.key === undefined ? undefined : typeof spec.key === 'string' ? { id: 'k1', key: Buffer.from(spec.key) } : { id: spec.key.id, key: Buffer.from(spec.key.key) };
    map.set(name, { destination: name, policy, jurisdictions, ...(k ? { key: k } : {}) });
  }
  return { destinations: map, ...(registry ? { registry } : {}), source: 'test' };
}

let example: RegistryIndex | undefined;
/** The example org registry (examples/conventions) over the built-in upstream semantic conventions. */
export function exampleRegistry(): RegistryIndex {
  if (!example) {
    const dir = fileURLToPath(new URL('../../../../examples/conventions', import.meta.url));
    example = new RegistryIndex(loadRegistry(dir).registry);
  }
  return example;
}
