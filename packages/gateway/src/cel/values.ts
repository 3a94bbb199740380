// The values CEL sees, read lazily from a traces BatchView: a getter decodes its field only when
// an expression reads it, attribute maps are filled once per span and only with the keys the
// compiled expressions read (all keys when one of them reads the map as a whole), and resource
// maps and scopes are decoded once per batch.
import { AttributeCursor, ValueType, type AnyValue, type SpanCursor, type TracesView, EventCursor, LinkCursor } from '@cairn/otlp';

/** Small CEL ints (span kinds, status codes) without allocating a BigInt per read. */
const SMALL_INTS: readonly bigint[] = Array.from({ length: 16 }, (_, i) => BigInt(i));

function celInt(n: number): bigint {
  return n >= 0 && n < 16 ? SMALL_INTS[n]! : BigInt(n);
}

/** The attribute under `cursor` as CEL sees it: ints as CEL ints, doubles as doubles, empty as null. */
export function cursorValue(cursor: AttributeCursor): unknown {
  switch (cursor.valueType) {
    case ValueType.Empty: return null;
    case ValueType.Int: {
      const v = cursor.value as number | bigint;
      return typeof v === 'bigint' ? v : celInt(v);
    }
    case ValueType.Array:
    case ValueType.KvList: return nestedValue(cursor.value);
    default: return cursor.value;
  }
}

/**
 * A decoded AnyValue (inside arrays and kvlists, where the decoder gives ints and doubles both as
 * numbers) as CEL sees it: integral numbers are ints there.
 */
export function nestedValue(value: AnyValue): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(nestedValue);
  if (value instanceof Map) {
    const out = new Map<string, unknown>();
    for (const [k, v] of value) out.set(k, nestedValue(v));
    return out;
  }
  return value;
}

/** Fills `map` from `cursor`: every key, or only `wanted` ones. The first of a repeated key wins. */
export function fillAttributes(map: Map<string, unknown>, cursor: AttributeCursor, wanted: ReadonlySet<string> | undefined): void {
  map.clear();
  while (cursor.next()) {
    const key = cursor.key;
    if (wanted !== undefined && !wanted.has(key)) continue;
    if (!map.has(key)) map.set(key, cursorValue(cursor));
  }
}

/** Which attribute keys to decode per place; undefined: all of them. */
export interface Wanted {
  resource: ReadonlySet<string> | undefined;
  scope: ReadonlySet<string> | undefined;
  span: ReadonlySet<string> | undefined;
}

export const WANT_ALL: Wanted = { resource: undefined, scope: undefined, span: undefined };

/** `scope`: name, version, attributes. */
export class ScopeValue {
  private attrs: Map<string, unknown> | undefined;
  constructor(private readonly batch: BatchValues, private readonly index: number) {}
  get name(): string { return this.batch.view.scopeName(this.index); }
  get version(): string { return this.batch.view.scopeVersion(this.index); }
  get attributes(): Map<string, unknown> {
    if (this.attrs === undefined) {
      this.attrs = new Map();
      fillAttributes(this.attrs, this.batch.view.scopeAttributes(this.index, this.batch.scratch), this.batch.wanted.scope);
    }
    return this.attrs;
  }
}

/** `span.status`: code (0 unset, 1 ok, 2 error) and message. */
export class StatusValue {
  constructor(private readonly span: SpanValue) {}
  get code(): bigint { return celInt(this.span.cursor.statusCode); }
  get message(): string { return this.span.cursor.statusMessage; }
}

/** One of `span.events`. */
export class EventValue {
  constructor(readonly name: string, readonly time: Date, readonly attributes: Map<string, unknown>) {}
}

/** One of `span.links`. */
export class LinkValue {
  constructor(readonly trace_id: string, readonly span_id: string, readonly trace_state: string, readonly attributes: Map<string, unknown>) {}
}

/** Per-batch state shared by the span values of one view: resource maps and scopes, decoded once. */
export class BatchValues {
  readonly scratch = new AttributeCursor();
  private resources: (Map<string, unknown> | undefined)[] = [];
  private scopes: (ScopeValue | undefined)[] = [];
  view!: TracesView;

  constructor(readonly wanted: Wanted) {}

  reset(view: TracesView): void {
    this.view = view;
    this.resources.length = 0;
    this.scopes.length = 0;
  }

  resource(r: number): Map<string, unknown> {
    let map = this.resources[r];
    if (map === undefined) {
      map = new Map();
      fillAttributes(map, this.view.resourceAttributes(r, this.scratch), this.wanted.resource);
      this.resources[r] = map;
    }
    return map;
  }

  scope(s: number): ScopeValue {
    return (this.scopes[s] ??= new ScopeValue(this, s));
  }
}

/**
 * `span`. Reads its cursor's current position: the hot path moves one SpanValue from span to span
 * (`rebind`), a trace holds one per span, each with its own cursor.
 */
export class SpanValue {
  private attrs = new Map<string, unknown>();
  private attrsFilled = false;
  readonly status = new StatusValue(this);

  constructor(readonly batch: BatchValues, readonly cursor: SpanCursor) {}

  /** The cursor moved to another span: forget what was decoded for the last one. */
  rebind(): void {
    this.attrsFilled = false;
  }

  get name(): string { return this.cursor.name; }
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  get kind(): bigint { return celInt(this.cursor.kind); }
  get duration_ms(): number { return this.cursor.durationNanos / 1e6; }
  get start_time(): Date { return new Date(this.cursor.startTimeUnixMs); }
  get end_time(): Date { return new Date(this.cursor.endTimeUnixMs); }
  get trace_id(): string { return this.cursor.traceIdHex; }
  get span_id(): string { return this.cursor.spanIdHex; }
  get parent_span_id(): string { return this.cursor.parentSpanIdHex; }
  get trace_state(): string { return this.cursor.traceState; }
  /** No parent span id (absent, empty or all zeros). */
  get is_root(): boolean { return /^0*$/.test(this.cursor.parentSpanIdHex); }
  get attributes(): Map<string, unknown> {
    if (!this.attrsFilled) {
      fillAttributes(this.attrs, this.cursor.attributes(this.batch.scratch), this.batch.wanted.span);
      this.attrsFilled = true;
    }
    return this.attrs;
  }
  get events(): EventValue[] {
    const out: EventValue[] = [];
    const events = this.cursor.events(new EventCursor(this.batch.view.bytes));
    const attrs = new AttributeCursor();
    while (events.next()) {
      const map = new Map<string, unknown>();
      fillAttributes(map, events.attributes(attrs), undefined);
      out.push(new EventValue(events.name, new Date(Number(events.timeUnixNano / 1000000n)), map));
    }
    return out;
  }
  get links(): LinkValue[] {
    const out: LinkValue[] = [];
    const links = this.cursor.links(new LinkCursor(this.batch.view.bytes));
    const attrs = new AttributeCursor();
    while (links.next()) {
      const map = new Map<string, unknown>();
      fillAttributes(map, links.attributes(attrs), undefined);
      out.push(new LinkValue(links.traceIdHex, links.spanIdHex, links.traceState, map));
    }
    return out;
  }
  get resource(): Map<string, unknown> { return this.batch.resource(this.cursor.resourceIndex); }
  get scope(): ScopeValue { return this.batch.scope(this.cursor.scopeIndex); }
}
