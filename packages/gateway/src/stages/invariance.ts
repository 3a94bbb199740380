// Which values a destination's content walk (normalize, then redact per its policy and every
// jurisdiction variant) leaves exactly as sent. A sampler whose every read is such a value
// decides the same on the request as sent as on the walked one, so the gateway can decide first
// and walk only the spans it keeps: at 1 in 20, the walk (the strategy's main cost) then runs on
// 5% of the spans. Anything this cannot prove is treated as changed, and the sampler then runs
// after the walk, as before.
import type { RegistryIndex } from '@cairn/conventions';
import { Place } from '@cairn/otlp';
import type { CompiledStrategy, DestinationStrategy, Policy } from '../strategy/types.js';
import { decide, Mode } from './classify/classify.js';
import { canonicalKey, isIntKey } from './normalize/normalize.js';
import { hasSanitizer, type Redactor } from './redact/redact.js';

/**
 * How a value is read: `text` as the dynamic sampler's key text, through a `ContentLens` (an int
 * coerced from its lossless string prints the same; a scanned string is redacted as the walk
 * would); `cel` by a rule, with its OTLP type and no lens (a coercion or a scan changes it).
 */
export type ReadUse = 'text' | 'cel';

export class ContentInvariance {
  private readonly registry: RegistryIndex | undefined;
  /** Keys that normalization writes: the canonical names of aliases and renamed attributes. */
  private readonly renameTargets = new Set<string>();

  constructor(strategy: CompiledStrategy) {
    this.registry = strategy.registry;
    const registry = this.registry?.registry;
    if (registry === undefined) return;
    for (const canonical of Object.values(registry.aliases)) this.renameTargets.add(canonical);
    for (const a of registry.attributes) {
      if (a.deprecated?.reason === 'renamed' && a.deprecated.renamedTo !== a.key) this.renameTargets.add(a.deprecated.renamedTo);
    }
  }

  /**
   * Whether attribute `key` (at any place) reaches `dest` with the key and value it was sent
   * with: not renamed, not a rename target, and allowed as is by every policy of the destination
   * (no scan, hash, mask, truncate, drop or sanitizer).
   */
  key(dest: DestinationStrategy, key: string, use: ReadUse): boolean {
    const registry = this.registry;
    if (registry !== undefined && (canonicalKey(registry, key) !== undefined || this.renameTargets.has(key))) return false;
    const intKey = registry !== undefined && isIntKey(registry, key);
    // A rule sees the coerced type, and the value a sanitizer rewrote.
    if (use === 'cel' && (intKey || hasSanitizer(key))) return false;
    for (const policy of policies(dest)) {
      const d = decide(policy, registry, key);
      if (d.mode === Mode.Scan) {
        // A scanned string changes only where the detectors find something, and the lens redacts
        // it so for a key; not for a rule, nor for an int-typed key (the walk coerces it and
        // scans nothing, the lens would scan the string sent).
        if (use === 'cel' || intKey) return false;
      } else if (d.action.kind !== 'allow') {
        // A whole-value action (hash, mask…) also applies to ints, which the lens does not see.
        return false;
      }
    }
    return true;
  }

  /** Whether span names reach `dest` as sent: they are scanned unless unknown content passes. */
  names(dest: DestinationStrategy): boolean {
    return policies(dest).every((p) => p.unknown === 'pass');
  }
}

/**
 * What one destination's walk makes of a top-level string value, asked before the walk: a
 * redactor prepared for the batch with the destination's policy and jurisdictions, counting into
 * a ledger nobody reads (the walk of the kept spans counts what is sent).
 */
export class ContentLens {
  private resource = -1;

  constructor(private readonly redactor: Redactor) {}

  /** Starts a batch (the redactor is prepared for it). */
  begin(): void {
    this.resource = -1;
  }

  /** The value of span attribute `key` ('' for the span name) of a span of resource `r` after the walk; null: dropped. */
  of(r: number, key: string, value: string): string | null {
    if (r !== this.resource) {
      this.redactor.resource(r);
      this.resource = r;
    }
    const out = this.redactor.value(key === '' ? Place.SpanName : Place.Span, key, value, 0, 0);
    return out === undefined ? value : out;
  }
}

function policies(dest: DestinationStrategy): Policy[] {
  return [dest.policy, ...dest.jurisdictions.map((j) => j.policy)];
}
