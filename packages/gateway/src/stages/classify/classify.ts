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

/** A power of two. */
const CLEAN_SLOTS = 4096;
const MAX_CLEAN_LENGTH = 256;

/**
 * A 32-bit hash of `value`, for direct-mapped memos: `hash & (slots - 1)` picks the slot (FNV-1a
 * over the length and the UTF-16 units), so a lookup costs one hash and one comparison, with no
 * Map insertion or wholesale clearing, and a colliding value only evicts. Past 16 units only 16
 * are hashed (the first and last six, where ids, addresses and paths differ, and four spread
 * between): the memo compares whole strings, so a weaker hash only costs misses, and hashing every
 * unit of the bench corpus's values was ~8% of the strategy's profile. A memo also keeps the hash
 * beside each value and compares it first, so a miss reads no string. Its values are strings
 * scattered over the old generation, and reading one that is not the value (most lookups, where
 * values rarely repeat) was a cache miss: the pseudonym memo's compare alone was 4.6% of the
 * default strategy's profile (one thread, --cpu-prof, positionTicks).
 */
export function hashOf(value: string): number {
  const n = value.length;
  let h = 0x811c9dc5 ^ n;
  if (n <= 16) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < 6; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
    const step = ((n - 12) / 5) | 0;
    for (let k = 1; k <= 4; k++) h = Math.imul(h ^ value.charCodeAt(6 + k * step - 1), 0x01000193);
    for (let i = n - 6; i < n; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  }
  return h ^ (h >>> 16);
}

/**
 * Findings per string occurrence for one batch. An occurrence is named by its byte offset in the
 * normalized request, which every destination's rewrite walks, so a value is scanned once per
 * batch; the finding is counted once, for the service that sent it.
 */
export class FindingsMemo {
  private readonly memo = new Map<number, readonly Finding[]>();
  /** Values the detectors found nothing in, direct-mapped (bounded: values come from tenants). */
  private readonly clean: string[] = new Array<string>(CLEAN_SLOTS).fill('');
  /** hashOf of each slot's value, compared before it. */
  private readonly cleanHashes = new Int32Array(CLEAN_SLOTS);
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
    // methods, host names) repeat in every span. A set emptied when full measured ~5% of the
    // profile on the bench corpus (unique paths churned it), hence slots. Findings are never
    // cached: each occurrence is counted in the ledger.
    const h = value.length <= MAX_CLEAN_LENGTH ? hashOf(value) : 0;
    const slot = value.length <= MAX_CLEAN_LENGTH ? h & (CLEAN_SLOTS - 1) : -1;
    if (slot >= 0 && value.length > 0 && this.cleanHashes[slot] === h && this.clean[slot] === value) return NO_FINDINGS;
    this.scanned++;
    const found = scan(value);
    if (found === NO_FINDINGS && slot >= 0) { this.clean[slot] = value; this.cleanHashes[slot] = h; }
    if (found !== NO_FINDINGS) for (const f of found) onFinding(f);
    if (this.shared) this.memo.set(at, found);
    return found;
  }
}
