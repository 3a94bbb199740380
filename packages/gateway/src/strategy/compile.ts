// Builds a CompiledStrategy (types.ts) from the plain StrategyContent: run on every processing
// thread (functions cannot cross threads) and on the main thread for `cairn strategy explain`.
import { RegistryIndex } from '@cairn/conventions';
import { compileCondition } from '../router/router.js';
import type { StrategyContent } from './content.js';
import type { DestinationDocument, RawAction, RawPolicy } from './document.js';
import { SENSITIVITIES, type Action, type CompiledStrategy, type DestinationStrategy, type Jurisdiction, type Override, type Policy, type Sensitivity } from './types.js';

const ALLOW: Action = Object.freeze({ kind: 'allow' });
const DROP: Action = Object.freeze({ kind: 'drop' });

export function toAction(raw: RawAction): Action {
  if (typeof raw === 'object') return { kind: 'truncate', max: raw.truncate };
  return raw === 'allow' ? ALLOW : raw === 'drop' ? DROP : { kind: raw };
}

/** What a class gets when the file says nothing: unchanged, except secrets, which are dropped. */
export function defaultAction(cls: Sensitivity): Action {
  return cls === 'secret' ? DROP : ALLOW;
}

/** `*` matches any run of characters; everything else is literal. */
export function globTest(pattern: string): (key: string) => boolean {
  if (!pattern.includes('*')) return (key) => key === pattern;
  const source = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const re = new RegExp(`^${source}$`, 's');
  return (key) => re.test(key);
}

function overridesOf(raw: Record<string, RawAction> | undefined, at: string): Override[] {
  return Object.entries(raw ?? {}).map(([pattern, action]) => ({ pattern, test: globTest(pattern), action: toAction(action), rule: `${at}overrides["${pattern}"]` }));
}

function policyOf(d: RawPolicy, base: Policy | undefined, at: string): Policy {
  const sensitivity = {} as Record<Sensitivity, Action>;
  const ruleOf = {} as Record<Sensitivity, string>;
  for (const cls of SENSITIVITIES) {
    const raw = d.sensitivity?.[cls];
    if (raw !== undefined) {
      sensitivity[cls] = toAction(raw);
      ruleOf[cls] = `${at}sensitivity.${cls}`;
    } else if (base) {
      sensitivity[cls] = base.sensitivity[cls];
      ruleOf[cls] = base.ruleOf[cls];
    } else {
      sensitivity[cls] = defaultAction(cls);
      ruleOf[cls] = `default.${cls}`;
    }
  }
  // A variant's overrides come first: first match wins, and the variant is the stricter one.
  const overrides = [...overridesOf(d.overrides, at), ...(base?.overrides ?? [])];
  return { sensitivity, unknown: d.unknown ?? base?.unknown ?? 'pass', overrides, ruleOf };
}

export interface CompileOptions {
  /** Called when a jurisdiction's `when` fails at run time (it then counts as false). */
  onConditionError?: (destination: string, index: number) => void;
}

function destinationOf(name: string, d: DestinationDocument, content: StrategyContent, options: CompileOptions): DestinationStrategy {
  const policy = policyOf(d, undefined, '');
  const jurisdictions: Jurisdiction[] = d.jurisdictions.map((j, i) => {
    const condition = compileCondition(j.when, `${d.path}.jurisdictions.${i}.when`);
    return {
      when: j.when,
      test: (resource: Record<string, unknown>) => {
        try {
          return condition({ resource }) === true;
        } catch {
          options.onConditionError?.(name, i);
          return false;
        }
      },
      policy: policyOf(j, policy, `jurisdictions[${i}].`),
    };
  });
  const key = content.keys[name];
  return { destination: name, policy, jurisdictions, ...(key ? { key: { id: key.id, key: Buffer.from(key.key) } } : {}), ...(d.sampling ? { sampling: d.sampling } : {}) };
}

/** The compiled strategy, or undefined when there is neither a strategy nor a registry. */
export function compileStrategy(content: StrategyContent, options: CompileOptions = {}): CompiledStrategy | undefined {
  if (!content.strategy && !content.registry) return undefined;
  const destinations = new Map<string, DestinationStrategy>();
  for (const [name, d] of Object.entries(content.strategy?.destinations ?? {})) destinations.set(name, destinationOf(name, d, content, options));
  return {
    destinations,
    ...(content.registry ? { registry: new RegistryIndex(content.registry) } : {}),
    source: content.strategy?.source ?? 'none',
    threads: Math.max(1, content.threads ?? 1),
  };
}
