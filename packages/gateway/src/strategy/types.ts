// The data strategy, compiled: what each class of data may become at each destination. The
// strategy file (`strategy:` in cairn.yaml, a path or an inline mapping) is validated and compiled
// once per config load (and again on SIGHUP) into these plain tables; the content stages
// (stages/normalize, stages/classify, stages/redact) read them per attribute on the hot path.
//
// Processing threads cannot receive functions: the main thread loads the file, the keys and the
// resolved registry (plain data, structured-cloned to each thread), and each thread compiles its
// own CompiledStrategy from them. A reload builds a new one everywhere and swaps it between batches.
//
// This file is the contract between the strategy loader (strategy/load.ts, compile.ts) and the
// stages. Keep it free of behaviour.
import type { RegistryIndex } from '@cairn/conventions';
import type { SamplingDocument } from '../stages/sample/config.js';

/** The sensitivity classes of the registry (`annotations.cairn.sensitivity`). */
export type Sensitivity = 'public' | 'internal' | 'pii' | 'secret';
export const SENSITIVITIES: readonly Sensitivity[] = ['public', 'internal', 'pii', 'secret'];

/** What a value becomes at a destination. */
export type Action =
  | { readonly kind: 'allow' }
  /** HMAC-SHA256 with the destination's key: `hmac:<key id>:<digest>` (stages/redact/pseudonymise.ts). */
  | { readonly kind: 'hash' }
  | { readonly kind: 'mask' }
  /** Keeps at most `max` bytes of UTF-8, cut on a character boundary. */
  | { readonly kind: 'truncate'; readonly max: number }
  /** The attribute is removed (in a span name or a log body, the value is replaced by `[dropped]`). */
  | { readonly kind: 'drop' };

/**
 * Keys no registry declaration covers:
 * - `pass`: kept as sent;
 * - `scan`: every string value goes through the value detectors, and a finding is treated as
 *   the `pii` class (a secret-like detector — keys, tokens, private keys, URL credentials — as
 *   `secret`) for the matching part only;
 * - `drop`: removed;
 * - `allowlist`: fail closed, only registry keys pass.
 */
export type UnknownMode = 'pass' | 'scan' | 'drop' | 'allowlist';

/** A key or glob (`http.request.header.*`) with its action; first match in file order wins. */
export interface Override {
  readonly pattern: string;
  readonly test: (key: string) => boolean;
  readonly action: Action;
  /** Where it was written, for the ledger's `rule` label and for errors: `overrides["url.full"]`. */
  readonly rule: string;
}

/** One pseudonymisation key; the id travels in the output so keys can rotate. */
export interface StrategyKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The policy for one destination, or for one jurisdiction variant of it. */
export interface Policy {
  /** Action per sensitivity class. `secret` is `drop` unless the file allows it explicitly. */
  readonly sensitivity: Readonly<Record<Sensitivity, Action>>;
  readonly unknown: UnknownMode;
  readonly overrides: readonly Override[];
  /** Rule label of each class's action for the ledger, e.g. `sensitivity.pii` or `jurisdictions[0].sensitivity.pii`. */
  readonly ruleOf: Readonly<Record<Sensitivity, string>>;
}

export interface Jurisdiction {
  /** The CEL text over `resource["…"]`, as written. */
  readonly when: string;
  /** Compiled once; true switches this variant on for that resource. A run-time error counts as false and is counted. */
  readonly test: (resource: Record<string, unknown>) => boolean;
  /** The destination's policy with this variant's stricter entries laid over it. */
  readonly policy: Policy;
}

export interface DestinationStrategy {
  readonly destination: string;
  readonly policy: Policy;
  /** In file order; the first whose `when` holds for a resource applies to that resource. */
  readonly jurisdictions: readonly Jurisdiction[];
  /** The default key (`keys.default`); required when any reachable action is `hash`. */
  readonly key?: StrategyKey;
  /** Volume (stages/sample), as validated: each thread compiles its own samplers from it. */
  readonly sampling?: SamplingDocument;
}

export interface CompiledStrategy {
  /** Destinations with an entry. A destination without one is left unchanged. */
  readonly destinations: ReadonlyMap<string, DestinationStrategy>;
  /**
   * The resolved registry (`conventions:` in cairn.yaml): sensitivity and owner per key,
   * aliases and `renamed_to` for normalization. Undefined when no registry is configured:
   * every key is then unknown.
   */
  readonly registry?: RegistryIndex;
  /** Where the strategy came from (a file path, or `cairn.yaml#strategy` when inline). */
  readonly source: string;
  /**
   * Processing threads sharing the load: per-second goals and budgets are divided by it, since
   * each thread samples its share of the traffic with its own state (stages/sample/README.md). Default 1.
   */
  readonly threads?: number;
}
