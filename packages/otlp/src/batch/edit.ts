// Recorded edits and the splicing writer. Only the path from the request down to an edited
// record is re-encoded; every other field, known or unknown, is copied byte for byte.
import { ProtoWriter, WireType } from '../wire/writer.js';
import { RECORD_TYPE, REQUEST_TYPE } from '../schema/otlp.js';
import { Kind, type FieldDef, type MessageType } from '../schema/types.js';
import { writeKeyValue, type AttributeValue } from '../build/values.js';
import { bytesEqualString } from './attributes.js';
import { WireReader } from './read.js';
import { Level, type BatchView } from './view.js';
import { LEVELS } from './walk.js';

const enum Op { Set, Rename, Delete }

/** A scalar field of a record replaced (`value`), or a repeated message field cut to its first `max` entries. */
interface FieldEdit {
  readonly no: number;
  readonly value: string | number | undefined;
  readonly max: number;
}

interface AttributeEdit {
  readonly op: Op;
  readonly key: string;
  readonly to: string;
  readonly value: AttributeValue;
}

/** What an editor can address: a resource group, a scope group, a record or a data point. */
export type EditTarget = 'resource' | 'scope' | 'span' | 'log' | 'metric' | 'point';

const LEVEL_OF: Record<EditTarget, Level> = {
  resource: Level.Resource, scope: Level.Scope, span: Level.Record, log: Level.Record, metric: Level.Record, point: Level.Point,
};

/**
 * Records edits against a view, then writes the edited request. Edits address the original
 * attributes of an entry: for one key, the last edit recorded wins; a rename also removes an
 * existing attribute that already has the new name. Resource and scope attributes live in the
 * group's Resource / InstrumentationScope message, which is created if absent.
 *
 * ```ts
 * const edits = view.edit();
 * edits.setAttribute('span', 3, 'deployment.environment.name', 'prod');
 * edits.drop('span', 7);
 * const bytes = edits.encode();
 * ```
 */
export class BatchEditor<T extends EditTarget> {
  private readonly view: BatchView;
  private readonly ops: (AttributeEdit[] | undefined)[][] = [[], [], [], []];
  private readonly fieldOps: (FieldEdit[] | undefined)[][] = [[], [], [], []];
  private readonly dropped: Uint8Array[];
  private readonly dirty: Uint8Array[];
  private edits = 0;
  /** The output; `encode` makes it, sized for the request. */
  private w!: ProtoWriter;
  private readonly next = new Int32Array(LEVELS);
  private readonly r: WireReader;
  /** Key bytes of the KeyValue that `keyRange` last looked at. */
  private keyStart = 0;
  private keyEnd = 0;

  constructor(view: BatchView) {
    this.view = view;
    this.r = new WireReader().reset(view.bytes);
    this.dropped = view.levels.map((L) => new Uint8Array(L.count));
    this.dirty = view.levels.map((L) => new Uint8Array(L.count));
  }

  /** Number of edits and drops recorded. */
  get editCount(): number {
    return this.edits;
  }

  setAttribute(target: T, index: number, key: string, value: AttributeValue): this {
    return this.add(target, index, { op: Op.Set, key, to: key, value });
  }

  renameAttribute(target: T, index: number, from: string, to: string): this {
    return this.add(target, index, { op: Op.Rename, key: from, to, value: undefined });
  }

  deleteAttribute(target: T, index: number, key: string): this {
    return this.add(target, index, { op: Op.Delete, key, to: key, value: undefined });
  }

  /**
   * Replaces a string or unsigned-int field of a record (a span's `trace_state`, its
   * `dropped_attributes_count`…), or adds it when absent. Only singular string and uint32 fields
   * of the record's own message can be set: anything else throws, so an edit cannot write bytes
   * a reader would take for another type.
   */
  setField(target: T, index: number, field: number, value: string | number): this {
    const def = this.recordField(target, index, field);
    const ok = typeof value === 'string' ? def.kind === Kind.String : def.kind === Kind.Uint32 && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
    if (!ok || def.repeated) throw new TypeError(`field ${field} of ${target} cannot take ${typeof value} ${String(value)}`);
    return this.addField(target, index, { no: field, value, max: 0 });
  }

