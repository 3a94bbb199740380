// Normalization and redaction in one walk per destination. The two stages were two rewrites:
// normalize the whole request (and decode it again when it changed), then redact it per
// destination; the walks with their key lookups were ~43% of the strategy's profile. When
// normalization changes no resource attribute, routing and jurisdictions (which read only
// resource attributes) see the same thing in the request as sent, so each destination's rewrite
// can rename, coerce and redact in one pass over the original bytes. Outputs and ledger counts
// are those of the two walks (fused.test.ts compares them on random batches).
import { Rewriter, type Place, type RewriteVisitor } from '@cairn/otlp';
import type { Normalizer } from './normalize/normalize.js';
import type { RedactInput, Redactor } from './redact/redact.js';

export class FusedContentWalk implements RewriteVisitor {
  private readonly rewriter: Rewriter;

  constructor(private readonly normalizer: Normalizer, private readonly redactor: Redactor) {
    this.rewriter = new Rewriter();
  }

  /** The destination's request, normalized and redacted; the input itself when nothing changed. */
  rewrite(input: RedactInput): Uint8Array {
    this.redactor.prepare(input);
    return this.rewriter.rewrite(input.signal, input.bytes, this);
  }

  resource(index: number): boolean {
    return this.redactor.resource(index);
  }

  /** Renames only: the redactor's drop is asked in `dropKey`, after rename conflicts are settled. */
  key(place: Place, key: string, depth: number): string | undefined {
    return this.normalizer.key(place, key, depth);
  }

  conflict(place: Place, key: string): void {
    this.normalizer.conflict(place, key);
  }

  dropKey(place: Place, key: string, depth: number): boolean {
    return this.redactor.key(place, key, depth) === null;
  }

  wantsValue(place: Place, key: string, depth: number): boolean {
    return this.normalizer.wantsValue(place, key, depth) || this.redactor.wantsValue(place, key);
  }

  value(place: Place, key: string, value: string, at: number, depth: number): string | number | null | undefined {
    const n = this.normalizer.value(place, key, value, at, depth);
    if (n === undefined) return this.redactor.wantsValue(place, key) ? this.redactor.value(place, key, value, at, depth) : undefined;
    // Coerced to an int: the redactor would have met it as an int scalar.
    if (!this.redactor.wantsScalar(place, key, depth)) return n;
    return this.redactor.scalar(place, key, String(n));
  }

  wantsScalar(place: Place, key: string, depth: number): boolean {
    return this.redactor.wantsScalar(place, key, depth);
  }

  scalar(place: Place, key: string, text: string): string | null {
    return this.redactor.scalar(place, key, text);
  }

  /** The redactor's context: the normalizer's renames and coercions depend only on the bytes and the registry, fixed per strategy. */
  memoContext(place: Place): number {
    return this.redactor.memoContext(place);
  }

  effects(): number {
    return this.redactor.effects();
  }
}
