// The validating walk: one pass over a request that checks every field against the schema and
// the limits, and records where each resource group, scope group, record and data point sits.
// After it succeeds, every accessor of the view is total: it reads only ranges checked here.
import { OtlpDecodeError } from '../wire/errors.js';
import { DEFAULT_LIMITS, type ResolvedLimits } from '../wire/limits.js';
import { findInvalidUtf8 } from '../wire/utf8.js';
import { schema } from '../schema/otlp.js';
import { keepHiddenClass } from './anchor.js';
import { FIELD_KEYVALUES, FIELD_ONEOF, FIELD_PACKABLE, FIELD_SINGLE_MESSAGE, FIELD_STRING, wireTypeOf, type Kind, type MessageType } from '../schema/types.js';
import { WireReader } from './read.js';

/** Offsets of every entry of one level (resource groups, scope groups, records or data points). */
export class LevelIndex {
  count = 0;
  /** Offset of the field's tag. */
  head: Int32Array;
  /** Body start and end. */
  start: Int32Array;
  end: Int32Array;
  /** Index of the enclosing entry one level up (-1 at level 0). */
  parent: Int32Array;
  /** Index of the first child one level down; children are contiguous. */
  firstChild: Int32Array;
  /** Schema type id of the entry (data points come in four types). */
  type: Uint8Array;
  /**
   * Entries whose ids break OTLP's rules, ascending (records and data points; see `checkIds`).
   * Found by the walk as it passes the id fields, so the gateway's id check reads no record again.
   */
  readonly malformedIds: number[] = [];

  /** Allocates the columns, or lays them over `buffer` from byte `offset` (see `newLevels`). */
  constructor(capacity: number, buffer = new ArrayBuffer(capacity * BYTES_PER_ENTRY), offset = 0) {
    const column = capacity * 4;
    this.head = new Int32Array(buffer, offset, capacity);
    this.start = new Int32Array(buffer, offset + column, capacity);
    this.end = new Int32Array(buffer, offset + 2 * column, capacity);
    this.parent = new Int32Array(buffer, offset + 3 * column, capacity);
    this.firstChild = new Int32Array(buffer, offset + 4 * column, capacity);
    this.type = new Uint8Array(buffer, offset + 5 * column, capacity);
  }

  grow(): void {
    const bigger = new LevelIndex(this.start.length * 2);
    bigger.head.set(this.head);
    bigger.start.set(this.start);
    bigger.end.set(this.end);
    bigger.parent.set(this.parent);
    bigger.firstChild.set(this.firstChild);
    bigger.type.set(this.type);
    this.head = bigger.head;
    this.start = bigger.start;
    this.end = bigger.end;
    this.parent = bigger.parent;
    this.firstChild = bigger.firstChild;
    this.type = bigger.type;
  }
}

export const LEVELS = 4;
const KEY_VALUE = schema.get('KeyValue');
const ANY_VALUE = schema.get('AnyValue');
const SPAN = schema.get('Span');
const LINK = schema.get('Link');
const LOG_RECORD = schema.get('LogRecord');
const EXEMPLAR = schema.get('Exemplar');
/** The messages with id fields, as `walk` tells them apart. */
const enum Ids { None, Span, Link, LogRecord, Exemplar }
/** `seen` bit of KeyValue.value. */
const VALUE_BIT = 1 << 2;

/** Five Int32 columns and one Uint8 column. */
const BYTES_PER_ENTRY = 21;

export function newLevels(byteLength: number): LevelIndex[] {
  // ~375 bytes per span in practice; start at one slot per 128 bytes and double when needed.
  const capacities = [8, 16, (byteLength >>> 7) + 16, 16];
  // All four levels share one ArrayBuffer: one backing-store allocation per request instead of
  // 24 (each typed array over 64 bytes gets its own). 3.4 against 13 ns per span of a
  // 512-span request (scratch micro-benchmark, Node 20).
  let bytes = 0;
  for (const c of capacities) bytes += (c * BYTES_PER_ENTRY + 3) & ~3; // keep each level's Int32 columns aligned
  const buffer = new ArrayBuffer(bytes);
  let offset = 0;
  return capacities.map((c) => {
    const L = new LevelIndex(c, buffer, offset);
    offset += (c * BYTES_PER_ENTRY + 3) & ~3;
    return L;
  });
}

