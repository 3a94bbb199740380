// Redaction, per destination, after routing: one rewrite of the normalized request applies the
// destination's policy (or, per resource, its first matching jurisdiction variant) to every
// attribute, span and event name and log body, and leaves out the resources not routed there.
import { PLACE_NAMES, Rewriter, type Place, type BatchView, type RewriteVisitor, type Signal } from '@cairn/otlp';
import type { Action, DestinationStrategy, Policy, Sensitivity } from '../../strategy/types.js';
import { Decisions, findingClass, hashOf, Mode, type FindingsMemo } from '../classify/classify.js';
import { redactMatches, sanitizeQuery, sanitizeSql, sanitizeUrl, type Finding } from '../classify/detectors/index.js';
import { ledgerWrites, type LedgerRecorder } from '../ledger.js';
import { mask, Pseudonymiser, truncate } from './pseudonymise.js';

/** What a span name or log body becomes when its action is `drop`. */
export const DROPPED = '[dropped]';

// A Map, not an object literal: a sender's key `constructor` must not find Object.prototype's.
const SANITIZERS = new Map<string, [(v: string) => string, string]>([
  ['url.full', [sanitizeUrl, 'sanitizer.url']],
  ['http.target', [sanitizeUrl, 'sanitizer.url']],
  ['url.query', [sanitizeQuery, 'sanitizer.query']],
  ['db.query.text', [sanitizeSql, 'sanitizer.sql']],
  ['db.statement', [sanitizeSql, 'sanitizer.sql']],
]);

/** Whether values of `key` go through a sanitizer (URL, query, SQL) before the policy. */
export function hasSanitizer(key: string): boolean {
  return SANITIZERS.has(key);
}

/**
 * One destination's pseudonyms, with up to MEMO_SIZE recent answers remembered: user ids,
 * addresses and e-mails repeat across spans, and an HMAC costs about a microsecond. The memo is
 * direct-mapped by a hash of the value's characters, so a lookup or a replacement costs no Map
 * insertion and nothing is ever cleared wholesale (a Map emptied when full measured ~4% of the
 * strategy's time on the bench corpus, whose addresses rarely repeat). It lives in the
 * processing thread, which holds the clear values anyway.
 *
 * A miss is stored with probability 1/4. A stored pair outlives the next scavenge (the arrays are
 * old), so each store promotes two strings; where values rarely repeat that costs more than the
 * hits save (~200 ns a span on the bench corpus, `strategy-actions.js`, hash − mask), and storing
 * one miss in four took ~120 ns of it back in 3 of 4 pairs of runs. A value that does repeat is
 * admitted after about four misses, and hits from then on. The choice is random (xorshift), not
 * every fourth miss: a value that came back every other miss would never have been admitted.
 */
export class PseudonymCache {
  private readonly p: Pseudonymiser;
  private readonly inputs: string[] = new Array<string>(MEMO_SIZE).fill('');
  private readonly outputs: string[] = new Array<string>(MEMO_SIZE).fill('');
  /** hashOf of each slot's input, compared before it (classify.ts: hashOf). */
  private readonly hashes = new Int32Array(MEMO_SIZE);
  private random = 0x9e3779b9;
  constructor(key: NonNullable<DestinationStrategy['key']>) {
    this.p = new Pseudonymiser(key);
  }

  hash(value: string): string {
    const h = hashOf(value);
    const slot = h & (MEMO_SIZE - 1);
    // '' is never a cached input: its slot starts out holding ''.
    if (value.length > 0 && this.hashes[slot] === h && this.inputs[slot] === value) return this.outputs[slot]!;
    const out = this.p.hash(value);
    let x = this.random;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.random = x;
    if (x >>> 30 === 0) {
      this.hashes[slot] = h;
      this.inputs[slot] = value;
      this.outputs[slot] = out;
    }
    return out;
  }
}

/** A power of two. */
const MEMO_SIZE = 8192;

/** One destination's pseudonymiser, built once per key (an HMAC KeyObject import). */
const pseudonymisers = new WeakMap<DestinationStrategy, PseudonymCache>();
function pseudonymiserOf(dest: DestinationStrategy): PseudonymCache | undefined {
  let p = pseudonymisers.get(dest);
  if (p === undefined && dest.key !== undefined) { p = new PseudonymCache(dest.key); pseudonymisers.set(dest, p); }
  return p;
}