  /** Keeps only the first `max` entries of a repeated message field of a record (a span's events). */
  keepFirst(target: T, index: number, field: number, max: number): this {
    const def = this.recordField(target, index, field);
    if (!def.repeated || def.kind !== Kind.Message || !(Number.isInteger(max) && max >= 0)) throw new TypeError(`field ${field} of ${target} is not a repeated message field, or ${max} is not a count`);
    return this.addField(target, index, { no: field, value: undefined, max });
  }

  private recordField(target: T, index: number, field: number): FieldDef {
    const level = this.checkedLevel(target, index);
    const type = RECORD_TYPE[this.view.signal];
    const def = level === Level.Record ? type.byNo[field] : undefined;
    if (def === undefined || type.attrField === field) throw new TypeError(`${target} has no field ${field} that can be edited this way`);
    return def;
  }

  private addField(target: T, index: number, edit: FieldEdit): this {
    const level = LEVEL_OF[target];
    const list = (this.fieldOps[level]![index] ??= []);
    const same = list.findIndex((e) => e.no === edit.no);
    if (same >= 0) list.splice(same, 1);
    list.push(edit);
    this.dirty[level]![index] = 1;
    this.markAncestors(level, index);
    this.edits++;
    return this;
  }

  /** Leaves the entry (and everything in it) out of the output. */
  drop(target: T, index: number): this {
    const level = this.checkedLevel(target, index);
    this.dropped[level]![index] = 1;
    this.markAncestors(level, index);
    this.edits++;
    return this;
  }

  isDropped(target: T, index: number): boolean {
    return this.dropped[LEVEL_OF[target]]![index] === 1;
  }

  private checkedLevel(target: T, index: number): Level {
    const level = LEVEL_OF[target];
    const count = this.view.countAt(level);
    if (!(index >= 0 && index < count)) throw new RangeError(`${target} index ${index} out of range [0, ${count})`);
    return level;
  }

  private add(target: T, index: number, edit: AttributeEdit): this {
    const level = this.checkedLevel(target, index);
    const list = (this.ops[level]![index] ??= []);
    const same = list.findIndex((e) => e.key === edit.key);
    if (same >= 0) list.splice(same, 1);
    list.push(edit);
    this.dirty[level]![index] = 1;
    this.markAncestors(level, index);
    this.edits++;
    return this;
  }

  private markAncestors(level: Level, index: number): void {
    let i = index;
    for (let l = level; l > 0; l--) {
      i = this.view.levels[l]!.parent[i]!;
      this.dirty[l - 1]![i] = 1;
    }
  }

  /** Groups whose children were all dropped are dropped too, so no empty groups are written. */
  private dropEmptyGroups(): void {
    for (let l = LEVELS - 2; l >= 0; l--) {
      const L = this.view.levels[l]!;
      const childDropped = this.dropped[l + 1]!;
      for (let i = 0; i < L.count; i++) {
        if (this.dirty[l]![i] === 0 || this.dropped[l]![i] === 1) continue;
        const [first, end] = this.view.childRange(l, i);
        if (first === end) continue;
        let kept = false;
        for (let c = first; c < end && !kept; c++) kept = childDropped[c] === 0;
        if (!kept) this.dropped[l]![i] = 1;
      }
    }
  }

  /**
   * Writes the edited request. With no edits recorded it returns the input bytes themselves
   * (no copy). Otherwise the result is a view over a fresh buffer.
   */
  encode(): Uint8Array {
    const bytes = this.view.bytes;
    if (this.edits === 0) return bytes;
    this.dropEmptyGroups();
    this.w = new ProtoWriter(bytes.length + 256);
    this.next.fill(0);
    this.body(REQUEST_TYPE[this.view.signal], bytes, 0, bytes.length, -1, -1, undefined);
    return this.w.finish();
  }

