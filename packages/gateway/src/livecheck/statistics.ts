import type { ResolvedRegistry } from '@cairn/conventions';
import { DistinctCounter } from './hll.js';
import { levelRank, type FindingLevel, type LiveCheckResult } from './findings.js';

/** Where an attribute was seen: Weaver's signal types plus the nested places attributes live. */
export type AttributePlace = 'resource' | 'scope' | 'span' | 'span_event' | 'span_link' | 'metric' | 'log';

interface KeyStats {
  count: number;
  types: Set<string>;
  distinct: DistinctCounter;
  inRegistry: boolean;
}

/** Keys tracked one by one; past this, new keys only add to `untracked_keys` (memory stays bounded). */
const KEY_LIMIT = 10_000;

export interface SignalCoverage {
  /** Distinct keys seen on this signal. */
  seen_keys: number;
  registry_keys_seen: number;
  non_registry_keys_seen: number;
  /** registry_keys_seen / seen_keys: how much of what is sent the registry describes. */
  share_of_seen_in_registry: number;
  /** registry_keys_seen / registry attributes: how much of the registry this signal used. */
  share_of_registry_seen: number;
}

/**
 * Weaver's live-check statistics (same field names and meaning), plus Cairn's under `cairn`:
 * coverage per signal, and per key the types seen and a distinct-value estimate.
 */
export class LiveCheckStatistics {
  total_entities = 0;
  readonly total_entities_by_type = new Map<string, number>();
  total_advisories = 0;
  readonly advice_level_counts = new Map<FindingLevel, number>();
  readonly highest_advice_level_counts = new Map<FindingLevel, number>();
  no_advice_count = 0;
  readonly advice_type_counts = new Map<string, number>();
  readonly advice_message_counts = new Map<string, number>();
  readonly seen_registry_attributes = new Map<string, number>();
  readonly seen_non_registry_attributes = new Map<string, number>();
  readonly seen_registry_metrics = new Map<string, number>();
  readonly seen_non_registry_metrics = new Map<string, number>();
  readonly seen_registry_events = new Map<string, number>();
  readonly seen_non_registry_events = new Map<string, number>();
  private readonly keys = new Map<string, KeyStats>();
  private readonly places = new Map<AttributePlace, Map<string, boolean>>();
  private untrackedKeys = 0;

  constructor(registry: ResolvedRegistry) {
    // As Weaver: every non-deprecated registry attribute starts at 0, so coverage has a denominator.
    for (const a of registry.attributes) if (!a.deprecated) this.seen_registry_attributes.set(a.key, 0);
    for (const g of registry.groups) {
      if (g.type === 'metric' && g.metricName && !g.deprecated) this.seen_registry_metrics.set(g.metricName, 0);
      if (g.type === 'event' && g.name && !g.deprecated) this.seen_registry_events.set(g.name, 0);
    }
  }

  /** One checked entity (attribute, span, metric, …) and its findings. */
  entity(type: string, result: LiveCheckResult): void {
    this.total_entities++;
    bump(this.total_entities_by_type, type);
    for (const f of result.all_advice) {
      this.total_advisories++;
      bump(this.advice_level_counts, f.level);
      bump(this.advice_type_counts, f.id);
      bump(this.advice_message_counts, f.message);
    }
    if (result.highest_advice_level) bump(this.highest_advice_level_counts, result.highest_advice_level);
    else this.no_advice_count++;
  }

  /**
   * One attribute seen. `registryName` is the registry attribute it counts for (the template for
   * a template instance), or undefined when the registry does not define it.
   */
  attribute(place: AttributePlace, key: string, registryName: string | undefined, type: string, value: string): void {
    const counted = registryName !== undefined && this.seen_registry_attributes.has(registryName);
    if (counted) bump(this.seen_registry_attributes, registryName);
    else bump(this.seen_non_registry_attributes, registryName ?? key);
    let seen = this.places.get(place);
    if (!seen) this.places.set(place, (seen = new Map()));
    if (seen.size < KEY_LIMIT || seen.has(key)) seen.set(key, counted);
    let stats = this.keys.get(key);
    if (!stats) {
      if (this.keys.size >= KEY_LIMIT) {
        this.untrackedKeys++;
        return;
      }
      this.keys.set(key, (stats = { count: 0, types: new Set(), distinct: new DistinctCounter(), inRegistry: counted }));
    }
    stats.count++;
    stats.types.add(type);
    stats.distinct.add(value);
  }

