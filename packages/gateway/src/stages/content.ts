// The content stages of one processing thread, around the router: `normalize` once per batch
// (shared), then `redact` per destination with an entry in the strategy. Holds the per-thread
// state (rewriters, decision caches, the batch's findings and ledger) so the hot path allocates
// nothing per span.
import type { BatchView, Signal } from '@cairn/otlp';
import type { CompiledStrategy, DestinationStrategy } from '../strategy/types.js';
import { Decisions, FindingsMemo } from './classify/classify.js';
import { LedgerRecorder, type LedgerDelta } from './ledger.js';
import { Normalizer } from './normalize/normalize.js';
import { FusedContentWalk } from './fused.js';
import { jurisdictionsOf, MissingKeyError, Redactor, type RedactInput } from './redact/redact.js';
import type { Policy } from '../strategy/types.js';

export class ContentStages {
  readonly strategy: CompiledStrategy;
  private readonly normalizer = new Normalizer();
  private readonly redactor: Redactor;
  private readonly findings = new FindingsMemo();
  private readonly ledger = new LedgerRecorder();
  /** Where a fused walk's normalization counts go when another walk of the batch counted them. */
  private readonly uncounted = new LedgerRecorder();
  private readonly fused: FusedContentWalk;

  /** Throws MissingKeyError (naming the destination) when a `hash` is reachable without a key. */
  constructor(strategy: CompiledStrategy) {
    for (const dest of strategy.destinations.values()) {
      if (dest.key === undefined && [dest.policy, ...dest.jurisdictions.map((j) => j.policy)].some(hashes)) throw new MissingKeyError(dest.destination);
    }
    this.strategy = strategy;
    this.redactor = new Redactor(new Decisions(strategy.registry));
    this.fused = new FusedContentWalk(this.normalizer, this.redactor);
  }

  /**
   * Whether this batch may take the fused walk (`normalizeAndRedact`): normalization changes no
   * resource attribute, so routing and jurisdictions read the same values in the request as sent.
   */
  fusable(view: BatchView): boolean {
    const registry = this.strategy.registry;
    return registry === undefined || !this.normalizer.changesResources(view, registry);
  }

  /**
   * The request for one destination, normalized and redacted in one walk over the request as
   * sent. `countNormalization`: this walk's renames and coercions go to the ledger (exactly one
   * walk per batch counts them, and it must cover every resource).
   */
  normalizeAndRedact(view: BatchView, dest: DestinationStrategy, routed: readonly number[] | 'all', countNormalization: boolean): Uint8Array {
    const registry = this.strategy.registry;
    if (registry === undefined) return this.redact(view, dest, routed);
    this.normalizer.prepare(registry, countNormalization ? this.ledger : this.uncounted);
    const out = this.fused.rewrite(this.redactInput(view, dest, routed));
    if (!countNormalization) this.uncounted.take();
    return out;
  }

  /** The destination's strategy entry, or undefined: that destination gets the bytes as sent. */
  entry(destination: string): DestinationStrategy | undefined {
    return this.strategy.destinations.get(destination);
  }

  /** Starts a batch: `destinations` is how many routed destinations have an entry. */
  begin(destinations: number): void {
    this.findings.reset(destinations > 1);
  }

  /** Aliases and renamed keys made canonical, lossless int coercions; `bytes` itself when nothing changed. */
  normalize(signal: Signal, bytes: Uint8Array): Uint8Array {
    const registry = this.strategy.registry;
    if (registry === undefined) return bytes;
    return this.normalizer.normalize(signal, bytes, registry, this.ledger);
  }

  /** The request for one destination: its routed resources, redacted per its policy. */
  redact(view: BatchView, dest: DestinationStrategy, routed: readonly number[] | 'all'): Uint8Array {
    return this.redactor.redact(this.redactInput(view, dest, routed));
  }

  private redactInput(view: BatchView, dest: DestinationStrategy, routed: readonly number[] | 'all'): RedactInput {
    return {
      signal: view.signal,
      bytes: view.bytes,
      view,
      dest,
      routed: routed === 'all' ? undefined : new Set(routed),
      jurisdiction: jurisdictionsOf(view, dest, this.ledger),
      findings: this.findings,
      ledger: this.ledger,
    };
  }

  /** Values the detectors looked at since the last call (the benchmark's denominator). */
  takeScanned(): number {
    const n = this.findings.scanned;
    this.findings.scanned = 0;
    return n;
  }

  /** The batch's ledger counters; the recorder starts empty again. */
  takeLedger(): LedgerDelta {
    return this.ledger.take();
  }
}

function hashes(policy: Policy): boolean {
  return Object.values(policy.sensitivity).some((a) => a.kind === 'hash') || policy.overrides.some((o) => o.action.kind === 'hash');
}
