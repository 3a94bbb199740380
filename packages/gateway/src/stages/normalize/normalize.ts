// Normalization, the shared stage before routing: aliases and upstream `renamed_to` become the
// canonical key in every attribute list (resource, scope, span, event, link, log, metric, data
// point, exemplar), and string values of int attributes that are exact decimal integers become
// ints. The rewriter keeps the canonical value when both keys are present and reports the
// conflict. Everything is counted in the ledger.
import { Rewriter, ValueType, type BatchView, type Place, type RewriteVisitor, type Signal } from '@cairn/otlp';
import type { Attribute, RegistryIndex } from '@cairn/conventions';
import type { LedgerRecorder } from '../ledger.js';

/** The canonical key for `key`, or undefined when `key` is canonical or unknown. */
export function canonicalKey(registry: RegistryIndex, key: string): string | undefined {
  const found = registry.lookup(key);
  if (found.kind === 'alias') return found.canonical;
  if (found.kind === 'deprecated' && found.canonical !== undefined && found.canonical !== key) return found.canonical;
  return undefined;
}

/** Whether the registry types `key` as an int (normalization coerces its lossless strings). */
export function isIntKey(registry: RegistryIndex, key: string): boolean {
  return isIntAttribute(registry.get(key));
}

function isIntAttribute(attribute: Attribute | undefined): boolean {
  const t = attribute?.type;
  return t !== undefined && ((t.kind === 'primitive' && t.name === 'int') || (t.kind === 'enum' && t.base === 'int'));
}

/**
 * An int from a string only when printing the int gives the string back: `"200"` → 200, but not
 * `"0200"`, `"+1"`, `"2e2"`, `" 200"` or anything beyond 2^53.
 */
export function losslessInt(value: string): number | undefined {
  const n = value.length;
  if (n === 0 || n > 16) return undefined;
  let i = value.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return undefined;
  if (value.charCodeAt(i) === 48 && n > i + 1) return undefined;
  for (; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const v = Number(value);
  return Number.isSafeInteger(v) && String(v) === value && !Object.is(v, -0) ? v : undefined;
}

const MAX_CACHED = 4096;

export class Normalizer implements RewriteVisitor {
  /** Canonical key per key seen ('' when canonical or unknown): the registry does not cache unknown keys. */
  private readonly canonical = new Map<string, string>();
  private readonly intKeys = new Map<string, boolean>();
  private cachedFor: RegistryIndex | undefined;
  private registry!: RegistryIndex;
  private ledger!: LedgerRecorder;

  private readonly rewriter = new Rewriter();

  /** The request with canonical keys and coerced ints; the input itself when nothing changed. */
  normalize(signal: Signal, bytes: Uint8Array, registry: RegistryIndex, ledger: LedgerRecorder): Uint8Array {
    this.prepare(registry, ledger);
    return this.rewriter.rewrite(signal, bytes, this);
  }

  /** Sets the registry and the ledger for visits driven by another walk (the fused content walk). */
  prepare(registry: RegistryIndex, ledger: LedgerRecorder): void {
    if (registry !== this.cachedFor) { this.canonical.clear(); this.intKeys.clear(); this.cachedFor = registry; }
    this.registry = registry;
    this.ledger = ledger;
  }

  /**
   * Whether normalization would change a resource attribute of `view` (a key renamed, a value
   * coerced). Routing and jurisdictions read resource attributes, so only when none changes may
   * they read the request as sent and normalization run inside each destination's walk.
   */
  changesResources(view: BatchView, registry: RegistryIndex): boolean {
    if (registry !== this.registry) this.prepare(registry, this.ledger);
    for (let r = 0; r < view.resourceCount; r++) {
      const a = view.resourceAttributes(r);
      while (a.next()) {
        const key = a.key;
        if (this.canonicalOf(key) !== '') return true;
        if (a.valueType === ValueType.String && this.isIntKey(key) && losslessInt(a.value as string) !== undefined) return true;
      }
    }
    return false;
  }

  key(_place: Place, key: string, depth: number): string | undefined {
    if (depth > 0) return undefined;
    const canonical = this.canonicalOf(key);
    if (canonical === '') return undefined;
    this.ledger.renamed(key, canonical);
    return canonical;
  }

  /** Only values of int attributes are decoded: coercion is all this stage does to values. */
  wantsValue(_place: Place, key: string, depth: number): boolean {
    if (depth > 0 || key === '') return false;
    return this.isIntKey(key);
  }

  /** The canonical key for `key` under the current registry, '' when it is canonical or unknown (cached). */
  private canonicalOf(key: string): string {
    let canonical = this.canonical.get(key);
    if (canonical === undefined) {
      canonical = canonicalKey(this.registry, key) ?? '';
      if (this.canonical.size < MAX_CACHED) this.canonical.set(key, canonical);
    }
    return canonical;
  }

  /** Whether the registry types `key` as an int (cached). */
  private isIntKey(key: string): boolean {
    let isInt = this.intKeys.get(key);
    if (isInt === undefined) {
      isInt = isIntAttribute(this.registry.get(key));
      if (this.intKeys.size < MAX_CACHED) this.intKeys.set(key, isInt);
    }
    return isInt;
  }

  value(_place: Place, key: string, value: string, _at: number, depth: number): number | undefined {
    if (depth > 0 || key === '') return undefined;
    const c = value.charCodeAt(0);
    if (!((c >= 48 && c <= 57) || c === 45)) return undefined;
    if (!isIntAttribute(this.registry.get(key))) return undefined;
    const n = losslessInt(value);
    if (n !== undefined) this.ledger.coerced(key, 'int');
    return n;
  }

  conflict(_place: Place, key: string): void {
    this.ledger.conflict(key);
  }
}