/** The walk reads its varints itself: as a WireReader, not through one (a field load and a call less per read: 9% of the walk). */
export class Walker extends WireReader {
  constructor(
    buf: Uint8Array,
    private readonly limits: ResolvedLimits,
    private readonly levels: LevelIndex[],
  ) {
    super();
    this.buf = buf;
  }

  private record(t: MessageType, head: number, start: number, end: number): void {
    const levels = this.levels;
    const level = t.level;
    const L = levels[level]!;
    const i = L.count;
    if (i === L.start.length) L.grow();
    L.head[i] = head;
    L.start[i] = start;
    L.end[i] = end;
    L.type[i] = t.id;
    L.parent[i] = level > 0 ? levels[level - 1]!.count - 1 : -1;
    L.firstChild[i] = level + 1 < LEVELS ? levels[level + 1]!.count : 0;
    L.count = i + 1;
  }

  /**
   * Checks the body `[pos, end)` of a message of type `t`. `seen` holds the bits (1 << field
   * number) of singular-message and oneof fields already met in this body, when a fast path
   * hands over in the middle of one.
   */
  walk(t: MessageType, pos: number, end: number, depth: number, seen = 0): void {
    const buf = this.buf;
    const wire = t.wire;
    const flags = t.flags;
    const known = wire.length;
    let attributes = 0;
    // Messages with ids: the state of each id field (`idState`; 0 when absent), the last copy
    // winning as in every parser. Slot 0 is the trace id, 1 the span id, 2 the parent span id.
    const ids = t === SPAN ? Ids.Span : t === LINK ? Ids.Link : t === LOG_RECORD ? Ids.LogRecord : t === EXEMPLAR ? Ids.Exemplar : Ids.None;
    let id0 = 0, id1 = 0, id2 = 0;
    while (pos < end) {
      const head = pos;
      let tag = buf[pos]!;
      if (tag < 0x80) pos++;
      else { tag = this.varint32(pos, end, head); pos = this.pos; }
      const no = tag >>> 3;
      const wt = tag & 7;
      if (no === 0) throw new OtlpDecodeError('OTLP_INVALID_TAG', head, 'field number 0');
      const expect = no < known ? wire[no]! : -1;
      const f = no < known ? flags[no]! : 0;
      if (expect >= 0 && wt !== expect && !(wt === 2 && (f & FIELD_PACKABLE) !== 0)) {
        throw new OtlpDecodeError('OTLP_WIRE_TYPE', head, `${t.name} field ${no} has wire type ${wt}, expected ${expect}`);
      }
      if ((f & (FIELD_SINGLE_MESSAGE | FIELD_ONEOF)) !== 0) seen = once(t, no, f, seen, head);
      switch (wt) {
        case 0:
          this.varint64(pos, end);
          pos = this.pos;
          break;
        case 1:
          pos += 8;
          if (pos > end) throw new OtlpDecodeError('OTLP_TRUNCATED', head, 'fixed64 runs past the end of its message');
          break;
        case 5:
          pos += 4;
          if (pos > end) throw new OtlpDecodeError('OTLP_TRUNCATED', head, 'fixed32 runs past the end of its message');
          break;
        case 2: {
          let len = buf[pos]!;
          if (len < 0x80 && pos < end) pos++;
          else { len = this.varint32(pos, end, head); pos = this.pos; }
          const bodyEnd = pos + len;
          if (bodyEnd > end) throw new OtlpDecodeError('OTLP_TRUNCATED', head, `${t.name} field ${no} is ${len} bytes long but only ${end - pos} remain`);
          if ((f & FIELD_KEYVALUES) !== 0) { // repeated KeyValue: the bulk of most requests
            if (++attributes > this.limits.maxAttributes) {
              throw new OtlpDecodeError('OTLP_TOO_MANY_ATTRIBUTES', head, `${t.name} has more than ${this.limits.maxAttributes} attributes`);
            }
            this.keyValue(pos, bodyEnd, depth);
          } else if (expect === 2) {
            const child = t.byNo[no]!.type;
            if (child !== undefined) {
              if (child.level >= 0) this.record(child, head, pos, bodyEnd);
              let d = depth;
              if (child.isAnyValue && ++d > this.limits.maxDepth) {
                throw new OtlpDecodeError('OTLP_DEPTH', head, `AnyValue nested deeper than ${this.limits.maxDepth}`);
              }
              this.walk(child, pos, bodyEnd, d);
            } else if ((f & FIELD_STRING) !== 0) {
              if (this.limits.rejectInvalidUtf8) this.utf8(pos, bodyEnd, `${t.name} field ${no}`);
            } else if (ids !== Ids.None) {
              const slot = idSlot(ids, no);
              if (slot === 0) id0 = idState(buf, pos, bodyEnd, 16);
              else if (slot === 1) id1 = idState(buf, pos, bodyEnd, 8);
              else if (slot === 2) id2 = idState(buf, pos, bodyEnd, 8);
            }
          } else if (expect >= 0) {
            this.checkPacked(t.byNo[no]!.kind, pos, bodyEnd, head);
          }
          pos = bodyEnd;
          break;
        }
        case 3:
        case 4:
          throw new OtlpDecodeError('OTLP_INVALID_TAG', head, 'protobuf groups are not used by OTLP');
        default:
          throw new OtlpDecodeError('OTLP_WIRE_TYPE', head, `invalid wire type ${wt}`);
      }
    }
    if (ids !== Ids.None) this.checkIds(ids, id0, id1, id2);
  }

