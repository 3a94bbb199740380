// The inventory tap: runs on a processing thread over the BatchView the pipeline already decoded
// (no second decode), before routing, and returns what the batch carried as an InventoryDelta.
// Per attribute it reads the key (interned), the value's wire type and bytes, and hashes the
// value bytes in place for the distinct-value sketch: a value is decoded only for enum and
// `public` keys (whose values are kept), for arrays (their element type), and for the bounded
// sample of strings the PII detectors look at.
import type { ResolvedRegistry } from '@cairn/conventions';
import { AttributeCursor, decodeUtf8, StatusCode, ValueType, type BatchView, type LogsView, type MetricsView, type TracesView } from '@cairn/otlp';
import { jsonValue, typeName } from '../livecheck/attribute.js';
import { hashBytes32, sketchCode } from '../livecheck/hll.js';
import { scan } from '../stages/classify/detectors/index.js';
import { find, Group, GroupCache, RECENT, Row } from './tap-rows.js';
import { HTTP_ROUTE, KEY_CACHE_LIMIT, KeyFacts, SAMPLE_RATE } from './key-info.js';
import type { ScratchPool } from './batch-sketch.js';
import { SpanFields } from './span-fields.js';
import { OTHER, PLACES, type GroupDelta, type InventoryDelta, type RouteDelta } from './types.js';
import { upstreamWeight } from '../cel/weight.js';

/** Per-batch bounds: a tenant chooses its span names and keys. Past them, `(other)`. */
export const MAX_GROUPS_PER_BATCH = 1024;
export const MAX_KEYS_PER_GROUP = 256;
export const MAX_VALUES_PER_KEY = 64;
/** String values per key per batch the PII detectors scan: enough to find a pattern, bounded in cost. */
export const SCAN_PER_BATCH = 4;
const SCAN_LIMIT = 4096;

/**
 * Span names and routes are kept as they are (they are what the reports are about), but a name
 * that carries personal data (`GET /users/jane@example.com`) is kept as what the detectors
 * found instead: the inventory never stores a value it was not meant to.
 */
function unpersonal(text: string, what: string): string {
  const hits = scan(text.length > SCAN_LIMIT ? text.slice(0, SCAN_LIMIT) : text);
  return hits.length === 0 ? text : `(${what} with ${[...new Set(hits.map((h) => h.detector))].sort().join(', ')})`;
}

/** BatchView.levels' index of the scope groups (the codec's Level enum is internal to it). */
const SCOPE_LEVEL = 1;

const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** live-check's type name of each scalar wire type, looked up once instead of per attribute. */
const SCALAR_TYPES: string[] = [];
for (let vt = 0; vt <= 8; vt++) SCALAR_TYPES[vt] = typeName({ valueType: vt } as AttributeCursor, '');

// Places by their index in PLACES, so the hot path indexes an array instead of keying an object.
const RESOURCE = 0, SCOPE = 1, SPAN = 2, EVENT = 3, LINK = 4, LOG = 5, POINT = 6;

export class InventoryTap {
  private readonly facts: KeyFacts;
  private readonly attrs = new AttributeCursor();
  private readonly fields = new SpanFields();
  private readonly spanGroups = new GroupCache();
  /** This batch's scope names, by scope index. */
  private readonly scopeNames: string[] = [];
  /** Scratch registers, reused batch after batch. */
  private readonly pool: ScratchPool = { free: [], created: 0 };
  /** Rows touched by the current record, weighted once its weight is known. */
  private readonly touched: Row[] = [];
  /** Entries of `touched` in use (setting an array's length is a runtime call, per span). */
  private touchedCount = 0;
  // Per batch:
  private groups = new Map<string, Map<string, Group[]>>();
  private groupCount = 0;
  private routes = new Map<string, Map<number, RouteDelta>>();
  private routeCount = 0;
  private overflow = 0;
  private buf: Uint8Array = new Uint8Array(0);
  /** Route texts by the hash of their bytes, across batches (bounded like the key cache). */
  private readonly routeNames = new Map<number, string>();
  /** The buffer of the batch's sketches while `take` fills it, and where the next one goes. */
  private sketches = new Uint8Array(0);
  private sketchAt = 0;
  /** The hash of the last value observed (routes are found by it, decoded once). */
  private lastHash = 0;

  constructor(registry: ResolvedRegistry | undefined) {
    this.facts = new KeyFacts(registry);
  }

  /** Whether narrow spans can be told (KeyFacts.knowsOrg). */
  get knowsOrg(): boolean {
    return this.facts.knowsOrg;
  }

