// Sums inventory deltas on the main thread: the same merge serves the live bucket (deltas from
// every processing thread) and a query (stored buckets over a time range). Sketches merge by
// register maximum, so distinct counts over threads and buckets stay estimates of the union.
import { MergeableSketch } from '../livecheck/hll.js';
import { mergeSketchBytes } from './batch-sketch.js';
import { OTHER, type AttributeDelta, type GroupDelta, type InventoryDelta, type Place } from './types.js';

/** Most values (enum or public) kept per key: the rest count under `(other)`. */
export const MAX_VALUES = 256;

export interface AttributeAggregate {
  key: string;
  place: Place;
  types: Set<string>;
  count: number;
  observed: number;
  bytes: number;
  sketch: MergeableSketch;
  values: Map<string, number>;
  findings: Map<string, number>;
  scanned: number;
}

/** A group summed over batches and buckets: a GroupDelta's counters, its attributes by key. */
export type GroupAggregate = Omit<GroupDelta, 'attributes'> & { attributes: Map<string, AttributeAggregate> };

export interface RouteAggregate {
  service: string;
  route: string;
  spans: number;
  narrow: number;
}

export function groupId(g: { service: string; signal: string; name: string; kind: string }): string {
  return `${g.service}\u0000${g.signal}\u0000${g.name}\u0000${g.kind}`;
}

/**
 * The rows a bucket has admitted, across the flushes of that bucket: a flush writes the live
 * aggregate and starts a new one, so the bound has to outlive it, or a sender of ever-new span
 * names would add `maxAttributes` rows to the file every flush.
 */
export class Admitted {
  readonly groups = new Set<string>();
  readonly attributes = new Set<string>();
  readonly routes = new Set<string>();
}

export class InventoryAggregate {
  readonly groups = new Map<string, GroupAggregate>();
  readonly routes = new Map<string, RouteAggregate>();
  overflow = 0;

  /** At most `max` groups, attribute rows and routes each (those already admitted to the bucket count). */
  constructor(private readonly max = Infinity, private readonly admitted = new Admitted()) {}

  /** Whether a new id may have a row of its own; admits it if so. */
  private admit(set: Set<string>, id: string): boolean {
    if (this.max === Infinity || set.has(id)) return true;
    if (set.size >= this.max) return false;
    set.add(id);
    return true;
  }

  get empty(): boolean {
    return this.groups.size === 0 && this.routes.size === 0;
  }

  add(delta: InventoryDelta): void {
    for (const g of delta.groups) this.addGroup(g);
    for (const r of delta.routes) this.addRoute(r);
    this.overflow += delta.overflow;
  }

  addGroup(g: Omit<GroupDelta, 'attributes'> & { attributes: Iterable<AttributeDelta | AttributeAggregate> }): GroupAggregate {
    let id = groupId(g);
    let name = g.name;
    let mine = this.groups.get(id);
    if (!mine && !this.admit(this.admitted.groups, id)) {
      this.overflow++;
      name = OTHER;
      id = groupId({ ...g, name });
      this.admitted.groups.add(id);
      mine = this.groups.get(id);
    }
    if (!mine) {
      mine = { service: g.service, signal: g.signal, name, kind: g.kind, events: 0, observed: 0, narrow: 0, errors: 0, errorsNarrow: 0, attributes: new Map() };
      this.groups.set(id, mine);
    }
    mine.events += g.events;
    mine.observed += g.observed;
    mine.narrow += g.narrow;
    mine.errors += g.errors;
    mine.errorsNarrow += g.errorsNarrow;
    for (const a of g.attributes) this.addAttribute(mine, a);
    return mine;
  }

  addRoute(r: RouteAggregate): void {
    let id = `${r.service}\u0000${r.route}`;
    if (!this.routes.has(id) && !this.admit(this.admitted.routes, id)) {
      this.overflow++;
      r = { ...r, route: OTHER };
      id = `${r.service}\u0000${OTHER}`;
      this.admitted.routes.add(id);
    }
    const mine = this.routes.get(id);
    if (mine) {
      mine.spans += r.spans;
      mine.narrow += r.narrow;
    } else this.routes.set(id, { ...r });
  }

  private addAttribute(g: GroupAggregate, a: AttributeDelta | AttributeAggregate): void {
    let id = `${a.place}\u0000${a.key}`;
    let mine = g.attributes.get(id);
    if (!mine && !this.admit(this.admitted.attributes, `${groupId(g)}\u0000${id}`)) {
      this.overflow++;
      id = `${a.place}\u0000${OTHER}`;
      this.admitted.attributes.add(`${groupId(g)}\u0000${id}`);
      mine = g.attributes.get(id);
    }
    if (!mine) {
      mine = { key: id.slice(id.indexOf('\u0000') + 1), place: a.place, types: new Set(), count: 0, observed: 0, bytes: 0, sketch: new MergeableSketch(), values: new Map(), findings: new Map(), scanned: 0 };
      g.attributes.set(id, mine);
    }
    for (const t of a.types) mine.types.add(t);
    mine.count += a.count;
    mine.observed += a.observed;
    mine.bytes += a.bytes;
    if (a.sketch instanceof MergeableSketch) mine.sketch.merge(a.sketch);
    else mergeSketchBytes(mine.sketch, a.sketch);
    mine.scanned += a.scanned ?? 0;
    for (const [v, n] of entries(a.values)) {
      const key = mine.values.has(v) || mine.values.size < MAX_VALUES ? v : OTHER;
      mine.values.set(key, (mine.values.get(key) ?? 0) + n);
    }
    for (const [d, n] of entries(a.findings)) mine.findings.set(d, (mine.findings.get(d) ?? 0) + n);
  }
}

function entries(x: Record<string, number> | Map<string, number> | undefined): Iterable<[string, number]> {
  if (x === undefined) return [];
  return x instanceof Map ? x : Object.entries(x);
}