  /** Writes the body of a message of type `t`, applying `edits` to its attributes field. */
  private body(t: MessageType, buf: Uint8Array, pos: number, end: number, level: number, index: number, edits: AttributeEdit[] | undefined): void {
    const w = this.w;
    if (level >= 0 && level + 1 < LEVELS) this.next[level + 1] = this.view.levels[level]!.firstChild[index]!;
    const fields = level >= 0 ? this.fieldOps[level]![index] : undefined;
    const seen = fields !== undefined ? new Uint32Array(fields.length) : undefined;
    const attrField = edits !== undefined && t.holderField === 0 ? t.attrField : 0;
    const holderEdits = t.holderField !== 0 ? edits : undefined;
    const done = attrField !== 0 ? this.prescan(buf, pos, end, attrField, edits!) : undefined;
    let holderSeen = false;
    const r = this.r;
    while (pos < end) {
      const head = pos;
      const tag = r.varint(pos);
      pos = r.pos;
      const no = tag >>> 3;
      const wt = tag & 7;
      const fieldEnd = r.skip(pos, wt);
      if (fields !== undefined && this.skipField(fields, seen!, no)) {
        pos = fieldEnd;
        continue;
      }
      const child = wt === 2 && no < t.wire.length && t.wire[no] === 2 ? t.byNo[no]!.type : undefined;
      if (child !== undefined) {
        const len = r.varint(pos);
        const s = r.pos;
        if (child.level >= 0) {
          const ci = this.next[child.level]!++;
          if (this.dropped[child.level]![ci] === 1) { pos = fieldEnd; continue; }
          if (this.dirty[child.level]![ci] === 1) {
            this.nested(no, len, child, buf, s, fieldEnd, child.level, ci, this.ops[child.level]![ci]);
            pos = fieldEnd;
            continue;
          }
        } else if (no === t.holderField && holderEdits !== undefined) {
          holderSeen = true;
          this.nested(no, len, child, buf, s, fieldEnd, -1, -1, holderEdits);
          pos = fieldEnd;
          continue;
        } else if (child.containsIndexed) {
          this.nested(no, len, child, buf, s, fieldEnd, -1, -1, undefined);
          pos = fieldEnd;
          continue;
        } else if (no === attrField && this.keyValue(buf, s, fieldEnd, attrField, edits!, done!)) {
          pos = fieldEnd;
          continue;
        }
      }
      w.raw(buf, head, fieldEnd);
      pos = fieldEnd;
    }
    if (attrField !== 0) {
      for (let k = 0; k < edits!.length; k++) {
        const e = edits![k]!;
        if (e.op === Op.Set && done![k] === 0) writeKeyValue(w, attrField, e.key, e.value);
      }
    }
    if (holderEdits !== undefined && !holderSeen && holderEdits.some((e) => e.op === Op.Set)) {
      this.nested(t.holderField, 32, t.byNo[t.holderField]!.type!, buf, 0, 0, -1, -1, holderEdits);
    }
    if (fields !== undefined) {
      for (const f of fields) {
        if (typeof f.value === 'string') w.stringField(f.no, f.value);
        else if (typeof f.value === 'number' && f.value !== 0) {
          w.tag(f.no, WireType.Varint);
          w.varint(f.value);
        }
      }
    }
  }