/** A number per policy object, for the rewriter's memo contexts. */
const policyIds = new WeakMap<Policy, number>();
let nextPolicyId = 1;
function policyId(policy: Policy): number {
  let id = policyIds.get(policy);
  if (id === undefined) { id = nextPolicyId++; policyIds.set(policy, id); }
  return id;
}

/** Raised when a `hash` action is reached at a destination without a key (the loader refuses such a strategy). */
export class MissingKeyError extends Error {
  readonly code = 'CAIRN_STRATEGY_KEY_MISSING';
  constructor(destination: string) {
    super(`destinations.${destination}: a hash action needs keys.default; refusing to write an unkeyed hash`);
  }
}

export interface RedactInput {
  readonly signal: Signal;
  /** The normalized request and its view. */
  readonly bytes: Uint8Array;
  readonly view: BatchView;
  readonly dest: DestinationStrategy;
  /** Resources routed to this destination; undefined: all. */
  readonly routed: ReadonlySet<number> | undefined;
  /** Per resource: the index of its jurisdiction variant, or -1 (computed once per batch). */
  readonly jurisdiction: Int32Array;
  readonly findings: FindingsMemo;
  readonly ledger: LedgerRecorder;
  /** false: another walk of the batch counts the detector findings (each occurrence once). */
  readonly countFindings?: boolean;
}

export class Redactor implements RewriteVisitor {
  private readonly rewriter: Rewriter;
  private readonly decisions: Decisions;
  private input!: RedactInput;
  private policy!: Policy;
  /** The rewriter's memo context for the current policy, less the place; 0: no memo. */
  private memoBase = 0;
  private hasher: PseudonymCache | undefined;
  private service = '';
  /** The key (or place) being scanned, for the findings ledger. */
  private scanKey = '';
  private readonly onFinding = (f: Finding): void => {
    if (this.input.countFindings !== false) this.input.ledger.finding(this.service, this.scanKey, f.detector);
  };
  private readonly replacePart = (match: string, f: Finding): string => this.partReplacement(match, f);

  constructor(decisions: Decisions) {
    this.decisions = decisions;
    this.rewriter = new Rewriter();
  }

  /** The destination's request; `bytes` itself when nothing had to change. */
  redact(input: RedactInput): Uint8Array {
    this.prepare(input);
    return this.rewriter.rewrite(input.signal, input.bytes, this);
  }

  /** Sets the destination for visits driven by another walk (the fused content walk). */
  prepare(input: RedactInput): void {
    this.input = input;
    this.policy = input.dest.policy;
    this.hasher = pseudonymiserOf(input.dest);
    this.memoBase = this.memoBaseOf(this.policy);
  }

  /**
   * What decides a visit besides the bytes is the policy (jurisdiction variant) and the place:
   * the registry, the sanitizers and the detectors are fixed, and the destination's key and name
   * only matter to visits that change something or count. A walk whose findings another walk
   * counts (`countFindings: false`) may leave a finding uncounted, so it is not memoized.
   */
  private memoBaseOf(policy: Policy): number {
    if (this.input.countFindings === false) return 0;
    // 32 places per policy; ids stay below 2^26 for any number of reloads a process will see.
    return (policyId(policy) & 0x3ffffff) * 32 + 1;
  }

  memoContext(place: Place): number {
    return this.memoBase === 0 ? 0 : this.memoBase + place;
  }

  effects(): number {
    return ledgerWrites();
  }

  resource(index: number): boolean {
    const { routed, jurisdiction, dest, view } = this.input;
    if (routed !== undefined && !routed.has(index)) return false;
    const j = jurisdiction[index]!;
    const policy = j < 0 ? dest.policy : dest.jurisdictions[j]!.policy;
    if (policy !== this.policy) { this.policy = policy; this.memoBase = this.memoBaseOf(policy); }
    this.service = view.serviceName(index);
    return true;
  }

  key(_place: Place, key: string, depth: number): null | undefined {
    if (depth > 0) return undefined;
    const d = this.decisions.of(this.policy, key);
    if (d.mode === Mode.Act && d.action.kind === 'drop') {
      this.count(key, 'drop', d.rule);
      return null;
    }
    return undefined;
  }

