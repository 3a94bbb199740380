// Classification: what the strategy knows about a key (its registry sensitivity, an override),
// and what the value detectors find in a string. Decisions depend on the destination's policy
// and are cached per policy; findings depend only on the value and are computed once per batch,
// whatever the number of destinations.
import type { RegistryIndex } from '@cairn/conventions';
import type { Action, Policy, Sensitivity } from '../../strategy/types.js';
import { scan, NO_FINDINGS, type DetectorId, type Finding } from './detectors/index.js';

export const enum Mode {
  /** Apply `action` to the whole value (allow, hash, mask, truncate, drop). */
  Act,
  /** Run the detectors and treat findings by class. */
  Scan,
}

export interface Decision {
  readonly mode: Mode;
  readonly action: Action;
  /** Ledger label: `overrides["url.full"]`, `sensitivity.pii`, `unknown`… */
  readonly rule: string;
}

const ALLOW: Action = { kind: 'allow' };
const DROP: Action = { kind: 'drop' };
const PASS: Decision = { mode: Mode.Act, action: ALLOW, rule: 'unknown' };
const SCAN: Decision = { mode: Mode.Scan, action: ALLOW, rule: 'unknown.scan' };
const UNKNOWN_DROP: Decision = { mode: Mode.Act, action: DROP, rule: 'unknown' };
const ALLOWLIST_DROP: Decision = { mode: Mode.Act, action: DROP, rule: 'unknown.allowlist' };

/** Detectors whose findings are secrets (credentials), not personal data. */
const SECRET_DETECTORS = new Set<DetectorId>(['private_key', 'jwt', 'api_key', 'bearer_token', 'url_credentials']);

export function findingClass(detector: DetectorId): Sensitivity {
  return SECRET_DETECTORS.has(detector) ? 'secret' : 'pii';
}

/** The registry's sensitivity for `key` (aliases resolved); null: declared without one; undefined: undeclared. */
export function registrySensitivity(registry: RegistryIndex | undefined, key: string): Sensitivity | null | undefined {
  if (registry === undefined) return undefined;
  const found = registry.lookup(key);
  if (found.kind === 'unknown') return undefined;
  return found.attribute.sensitivity ?? null;
}

/**
 * The decision for `key` under `policy`: overrides first (file order), then the registry's
 * sensitivity, then `unknown`. A key the registry declares without a sensitivity is not subject
 * to `drop`/`allowlist`, but its values are scanned under `unknown: scan`.
 */
export function decide(policy: Policy, registry: RegistryIndex | undefined, key: string): Decision {
  for (const o of policy.overrides) if (o.test(key)) return { mode: Mode.Act, action: o.action, rule: o.rule };
  const s = registrySensitivity(registry, key);
  if (s) return { mode: Mode.Act, action: policy.sensitivity[s], rule: policy.ruleOf[s] };
  switch (policy.unknown) {
    case 'scan': return SCAN;
    case 'pass': return PASS;
    case 'drop': return s === null ? PASS : UNKNOWN_DROP;
    case 'allowlist': return s === null ? PASS : ALLOWLIST_DROP;
  }
}

const MAX_CACHED = 4096;

/** `decide` with a per-policy cache (bounded: keys come from tenants). */
export class Decisions {
  private readonly cache = new WeakMap<Policy, Map<string, Decision>>();
  // The policy asked last and its map: consecutive calls are for the same policy.
  private lastPolicy: Policy | undefined;
  private lastMap: Map<string, Decision> | undefined;
  constructor(private readonly registry: RegistryIndex | undefined) {}

  // The last answer: the redactor asks for the same key twice in a row (wantsValue then value,
  // wantsScalar then scalar), and the rewriter hands out one string object per key, so === is cheap.
  private lastKey: string | undefined;
  private lastDecision: Decision | undefined;

  of(policy: Policy, key: string): Decision {
    if (key === this.lastKey && policy === this.lastPolicy) return this.lastDecision!;
    const d = this.lookup(policy, key);
    this.lastKey = key;
    this.lastDecision = d;
    return d;
  }

  private lookup(policy: Policy, key: string): Decision {
    let m = policy === this.lastPolicy ? this.lastMap : this.cache.get(policy);
    if (m === undefined) { m = new Map(); this.cache.set(policy, m); }
    this.lastPolicy = policy;
    this.lastMap = m;
    const hit = m.get(key);
    if (hit !== undefined) return hit;
    const d = decide(policy, this.registry, key);
    if (m.size < MAX_CACHED) m.set(key, d);
    return d;
  }
}

const MAX_CLEAN = 4096;
const MAX_CLEAN_LENGTH = 256;

/**
 * Findings per string occurrence for one batch. An occurrence is named by its byte offset in the
 * normalized request, which every destination's rewrite walks, so a value is scanned once per
 * batch; the finding is counted once, for the service that sent it.
 */
export class FindingsMemo {
  private readonly memo = new Map<number, readonly Finding[]>();
  /** Values the detectors found nothing in (bounded: values come from tenants). */
  private readonly clean = new Set<string>();
  private shared = false;
  /** Values scanned and detector findings counted this batch (for the benchmark's per-span cost). */
  scanned = 0;

  /** `shared`: more than one destination will ask, so remember the answers. */
  reset(shared: boolean): void {
    this.memo.clear();
    this.shared = shared;
  }

  findings(value: string, at: number, onFinding: (f: Finding) => void): readonly Finding[] {
    if (this.shared) {
      const known = this.memo.get(at);
      if (known !== undefined) return known;
    }
    // The detectors' answer depends on the value alone; values without findings (routes,
    // methods, host names) repeat in every span, and the rewriter hands out the same string
    // object for the same bytes, so the set lookup is cheap. Findings are never cached: each
    // occurrence is counted in the ledger.
    if (this.clean.has(value)) return NO_FINDINGS;
    this.scanned++;
    const found = scan(value);
    if (found === NO_FINDINGS && value.length <= MAX_CLEAN_LENGTH) {
      if (this.clean.size >= MAX_CLEAN) this.clean.clear();
      this.clean.add(value);
    }
    if (found !== NO_FINDINGS) for (const f of found) onFinding(f);
    if (this.shared) this.memo.set(at, found);
    return found;
  }
}
