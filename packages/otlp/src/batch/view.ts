// The batch view: the request bytes plus the index the validating walk built. Nothing is
// copied or decoded up front; accessors read the bytes in place.
import { OtlpDecodeError } from '../wire/errors.js';
import { resolveLimits, type DecodeOptions } from '../wire/limits.js';
import { REQUEST_TYPE, type Signal } from '../schema/otlp.js';
import { Walker, newLevels, type LevelIndex } from './walk.js';
import { checkGroups } from './unique-keys.js';
import { MessageReader } from './reader.js';
import { AttributeCursor } from './attributes.js';

/** What `serviceName` answers for a resource without `service.name`. */
export const UNKNOWN_SERVICE = 'unknown_service';

/** Index levels: resource groups, scope groups, records (spans, logs, metrics), data points. */
export const enum Level {
  Resource = 0,
  Scope = 1,
  Record = 2,
  Point = 3,
}

export function indexBatch(bytes: Uint8Array, signal: Signal, options: DecodeOptions | undefined): LevelIndex[] {
  if (!(bytes instanceof Uint8Array)) throw new OtlpDecodeError('OTLP_TRUNCATED', 0, 'input is not a Uint8Array');
  const limits = resolveLimits(options);
  if (bytes.length > limits.maxMessageBytes) {
    throw new OtlpDecodeError('OTLP_TOO_LARGE', limits.maxMessageBytes, `message is ${bytes.length} bytes, limit ${limits.maxMessageBytes}`);
  }
  const levels = newLevels(bytes.length);
  new Walker(bytes, limits, levels).walk(REQUEST_TYPE[signal], 0, bytes.length, 0);
  checkGroups(bytes, levels);
  return levels;
}

/** What signal views share: counts, sizes, resource groups and scope groups. */
export class BatchView {
  /** The request bytes. The view reads them in place: do not modify them while the view is in use. */
  readonly bytes: Uint8Array;
  readonly signal: Signal;
  /** @internal */
  readonly levels: LevelIndex[];
  private readonly group: GroupReader;

  constructor(bytes: Uint8Array, signal: Signal, options?: DecodeOptions) {
    this.bytes = bytes;
    this.signal = signal;
    this.levels = indexBatch(bytes, signal, options);
    this.group = new GroupReader(bytes);
  }

  get byteLength(): number {
    return this.bytes.length;
  }

  /**
   * Indexes of the records (spans, log records) or, for metrics, data points whose ids break
   * OTLP's rules, ascending: found by the validating walk, nothing is read again.
   */
  malformedIds(): readonly number[] {
    return this.levels[this.signal === 'metrics' ? Level.Point : Level.Record]!.malformedIds;
  }

  get resourceCount(): number {
    return this.levels[Level.Resource]!.count;
  }

  get scopeCount(): number {
    return this.levels[Level.Scope]!.count;
  }

  /** @internal Number of entries at a level. */
  countAt(level: Level): number {
    return this.levels[level]!.count;
  }

  /** @internal First and end child index of entry `i` at `level`. */
  childRange(level: Level, i: number): [number, number] {
    const L = this.levels[level]!;
    const first = L.firstChild[i]!;
    const end = i + 1 < L.count ? L.firstChild[i + 1]! : this.levels[level + 1]!.count;
    return [first, end];
  }

  /** The scope groups of resource group `r`: `[first, end)` scope indexes. */
  resourceScopes(r: number): [number, number] {
    return this.childRange(Level.Resource, r);
  }

  /** The records (spans, log records or metrics) of scope group `s`: `[first, end)`. */
  scopeRecords(s: number): [number, number] {
    return this.childRange(Level.Scope, s);
  }

  /** The records of resource group `r` across its scopes: `[first, end)`. */
  resourceRecords(r: number): [number, number] {
    const [s0, s1] = this.resourceScopes(r);
    if (s0 === s1) {
      const scopes = this.levels[Level.Scope]!;
      const at = s0 < scopes.count ? scopes.firstChild[s0]! : this.levels[Level.Record]!.count;
      return [at, at];
    }
    return [this.scopeRecords(s0)[0], this.scopeRecords(s1 - 1)[1]];
  }

  /** Bytes of resource group `r` on the wire, tag and length included. */
  resourceByteLength(r: number): number {
    const L = this.levels[Level.Resource]!;
    return L.end[r]! - L.head[r]!;
  }

  /** The resource group a scope group belongs to. */
  scopeResource(s: number): number {
    return this.levels[Level.Scope]!.parent[s]!;
  }

  /** The scope group a record belongs to. */
  recordScope(i: number): number {
    return this.levels[Level.Record]!.parent[i]!;
  }

  /** Positions `cursor` on resource `r`'s attributes. */
  resourceAttributes(r: number, cursor?: AttributeCursor): AttributeCursor {
    return this.group.at(this.levels[Level.Resource]!, r).attributes(1, cursor);
  }

