import type { Attribute, ResolvedRegistry } from './model.js';

/** What a key seen in code or in telemetry is, according to the registry. */
export type Lookup =
  | { kind: 'known'; attribute: Attribute }
  /** An instance of a template attribute, e.g. `http.request.header.content-type`. */
  | { kind: 'template'; attribute: Attribute }
  /** A defined key that is deprecated; `canonical` is set for renames. */
  | { kind: 'deprecated'; attribute: Attribute; canonical?: string }
  /** An old name that the registry lists in some attribute's aliases. */
  | { kind: 'alias'; canonical: string; attribute: Attribute }
  | { kind: 'unknown' };

/**
 * Constant-time answers over a resolved registry, built once: the SDK, the lint rules and the
 * gateway ask "what is this key?" per attribute, so nothing here scans the registry per call.
 */
export class RegistryIndex {
  readonly registry: ResolvedRegistry;
  private readonly byKey = new Map<string, Attribute>();
  private readonly templates: Attribute[];
  private readonly cache = new Map<string, Lookup>();

  constructor(registry: ResolvedRegistry) {
    this.registry = registry;
    for (const attribute of registry.attributes) this.byKey.set(attribute.key, attribute);
    // Longest prefix first, so `a.b.c` wins over `a.b` for `a.b.c.x`.
    this.templates = registry.attributes.filter((a) => a.type.kind === 'template').sort((a, b) => b.key.length - a.key.length);
  }

  get(key: string): Attribute | undefined {
    return this.byKey.get(key);
  }

  lookup(key: string): Lookup {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const found = this.compute(key);
    // Unknown keys are unbounded (they come from telemetry), so only bounded answers are cached.
    if (found.kind !== 'unknown' && found.kind !== 'template') this.cache.set(key, found);
    return found;
  }

  private compute(key: string): Lookup {
    const attribute = this.byKey.get(key);
    if (attribute) {
      if (!attribute.deprecated) return { kind: 'known', attribute };
      return attribute.deprecated.reason === 'renamed'
        ? { kind: 'deprecated', attribute, canonical: attribute.deprecated.renamedTo }
        : { kind: 'deprecated', attribute };
    }
    const canonical = this.registry.aliases[key];
    if (canonical !== undefined) {
      const target = this.byKey.get(canonical);
      if (target) return { kind: 'alias', canonical, attribute: target };
    }
    for (const template of this.templates) {
      if (key.length > template.key.length + 1 && key.startsWith(template.key) && key.charCodeAt(template.key.length) === 46) {
        return { kind: 'template', attribute: template };
      }
    }
    return { kind: 'unknown' };
  }
}