  /**
   * What `view` carried. `batchWeight` (≥ 1) multiplies every count: the batch stands for that
   * many (the CPU budget records 1 in N batches under load; see budget.ts).
   */
  record(view: BatchView, batchWeight = 1): InventoryDelta {
    this.buf = view.bytes;
    const bw = batchWeight;
    const services: string[] = [];
    for (let r = 0; r < view.resourceCount; r++) {
      const service = view.serviceName(r);
      services.push(service);
      const g = this.group(service, view.signal, '(resource)', '');
      this.one(g, view.resourceAttributes(r, this.attrs), RESOURCE, bw);
    }
    const scopes = view.levels[SCOPE_LEVEL]!;
    const f = this.fields;
    const names = this.scopeNames;
    names.length = 0;
    for (let s = 0; s < view.scopeCount; s++) {
      f.scope(this.buf, scopes.start[s]!, scopes.end[s]!);
      const name = f.nameTo > f.nameAt ? decodeUtf8(this.buf, f.nameAt, f.nameTo) : '';
      names.push(name);
      const g = this.group(services[view.scopeResource(s)]!, view.signal, `(scope) ${name}`, '');
      this.one(g, this.attrs.reset(this.buf, f.attributesFrom, f.attributesTo, 3), SCOPE, bw);
    }
    if (view.signal === 'traces') this.spans(view as TracesView, services, bw);
    else if (view.signal === 'logs') this.logs(view as LogsView, services, bw);
    else this.points(view as MetricsView, services, bw);
    return this.take();
  }

  private spans(view: TracesView, services: string[], bw: number): void {
    const span = view.spans();
    const events = span.events();
    const links = span.links();
    const attrs = this.attrs;
    const touched = this.touched;
    const knowsOrg = this.knowsOrg;
    const buf = this.buf;
    const f = this.fields;
    while (span.next()) {
      const service = services[span.resourceIndex]!;
      f.read(buf, span.start, span.end);
      // Kinds past the enum are all `unspecified` (0): a tenant's 2^32 + 2 must not pass for 2 in the cache's Int32Array.
      const kind = f.kind < KIND_NAMES.length ? f.kind : 0;
      let g = this.spanGroups.find(buf, f.nameAt, f.nameTo, service, kind);
      if (g === undefined) {
        const name = f.nameTo > f.nameAt ? decodeUtf8(buf, f.nameAt, f.nameTo) : '';
        g = this.group(service, 'traces', name, KIND_NAMES[kind]!);
        // Not a group counted under `(other)`: each span past the bound counts in `overflow`.
        if (g.name === name) this.spanGroups.remember(buf, f.nameAt, f.nameTo, kind, g);
      }
      this.touchedCount = 0;
      let org = false;
      let sampleRate: unknown;
      let route = -1;
      attrs.reset(buf, f.attributesFrom, f.attributesTo, 9);
      const layout = g.layout;
      let i = 0;
      while (attrs.next()) {
        const key = attrs.key;
        let row = layout[i];
        if (row === undefined || row.key !== key) {
          row = this.row(g, SPAN, key);
          if (i < MAX_KEYS_PER_GROUP) layout[i] = row;
        }
        i++;
        this.observeRow(row);
        const info = row.info;
        if (info.org) org = true;
        else if (info.special === SAMPLE_RATE) sampleRate = attrs.numberValue;
        else if (info.special === HTTP_ROUTE && attrs.valueType === ValueType.String) {
          route = this.lastHash;
          if (!this.routeNames.has(route)) {
            if (this.routeNames.size >= KEY_CACHE_LIMIT) this.routeNames.clear();
            this.routeNames.set(route, unpersonal(attrs.stringValue!, 'route'));
          }
        }
      }
      // A span without events or links is not scanned again.
      if (f.hasEvents) {
        span.events(events);
        while (events.next()) {
          events.attributes(attrs);
          while (attrs.next()) if (this.observe(g, EVENT).info.org) org = true;
        }
      }
      if (f.hasLinks) {
        span.links(links);
        while (links.next()) {
          links.attributes(attrs);
          while (attrs.next()) this.observe(g, LINK);
        }
      }
      const traceState = f.traceStateTo > f.traceStateAt ? decodeUtf8(buf, f.traceStateAt, f.traceStateTo) : '';
      const w = bw * (sampleRate !== undefined || traceState !== '' ? upstreamWeight(sampleRate, traceState) : 1);
      for (let i = 0, n = this.touchedCount; i < n; i++) touched[i]!.count += w;
      g.events += w;
      g.observed++;
      const narrow = knowsOrg && !org;
      if (narrow) g.narrow += w;
      if (f.statusCode === StatusCode.Error) {
        g.errors += w;
        if (narrow) g.errorsNarrow += w;
      }
      if (route !== -1) this.route(service, route, w, narrow);
    }
  }