  /** Values of allowed keys without a sanitizer are not even decoded. */
  wantsValue(_place: Place, key: string): boolean {
    if (key === '') return this.policy.unknown !== 'pass';
    const d = this.decisions.of(this.policy, key);
    return d.mode === Mode.Scan || d.action.kind !== 'allow' || SANITIZERS.has(key);
  }

  value(place: Place, key: string, value: string, at: number, _depth: number): string | null | undefined {
    if (key === '') {
      // Names and bodies: no key to classify, so they are scanned unless unknown content passes.
      if (this.policy.unknown === 'pass') return undefined;
      return this.scanned(PLACE_NAMES[place]!, value, at, false);
    }
    const d = this.decisions.of(this.policy, key);
    let v = value;
    const sanitizer = SANITIZERS.get(key);
    if (sanitizer !== undefined) {
      v = sanitizer[0](value);
      if (v !== value) this.count(key, 'sanitize', sanitizer[1]);
    }
    if (d.mode === Mode.Scan) {
      const out = this.scanned(key, v, at, true);
      return out === undefined ? (v === value ? undefined : v) : out;
    }
    if (d.action.kind === 'allow') return v === value ? undefined : v;
    this.count(key, d.action.kind, d.rule);
    return this.transform(d.action, v, undefined);
  }

  wantsScalar(_place: Place, key: string, depth: number): boolean {
    if (key === '') return false;
    const d = this.decisions.of(this.policy, key);
    void depth;
    return d.mode === Mode.Act && d.action.kind !== 'allow' && d.action.kind !== 'drop';
  }

  scalar(_place: Place, key: string, text: string): string | null {
    const d = this.decisions.of(this.policy, key);
    this.count(key, d.action.kind, d.rule);
    return this.transform(d.action, text, undefined);
  }

  /** Detector findings in `v` replaced per their class's action; undefined when none. */
  private scanned(key: string, v: string, at: number, droppable: boolean): string | null | undefined {
    this.scanKey = key;
    const found = this.input.findings.findings(v, at, this.onFinding);
    if (found.length === 0) return undefined;
    // A whole-value finding whose class drops: the attribute (or element) goes.
    if (found.length === 1 && found[0]!.start === 0 && found[0]!.end === v.length) {
      const cls = findingClass(found[0]!.detector);
      if (this.policy.sensitivity[cls].kind === 'drop') {
        this.count(key, 'drop', this.policy.ruleOf[cls]);
        if (droppable) return null;
        return DROPPED;
      }
    }
    const out = redactMatches(v, found, this.replacePart);
    return out === v ? undefined : out;
  }

  private partReplacement(match: string, f: Finding): string {
    const cls: Sensitivity = findingClass(f.detector);
    const action = this.policy.sensitivity[cls];
    if (action.kind === 'allow') return match;
    this.count(this.scanKey, action.kind, this.policy.ruleOf[cls]);
    return this.transform(action, match, f.detector);
  }

  private transform(action: Action, v: string, detector: string | undefined): string {
    switch (action.kind) {
      case 'allow': return v;
      case 'hash':
        if (this.hasher === undefined) throw new MissingKeyError(this.input.dest.destination);
        return this.hasher.hash(v);
      case 'mask': return mask(v, detector);
      case 'truncate': return truncate(v, action.max);
      case 'drop': return DROPPED;
    }
  }

  private count(key: string, action: string, rule: string): void {
    this.input.ledger.action(this.input.dest.destination, key, action, rule);
  }
}

/** Per resource, the index of the first jurisdiction whose `when` holds, or -1. */
export function jurisdictionsOf(view: BatchView, dest: DestinationStrategy, ledger: LedgerRecorder): Int32Array {
  const out = new Int32Array(view.resourceCount).fill(-1);
  if (dest.jurisdictions.length === 0) return out;
  for (let r = 0; r < view.resourceCount; r++) {
    const attrs = resourceRecord(view, r);
    for (let j = 0; j < dest.jurisdictions.length; j++) {
      let holds = false;
      try { holds = dest.jurisdictions[j]!.test(attrs); } catch { ledger.jurisdictionError(); }
      if (holds) { out[r] = j; break; }
    }
  }
  return out;
}

function resourceRecord(view: BatchView, r: number): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const a = view.resourceAttributes(r);
  while (a.next()) out[a.key] = a.value;
  return out;
}

