// What the tap needs to know about an attribute key from the registry (business context, values
// kept, declared sensitive, the two keys it reads), looked up once per key and cached.
import { RegistryIndex, type ResolvedRegistry } from '@cairn/conventions';
import { OTHER } from './types.js';

export interface KeyInfo {
  /** An attribute of the org's registry, or under one of its namespaces: business context. */
  org: boolean;
  /** Enum or `public`: its values may be kept. */
  values: boolean;
  /** Declared pii or secret: no need to look for PII. */
  declaredSensitive: boolean;
  /** 1: `SampleRate` (the upstream weight), 2: `http.route`; 0: neither. */
  special: number;
}

export const SAMPLE_RATE = 1;
export const HTTP_ROUTE = 2;

/** Keys whose registry facts are cached; unknown keys are unbounded, so the cache is dropped past this. */
export const KEY_CACHE_LIMIT = 50_000;

export class KeyFacts {
  private readonly index: RegistryIndex | undefined;
  private readonly namespaces: string[];
  private readonly cache = new Map<string, KeyInfo>();

  constructor(registry: ResolvedRegistry | undefined) {
    this.index = registry ? new RegistryIndex(registry) : undefined;
    this.namespaces = (registry?.manifest.namespaces ?? []).map((n) => `${n}.`);
  }

  /** Whether narrow spans can be told: without a registry there is no "org field". */
  get knowsOrg(): boolean {
    return this.index !== undefined;
  }

  /** The facts of `key` (`(other)` has none). */
  info(key: string): KeyInfo {
    let info = this.cache.get(key);
    if (info !== undefined) return info;
    info = { org: false, values: false, declaredSensitive: false, special: key === 'SampleRate' ? SAMPLE_RATE : key === 'http.route' ? HTTP_ROUTE : 0 };
    if (this.index && key !== OTHER) {
      const found = this.index.lookup(key);
      const attribute = found.kind === 'unknown' ? undefined : found.attribute;
      info.org = attribute?.origin === 'org' || this.namespaces.some((n) => key.startsWith(n));
      const t = attribute?.type;
      info.values = t?.kind === 'enum' || (t?.kind === 'template' && t.inner.kind === 'enum') || attribute?.sensitivity === 'public';
      info.declaredSensitive = attribute?.sensitivity === 'pii' || attribute?.sensitivity === 'secret';
    }
    if (this.cache.size >= KEY_CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, info);
    return info;
  }
}