  private logs(view: LogsView, services: string[], bw: number): void {
    const log = view.logs();
    const attrs = this.attrs;
    while (log.next()) {
      // Records without an event name are grouped by their scope (instrumentation library).
      const name = log.eventName || this.scopeNames[log.scopeIndex] || '(unnamed)';
      const g = this.group(services[log.resourceIndex]!, 'logs', name, '');
      this.touchedCount = 0;
      let sampleRate: unknown;
      log.attributes(attrs);
      while (attrs.next()) if (this.observe(g, LOG).info.special === SAMPLE_RATE) sampleRate = attrs.numberValue;
      this.weigh(g, bw * (sampleRate === undefined ? 1 : upstreamWeight(sampleRate, '')));
    }
  }

  private points(view: MetricsView, services: string[], bw: number): void {
    const metric = view.metrics();
    const point = view.dataPoints();
    const attrs = this.attrs;
    while (metric.next()) {
      const g = this.group(services[metric.resourceIndex]!, 'metrics', metric.name, '');
      const [first, end] = metric.pointRange;
      for (let i = first; i < end; i++) {
        point.seek(i);
        this.touchedCount = 0;
        point.attributes(attrs);
        while (attrs.next()) this.observe(g, POINT);
        this.weigh(g, bw);
      }
    }
  }

  /** Resource and scope attributes: counted once per resource / scope. */
  private one(g: Group, cursor: AttributeCursor, place: number, w: number): void {
    this.touchedCount = 0;
    while (cursor.next()) this.observe(g, place);
    this.weigh(g, w);
  }

  private weigh(g: Group, w: number): void {
    const touched = this.touched;
    for (let i = 0, n = this.touchedCount; i < n; i++) touched[i]!.count += w;
    g.events += w;
    g.observed++;
  }

  /** Counts the attribute under the cursor in `g`; returns its row (already added to `touched`). */
  private observe(g: Group, place: number): Row {
    return this.observeRow(this.row(g, place, this.attrs.key));
  }

  private observeRow(row: Row): Row {
    const attrs = this.attrs;
    this.touched[this.touchedCount++] = row;
    row.observed++;
    row.bytes += attrs.entryEnd - attrs.entryStart;
    const vt = attrs.valueType;
    const type = vt === ValueType.Array ? typeName(attrs, attrs.value) : SCALAR_TYPES[vt] ?? 'any';
    const types = row.types;
    if (types[0] !== type && !types.includes(type)) types.push(type);
    const hash = hashBytes32(this.buf, attrs.valueAt, attrs.valueTo, vt);
    this.lastHash = hash;
    const recent = row.recent;
    const slot = hash & (RECENT - 1);
    if (recent[slot] !== hash) {
      recent[slot] = hash;
      row.sketch.add(sketchCode(hash));
    }
    const values = row.values;
    if (values !== undefined) {
      const seen = values.get(hash);
      if (seen !== undefined) seen.count++;
      else if (values.size < MAX_VALUES_PER_KEY) values.set(hash, { value: String(jsonValue(attrs.value)), count: 1 });
      else {
        const other = values.get(-1);
        if (other) other.count++;
        else values.set(-1, { value: OTHER, count: 1 });
      }
    }
    if (vt === ValueType.String && row.scanned < SCAN_PER_BATCH && !row.info.declaredSensitive) {
      row.scanned++;
      const value = attrs.stringValue!;
      const hits = scan(value.length > SCAN_LIMIT ? value.slice(0, SCAN_LIMIT) : value);
      if (hits.length > 0) {
        row.findings ??= {};
        const seen = new Set<string>();
        for (const h of hits) if (!seen.has(h.detector)) { seen.add(h.detector); row.findings[h.detector] = (row.findings[h.detector] ?? 0) + 1; }
      }
    }
    return row;
  }

  private row(g: Group, place: number, key: string): Row {
    const rows = g.rows[place]!;
    let row = rows.get(key);
    if (row !== undefined) return row;
    if (g.keys >= MAX_KEYS_PER_GROUP) {
      this.overflow++;
      key = OTHER;
      row = rows.get(key);
      if (row !== undefined) return row;
    }
    row = new Row(key, PLACES[place]!, this.facts.info(key), this.pool);
    rows.set(key, row);
    g.keys++;
    return row;
  }