  /**
   * OTLP's id rules. A span's trace id is 16 bytes and its span id 8, neither all zeros, and its
   * parent span id empty or 8 bytes, not all zeros. A log record's ids are empty or those sizes,
   * not all zeros. Links and exemplars may leave ids empty or zero (the spec keeps links with an
   * invalid context) but an id that is there has its size. A bad link makes its span malformed;
   * a bad exemplar, its data point (exemplars are not records partial_success can count).
   */
  private checkIds(ids: Ids, trace: number, span: number, parent: number): void {
    switch (ids) {
      case Ids.Span:
        if (!(valid(trace, 16, false) && valid(span, 8, false) && valid(parent, 8, true))) this.malformed(2);
        break;
      case Ids.Link:
        if (!(sized(trace, 16) && sized(span, 8))) this.malformed(2);
        break;
      case Ids.LogRecord:
        if (!(valid(trace, 16, true) && valid(span, 8, true))) this.malformed(2);
        break;
      case Ids.Exemplar:
        if (!(sized(trace, 16) && sized(span, 8))) this.malformed(3);
        break;
    }
  }

  /** Marks the entry being walked at `level` (once). */
  private malformed(level: number): void {
    const L = this.levels[level]!;
    const i = L.count - 1;
    const list = L.malformedIds;
    if (list[list.length - 1] !== i) list.push(i);
  }

  // Attributes are most of the bytes of a typical batch, so KeyValue and AnyValue get a
  // specialised check with the same rules as `walk`; it took the walk from 461 to ~300 ns per
  // span on the bench corpus. Anything unusual (unknown fields, odd order) falls back to `walk`.
  private keyValue(pos: number, end: number, depth: number): void {
    const buf = this.buf;
    let seen = 0;
    while (pos < end) {
      const tag = buf[pos]!;
      if (tag !== 0x0a && tag !== 0x12) { this.walk(KEY_VALUE, pos, end, depth, seen); return; }
      const head = pos;
      let len = buf[pos + 1]!;
      if (len < 0x80 && pos + 1 < end) pos += 2;
      else { len = this.varint32(pos + 1, end, head); pos = this.pos; }
      const e = pos + len;
      if (e > end) throw new OtlpDecodeError('OTLP_TRUNCATED', head, `KeyValue field ${tag >>> 3} is ${len} bytes long but only ${end - pos} remain`);
      if (tag === 0x0a) {
        if (this.limits.rejectInvalidUtf8) this.utf8(pos, e, 'KeyValue key');
      } else {
        if ((seen & VALUE_BIT) !== 0) throw duplicate(KEY_VALUE, 2, head);
        seen = VALUE_BIT;
        if (depth + 1 > this.limits.maxDepth) throw new OtlpDecodeError('OTLP_DEPTH', head, `AnyValue nested deeper than ${this.limits.maxDepth}`);
        this.anyValue(pos, e, depth + 1);
      }
      pos = e;
    }
  }