  /** Whether an occurrence of field `no` is left out: a replaced scalar, or an entry past a `keepFirst` cut. */
  private skipField(fields: readonly FieldEdit[], seen: Uint32Array, no: number): boolean {
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      if (f.no !== no) continue;
      if (f.value !== undefined) return true;
      return ++seen[k]! > f.max;
    }
    return false;
  }

  /** Writes field `no` as a nested message of type `t` (its body from `body` over `[pos, end)`); `expected` sizes the length prefix. */
  private nested(no: number, expected: number, t: MessageType, buf: Uint8Array, pos: number, end: number, level: number, index: number, edits: AttributeEdit[] | undefined): void {
    const w = this.w;
    w.tag(no, WireType.Len);
    const m = w.begin(expected);
    this.body(t, buf, pos, end, level, index, edits);
    w.end(m);
  }

  /**
   * Marks which edits will apply. A rename applies only if its source key is present, and then
   * flags its target for removal (2 = remove attributes named `to`).
   */
  private prescan(buf: Uint8Array, pos: number, end: number, attrField: number, edits: AttributeEdit[]): Uint8Array {
    const done = new Uint8Array(edits.length);
    if (!edits.some((e) => e.op === Op.Rename)) return done;
    const want = (attrField << 3) | 2;
    const r = this.r;
    while (pos < end) {
      const tag = r.varint(pos);
      pos = r.pos;
      const fieldEnd = r.skip(pos, tag & 7);
      if (tag === want) {
        this.keyRange(r.pos, fieldEnd);
        for (let k = 0; k < edits.length; k++) {
          const e = edits[k]!;
          if (e.op === Op.Rename && bytesEqualString(buf, this.keyStart, this.keyEnd, e.key)) done[k] = 2;
        }
      }
      pos = fieldEnd;
    }
    return done;
  }

  /** Applies edits to one KeyValue `[s, e)`; returns false when it should be copied as is. */
  private keyValue(buf: Uint8Array, s: number, e: number, field: number, edits: AttributeEdit[], done: Uint8Array): boolean {
    this.keyRange(s, e);
    const ks = this.keyStart;
    const ke = this.keyEnd;
    for (let k = 0; k < edits.length; k++) {
      const edit = edits[k]!;
      if (done[k] === 2 && edit.to !== edit.key && bytesEqualString(buf, ks, ke, edit.to)) return true; // replaced by a rename
    }
    for (let k = 0; k < edits.length; k++) {
      const edit = edits[k]!;
      if (!bytesEqualString(buf, ks, ke, edit.key)) continue;
      if (edit.op === Op.Delete) return true;
      if (edit.op === Op.Set) {
        done[k] = 1;
        writeKeyValue(this.w, field, edit.key, edit.value);
        return true;
      }
      // Rename: the new key, then every other field of the KeyValue (the value) verbatim.
      const w = this.w;
      w.tag(field, WireType.Len);
      const m = w.begin(e - s);
      w.stringField(1, edit.to);
      let pos = s;
      const r = this.r;
      while (pos < e) {
        const head = pos;
        const tag = r.varint(pos);
        const next = r.skip(r.pos, tag & 7);
        if (tag !== 0x0a) w.raw(buf, head, next);
        pos = next;
      }
      w.end(m);
      return true;
    }
    return false;
  }

  /** Finds the key bytes of a KeyValue body (empty at `pos` when there is no key); sets keyStart and keyEnd. */
  private keyRange(pos: number, end: number): void {
    const ks = this.r.lenField(pos, end, 1);
    this.keyStart = ks < 0 ? pos : ks;
    this.keyEnd = ks < 0 ? pos : this.r.pos;
  }
}

/** A request holding only the resource groups `indexes` of `view`, copied byte for byte. */
export function encodeResources(view: BatchView, indexes: readonly number[]): Uint8Array {
  const L = view.levels[Level.Resource]!;
  let size = 0;
  for (const r of indexes) {
    if (!(r >= 0 && r < L.count)) throw new RangeError(`resource index ${r} out of range [0, ${L.count})`);
    size += view.resourceByteLength(r);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const r of indexes) {
    out.set(view.bytes.subarray(L.head[r]!, L.end[r]!), at);
    at += view.resourceByteLength(r);
  }
  return out;
}

