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
import { ContentLens } from './invariance.js';
import type { TracesView } from '@cairn/otlp';
import { jurisdictionsOf, MissingKeyError, Redactor, type RedactInput } from './redact/redact.js';
import type { Policy } from '../strategy/types.js';

export class ContentStages {
  readonly strategy: CompiledStrategy;
  private readonly normalizer: Normalizer;
  private readonly redactor: Redactor;
  private readonly findings = new FindingsMemo();
  /** For walks of a sampler's kept spans: their byte offsets are not the batch's, so not shared. */
  private readonly keptFindings = new FindingsMemo();
  private readonly ledger = new LedgerRecorder();
  /** Where a fused walk's normalization counts go when another walk of the batch counted them. */
  private readonly uncounted = new LedgerRecorder();
  private readonly fused: FusedContentWalk;
  /** For samplers that decide first: values as the walk will write them (`lens`). */
  private readonly previewer: Redactor;
  private readonly previewFindings = new FindingsMemo();
  private readonly previewLedger = new LedgerRecorder();
  private readonly contentLens: ContentLens;

  /**
   * Throws MissingKeyError (naming the destination) when a `hash` is reachable without a key.
   */
  constructor(strategy: CompiledStrategy) {
    for (const dest of strategy.destinations.values()) {
      if (dest.key === undefined && [dest.policy, ...dest.jurisdictions.map((j) => j.policy)].some(hashes)) throw new MissingKeyError(dest.destination);
    }
    this.strategy = strategy;
    this.normalizer = new Normalizer();
    this.redactor = new Redactor(new Decisions(strategy.registry));
    this.fused = new FusedContentWalk(this.normalizer, this.redactor);
    this.previewer = new Redactor(new Decisions(strategy.registry));
    this.contentLens = new ContentLens(this.previewer);
  }

  /** A lens on what `dest`'s walk of `view` will write, for a sampler deciding before it. */
  lens(view: TracesView, dest: DestinationStrategy): ContentLens {
    this.previewFindings.reset(false);
    this.previewLedger.take();
    this.previewer.prepare({
      signal: 'traces', bytes: view.bytes, view, dest, routed: undefined,
      jurisdiction: jurisdictionsOf(view, dest, this.previewLedger), findings: this.previewFindings, ledger: this.previewLedger, countFindings: false,
    });
    this.contentLens.begin();
    return this.contentLens;
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
    return this.fusedWalk(this.redactInput(view, dest, routed), countNormalization);
  }

  /**
   * The content walk of a destination whose sampler decided first (stages/invariance.ts), over
   * `view`, the request cut to the spans it keeps. `fused`: normalize in the same walk (the batch
   * was not normalized before routing). Normalization counts go to the ledger only when
   * `countNormalization`, detector findings only when `countFindings`: when a walk of the whole
   * batch counts them, this one must not count its spans a second time.
   */
  walkKept(view: BatchView, dest: DestinationStrategy, fused: boolean, countNormalization: boolean, countFindings: boolean): Uint8Array {
    this.keptFindings.reset(false);
    const input: RedactInput = { ...this.redactInput(view, dest, 'all'), findings: this.keptFindings, countFindings };
    return fused ? this.fusedWalk(input, countNormalization) : this.redactor.redact(input);
  }

  /** Normalize and redact `input` in one walk (redact alone without a registry); see normalizeAndRedact. */
  private fusedWalk(input: RedactInput, countNormalization: boolean): Uint8Array {
    const registry = this.strategy.registry;
    if (registry === undefined) return this.redactor.redact(input);
    this.normalizer.prepare(registry, countNormalization ? this.ledger : this.uncounted);
    const out = this.fused.rewrite(input);
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