  private anyValue(pos: number, end: number, depth: number): void {
    if (pos >= end) return;
    const buf = this.buf;
    const tag = buf[pos]!;
    const head = pos;
    if (tag === 0x0a || tag === 0x3a) {
      let len = buf[pos + 1]!;
      if (len < 0x80 && pos + 1 < end) pos += 2;
      else { len = this.varint32(pos + 1, end, head); pos = this.pos; }
      const e = pos + len;
      if (e > end) throw new OtlpDecodeError('OTLP_TRUNCATED', head, `AnyValue field ${tag >>> 3} is ${len} bytes long but only ${end - pos} remain`);
      if (tag === 0x0a && this.limits.rejectInvalidUtf8) this.utf8(pos, e, 'AnyValue string_value');
      pos = e;
    } else if (tag === 0x10 || tag === 0x18) {
      this.varint64(pos + 1, end);
      pos = this.pos;
    } else if (tag === 0x21) {
      pos += 9;
      if (pos > end) throw new OtlpDecodeError('OTLP_TRUNCATED', head, 'fixed64 runs past the end of its message');
    } else {
      this.walk(ANY_VALUE, pos, end, depth);
      return;
    }
    // One variant is what every SDK writes. Anything after it goes through the general walk,
    // told that this member is set (a second member is OTLP_ONEOF_CONFLICT).
    if (pos < end) this.walk(ANY_VALUE, pos, end, depth, 1 << (tag >>> 3));
  }

  private utf8(start: number, end: number, what: string): void {
    const bad = findInvalidUtf8(this.buf, start, end);
    if (bad >= 0) throw new OtlpDecodeError('OTLP_INVALID_UTF8', bad, `${what} is not valid UTF-8`);
  }

  private checkPacked(kind: Kind, pos: number, end: number, head: number): void {
    const wt = wireTypeOf(kind);
    if (wt === 1 || wt === 5) {
      if ((end - pos) % (wt === 1 ? 8 : 4) !== 0) throw new OtlpDecodeError('OTLP_TRUNCATED', head, 'packed fixed-size field has a partial element');
      return;
    }
    while (pos < end) { this.varint64(pos, end); pos = this.pos; }
  }
}

/** Which id `no` is in a message of kind `ids`: 0 trace id, 1 span id, 2 parent span id, -1 none. */
function idSlot(ids: Ids, no: number): number {
  switch (ids) {
    case Ids.Span: return no === 1 ? 0 : no === 2 ? 1 : no === 4 ? 2 : -1;
    case Ids.Link: return no === 1 ? 0 : no === 2 ? 1 : -1;
    case Ids.LogRecord: return no === 9 ? 0 : no === 10 ? 1 : -1;
    case Ids.Exemplar: return no === 5 ? 0 : no === 4 ? 1 : -1;
    default: return -1;
  }
}

/** An id's length, or -1 when it has `size` bytes that are all zero (an empty id is 0, as an absent one). */
function idState(buf: Uint8Array, start: number, end: number, size: number): number {
  const n = end - start;
  if (n !== size) return n;
  for (let i = start; i < end; i++) if (buf[i] !== 0) return n;
  return -1;
}

/** `size` bytes and not all zero; empty passes when `emptyAllowed`. */
function valid(state: number, size: number, emptyAllowed: boolean): boolean {
  return state === 0 ? emptyAllowed : state === size;
}

/** Empty or `size` bytes, zeros allowed. */
function sized(state: number, size: number): boolean {
  return state === 0 || state === size || state === -1;
}

/**
 * Records that field `no` (a singular message or a oneof member, flags `f`) occurs in a body
 * where `seen` fields already did; throws when that makes a second copy or a second member.
 * Repeated scalars are left alone: every parser keeps the last one.
 */
function once(t: MessageType, no: number, f: number, seen: number, head: number): number {
  const bit = 1 << no;
  if ((f & FIELD_SINGLE_MESSAGE) !== 0 && (seen & bit) !== 0) throw duplicate(t, no, head);
  if ((f & FIELD_ONEOF) !== 0 && (seen & t.oneof & ~bit) !== 0) throw oneofConflict(t, no, head);
  return seen | bit;
}

function duplicate(t: MessageType, no: number, head: number): OtlpDecodeError {
  return new OtlpDecodeError('OTLP_DUPLICATE_FIELD', head, `${t.name}.${t.byNo[no]!.json} occurs twice in one ${t.name}`);
}

function oneofConflict(t: MessageType, no: number, head: number): OtlpDecodeError {
  return new OtlpDecodeError('OTLP_ONEOF_CONFLICT', head, `${t.name}.${t.byNo[no]!.json} is set beside another member of the same oneof`);
}

keepHiddenClass(new Walker(new Uint8Array(0), DEFAULT_LIMITS, newLevels(0))); // see anchor.ts