  metric(name: string, known: boolean): void {
    bump(known ? this.seen_registry_metrics : this.seen_non_registry_metrics, name);
  }

  event(name: string, known: boolean): void {
    bump(known ? this.seen_registry_events : this.seen_non_registry_events, name);
  }

  /** The estimated number of distinct values of `key`, and whether it is exact. */
  distinct(key: string): { value: number; exact: boolean } | undefined {
    return this.keys.get(key)?.distinct.count;
  }

  /** The fraction of registry entities (attributes, metrics, events) seen at least once, as Weaver computes it. */
  get registry_coverage(): number {
    let total = 0;
    let seen = 0;
    for (const map of [this.seen_registry_attributes, this.seen_registry_metrics, this.seen_registry_events]) {
      for (const n of map.values()) {
        total++;
        if (n > 0) seen++;
      }
    }
    return total === 0 ? 0 : seen / total;
  }

  coverage(): Record<string, SignalCoverage> {
    const registrySize = this.seen_registry_attributes.size;
    const out: Record<string, SignalCoverage> = {};
    for (const [place, seen] of [...this.places].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let inRegistry = 0;
      for (const known of seen.values()) if (known) inRegistry++;
      out[place] = {
        seen_keys: seen.size,
        registry_keys_seen: inRegistry,
        non_registry_keys_seen: seen.size - inRegistry,
        share_of_seen_in_registry: seen.size === 0 ? 0 : inRegistry / seen.size,
        share_of_registry_seen: registrySize === 0 ? 0 : inRegistry / registrySize,
      };
    }
    return out;
  }

  /** Plain JSON, in Weaver's field names; Cairn's additions under `cairn`. */
  toJSON(): Record<string, unknown> {
    const attributes: Record<string, unknown> = {};
    for (const [key, s] of [...this.keys].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const d = s.distinct.count;
      attributes[key] = { count: s.count, types: [...s.types].sort(), distinct_values: d.value, distinct_exact: d.exact, in_registry: s.inRegistry };
    }
    return {
      total_entities: this.total_entities,
      total_entities_by_type: sorted(this.total_entities_by_type),
      total_advisories: this.total_advisories,
      advice_level_counts: sorted(this.advice_level_counts),
      highest_advice_level_counts: sorted(this.highest_advice_level_counts),
      no_advice_count: this.no_advice_count,
      advice_type_counts: sorted(this.advice_type_counts),
      advice_message_counts: sorted(this.advice_message_counts),
      seen_registry_attributes: sorted(this.seen_registry_attributes),
      seen_non_registry_attributes: sorted(this.seen_non_registry_attributes),
      seen_registry_metrics: sorted(this.seen_registry_metrics),
      seen_non_registry_metrics: sorted(this.seen_non_registry_metrics),
      seen_registry_events: sorted(this.seen_registry_events),
      seen_non_registry_events: sorted(this.seen_non_registry_events),
      registry_coverage: this.registry_coverage,
      cairn: { coverage_by_signal: this.coverage(), attributes, untracked_keys: this.untrackedKeys },
    };
  }

  /** The highest level any finding reached, or null. */
  get highestLevel(): FindingLevel | null {
    let best: FindingLevel | null = null;
    for (const level of this.advice_level_counts.keys()) if (best === null || levelRank(level) > levelRank(best)) best = level;
    return best;
  }
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sorted<K extends string>(map: Map<K, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!;
  return out;
}