  /**
   * The group of (service, signal, name, kind). Groups (and their rows) live on from batch to
   * batch while they keep being seen, so a steady stream allocates nothing per batch; at most
   * MAX_GROUPS_PER_BATCH are touched in one batch, the rest count under `(other)`.
   */
  private group(service: string, signal: BatchView['signal'], name: string, kind: string): Group {
    let names = this.groups.get(service);
    if (names === undefined) {
      names = new Map();
      this.groups.set(service, names);
    }
    let g = find(names.get(name), signal, kind);
    if (g !== undefined && g.touched) return g;
    if (this.groupCount >= MAX_GROUPS_PER_BATCH) {
      this.overflow++;
      name = OTHER;
      g = find(names.get(name), signal, kind);
      if (g !== undefined && g.touched) return g;
    }
    if (g === undefined) {
      g = new Group(service, signal, name, kind, unpersonal(name, 'span name'));
      const kinds = names.get(name);
      if (kinds) kinds.push(g);
      else names.set(name, [g]);
    }
    g.touched = true;
    this.groupCount++;
    return g;
  }

  /** Counts a span of `route` (given by the hash of its value bytes; decoded the first time). */
  private route(service: string, hash: number, w: number, narrow: boolean): void {
    let routes = this.routes.get(service);
    if (routes === undefined) {
      routes = new Map();
      this.routes.set(service, routes);
    }
    let r = routes.get(hash);
    if (r === undefined) {
      const overflow = this.routeCount >= MAX_GROUPS_PER_BATCH;
      if (overflow) this.overflow++;
      const key = overflow ? -1 : hash;
      r = routes.get(key);
      if (r === undefined) {
        r = { service, route: overflow ? OTHER : this.routeNames.get(hash)!, spans: 0, narrow: 0 };
        routes.set(key, r);
        this.routeCount++;
      }
    }
    r.spans += w;
    if (narrow) r.narrow += w;
  }

  private take(): InventoryDelta {
    const groups: GroupDelta[] = [];
    // The batch's sketches in one buffer: a structured clone copies one ArrayBuffer, not one per row.
    let size = 0;
    for (const names of this.groups.values()) {
      for (const kinds of names.values()) {
        for (const g of kinds) {
          if (!g.touched) continue;
          for (const rows of g.rows) for (const row of rows.values()) if (row.observed > 0) size += row.sketch.byteLength();
        }
      }
    }
    this.sketches = new Uint8Array(size);
    this.sketchAt = 0;
    for (const [service, names] of this.groups) {
      for (const [name, kinds] of names) {
        for (let k = kinds.length - 1; k >= 0; k--) {
          const g = kinds[k]!;
          if (!g.touched || g.keys > MAX_KEYS_PER_GROUP / 2) {
            // Not seen in this batch (or its keys drift): dropped, its scratch registers reused.
            if (g.touched) groups.push(this.takeGroup(g));
            for (const rows of g.rows) for (const row of rows.values()) row.sketch.release();
            kinds.splice(k, 1);
            continue;
          }
          groups.push(this.takeGroup(g));
        }
        if (kinds.length === 0) names.delete(name);
      }
      if (names.size === 0) this.groups.delete(service);
    }
    const routes: RouteDelta[] = [];
    for (const byRoute of this.routes.values()) routes.push(...byRoute.values());
    const out: InventoryDelta = { groups, routes, overflow: this.overflow };
    this.groupCount = 0;
    this.routes = new Map();
    this.routeCount = 0;
    this.overflow = 0;
    this.buf = new Uint8Array(0);
    this.sketches = new Uint8Array(0);
    return out;
  }

  /** The group's counts for this batch (rows seen in it); it starts the next batch empty. */
  private takeGroup(g: Group): GroupDelta {
    const attributes: GroupDelta['attributes'] = [];
    for (const rows of g.rows) {
      for (const row of rows.values()) {
        if (row.observed === 0) continue;
        const a = row.take(this.sketches, this.sketchAt);
        this.sketchAt += a.sketch.length;
        attributes.push(a);
      }
    }
    const out: GroupDelta = { service: g.service, signal: g.signal, name: g.shown, kind: g.kind, events: g.events, observed: g.observed, narrow: g.narrow, errors: g.errors, errorsNarrow: g.errorsNarrow, attributes };
    g.events = g.observed = g.narrow = g.errors = g.errorsNarrow = 0;
    g.touched = false;
    return out;
  }
}