  /**
   * The `service.name` of resource group `r`, or `unknown_service` when it has none. Ownership
   * checks, routing and every later stage read it here. The walk has made sure that there is one
   * value to read: a resource with two `service.name` keys, a non-string one, or two Resource
   * messages to merge is refused whole, so every parser reads the same name.
   */
  serviceName(r: number): string {
    const a = this.resourceAttributes(r, this.serviceCursor ??= new AttributeCursor());
    while (a.next()) if (a.keyIs('service.name')) return a.stringValue!;
    return UNKNOWN_SERVICE;
  }

  private serviceCursor: AttributeCursor | undefined;

  resourceDroppedAttributesCount(r: number): number {
    return this.group.at(this.levels[Level.Resource]!, r).holderUint(2);
  }

  resourceSchemaUrl(r: number): string {
    return this.group.at(this.levels[Level.Resource]!, r).schemaUrl();
  }

  scopeName(s: number): string {
    return this.group.at(this.levels[Level.Scope]!, s).holderString(1);
  }

  scopeVersion(s: number): string {
    return this.group.at(this.levels[Level.Scope]!, s).holderString(2);
  }

  scopeAttributes(s: number, cursor?: AttributeCursor): AttributeCursor {
    return this.group.at(this.levels[Level.Scope]!, s).attributes(3, cursor);
  }

  scopeDroppedAttributesCount(s: number): number {
    return this.group.at(this.levels[Level.Scope]!, s).holderUint(4);
  }

  scopeSchemaUrl(s: number): string {
    return this.group.at(this.levels[Level.Scope]!, s).schemaUrl();
  }
}

/** Reads a Resource<X> or Scope<X> group: its holder message (field 1) and schema_url (field 3). */
class GroupReader extends MessageReader {
  /** Body of the holder message (Resource or InstrumentationScope); empty when absent. */
  private holderStart = 0;
  private holderEnd = 0;

  at(L: LevelIndex, i: number): this {
    this.load(L.start[i]!, L.end[i]!);
    const fields = this.fields; // field 1 is always length-delimited: the walk checked its wire type
    const at = fields.at[1]!;
    this.holderStart = at < 0 ? 0 : at;
    this.holderEnd = at < 0 ? 0 : fields.to[1]!;
    return this;
  }

  schemaUrl(): string {
    return this.str(3);
  }

  attributes(field: number, cursor: AttributeCursor | undefined): AttributeCursor {
    this.load(this.holderStart, this.holderEnd);
    return this.attrs(field, cursor);
  }

  holderString(no: number): string {
    this.load(this.holderStart, this.holderEnd);
    return this.str(no);
  }

  holderUint(no: number): number {
    this.load(this.holderStart, this.holderEnd);
    return this.uint(no);
  }
}

/** A cursor over the entries of one index level: `seek(i)` or `next()`, then read fields. */
export class IndexedCursor extends MessageReader {
  /** Index of the current entry (-1 before the first `next()`). */
  index = -1;
  protected readonly L: LevelIndex;
  protected readonly view: BatchView;

  constructor(view: BatchView, level: Level) {
    super(view.bytes);
    this.view = view;
    this.L = view.levels[level]!;
  }

  get count(): number {
    return this.L.count;
  }

  seek(i: number): this {
    if (!(i >= 0 && i < this.L.count)) throw new RangeError(`index ${i} out of range [0, ${this.L.count})`);
    this.index = i;
    this.load(this.L.start[i]!, this.L.end[i]!);
    return this;
  }

  /** Moves to the next entry; false after the last one. */
  next(): boolean {
    const i = this.index + 1;
    if (i >= this.L.count) { this.index = this.L.count; return false; }
    this.index = i;
    this.load(this.L.start[i]!, this.L.end[i]!);
    return true;
  }

  /** Restarts iteration (the next `next()` returns the first entry). */
  rewind(): this {
    this.index = -1;
    return this;
  }

  /** Bytes of the current entry on the wire, tag and length included. */
  get byteLength(): number {
    return this.L.end[this.index]! - this.L.head[this.index]!;
  }

  /** Index of the enclosing entry one level up. */
  get parentIndex(): number {
    return this.L.parent[this.index]!;
  }

  /** @internal Schema type id of the current entry (undefined before the first entry). */
  protected get typeId(): number {
    return this.L.type[this.index]!;
  }
}

/** A cursor over a repeated message field inside one record (span events, span links). */
export class NestedCursor extends MessageReader {
  private pos = 0;
  private limit = 0;
  private tag = 0;

  /** Positions the cursor before the first `field` entry of the body `[start, end)` of `buf`. */
  reset(buf: Uint8Array, start: number, end: number, field: number): this {
    this.buf = buf;
    this.r.reset(buf);
    this.pos = start;
    this.limit = end;
    this.tag = (field << 3) | 2;
    return this;
  }

  next(): boolean {
    const r = this.r;
    let pos = this.pos;
    while (pos < this.limit) {
      const tag = r.varint(pos);
      pos = r.pos;
      if (tag !== this.tag) { pos = r.skip(pos, tag & 7); continue; }
      const len = r.varint(pos);
      pos = r.pos;
      this.pos = pos + len;
      this.load(pos, pos + len);
      return true;
    }
    this.pos = this.limit;
    return false;
  }
}
