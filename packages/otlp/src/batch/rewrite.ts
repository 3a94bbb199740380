// Content rewriting: offers every attribute key and every string a request carries (span and
// event names, span status messages, log bodies, attribute values at any depth of arrays and kvlists, in resource,
// scope, span, event, link, log, metric, data point and exemplar attributes) to a visitor that
// may rename, replace or drop it, then writes the new request by splicing.
//
// Two passes. The first walks the bytes along a plan derived from the schema and records edits
// (whole fields: a string field replaced, a KeyValue or array element removed, a resource group
// removed) by their byte range, and the enclosing message fields of each edit ("frames": their
// tag, length and body offsets, known to the walk as it descends). When the visitor changed
// nothing, the input is returned as is: the walk allocates nothing but the strings it decodes for
// the visitor. The second pass copies the input verbatim between edits and frames, writing a new
// length prefix for each frame, so untouched records, groups and unknown fields are copied as they
// were and nothing is parsed again.
//
// The input must be a request the validating walk accepted (decodeTraces/Logs/Metrics): the
// first pass trusts the structure.
import { Copier, putVarint, varintSize, WireType } from '../wire/writer.js';
import { REQUEST_TYPE, type Signal } from '../schema/otlp.js';
import { Kind, type MessageType } from '../schema/types.js';
import { WireReader, double, int64Value } from './read.js';
import { StringCache } from './string-cache.js';
import { decodeUtf8, writeUtf8 } from '../wire/utf8.js';
import { MEMO_MAX_BYTES, UnchangedMemo } from './unchanged-memo.js';

/** Where a string or an attribute sits. */
export enum Place {
  Resource, Scope, Span, Event, Link, Log, Metric, Point, Exemplar,
  /** Span.name. */
  SpanName,
  /** Event.name. */
  EventName,
  /** LogRecord.body (a string, or strings nested in its arrays and kvlists). */
  LogBody,
  /** Span.status.message. */
  StatusMessage,
}

export const PLACE_NAMES: readonly string[] = [
  'resource', 'scope', 'span', 'event', 'link', 'log', 'metric', 'point', 'exemplar', 'span.name', 'event.name', 'log.body',
  'status.message',
];

/**
 * Called in byte order. `key` is the top-level attribute key of the value (after any rename), or
 * '' for names and bodies; `depth` is 0 for an attribute's own value and grows inside arrays and
 * kvlists; `at` is the byte offset of the string's field in the input, the same for every visitor
 * that walks the same bytes (so findings can be shared between passes).
 *
 * Return `undefined` to keep, a replacement, or `null` to drop: an attribute (KeyValue) at depth 0,
 * an array element or kvlist entry deeper, a resource group, or the name/body field itself.
 */
export interface RewriteVisitor {
  /** A resource group starts; false leaves the whole group out. */
  resource?(index: number): boolean;
  /** An attribute key. A string renames it (depth 0 only; deeper keys are kept). */
  key?(place: Place, key: string, depth: number): string | null | undefined;
  /** Whether string values of `key` are to be decoded and offered to `value` (default: all). */
  wantsValue?(place: Place, key: string, depth: number): boolean;
  /** A string value; a number replaces it with an int_value (an integer). */
  value?(place: Place, key: string, value: string, at: number, depth: number): string | number | null | undefined;
  /** Whether a non-string scalar (int, double, bool, bytes) of `key` is to be offered to `scalar`. */
  wantsScalar?(place: Place, key: string, depth: number): boolean;
  /** A non-string scalar as text (ints in decimal, bytes in base64); a string replaces the value. */
  scalar?(place: Place, key: string, text: string, depth: number): string | null | undefined;
  /** A renamed key met its canonical key in the same list: the canonical value is kept. */
  conflict?(place: Place, key: string): void;
  /**
   * Asked once per attribute that survived `key` and the rename conflicts, with its final key:
   * true drops it. Lets one walk rename and then decide on the renamed key, as two walks would.
   */
  dropKey?(place: Place, key: string, depth: number): boolean;
  /**
   * Opt-in memo of fields left alone (batch/unchanged-memo.ts), with `effects`: a number in
   * [1, 2^31) naming everything besides a field's own bytes that decides what this visitor does
   * with a top-level attribute or a name at `place` (0: no memo there). The visitor promises that
   * a visit of the same bytes under the same context, which changed nothing and left `effects()`
   * where it was, would do the same again: such a visit is then skipped. For an int, double or
   * bool attribute whose value was not offered (`wantsScalar` false), the same bytes are its key
   * and its value's type (memoEnd): nothing that decides such a visit sees the value.
   */
  memoContext?(place: Place): number;
  /** A counter that moves with every side effect of a visit (ledger counts, findings). */
  effects?(): number;
}

/**
 * Where the memo's bytes of the KeyValue body [bs, be) end. Mostly at `be`: the whole attribute.
 * A scalar attribute laid out as encoders write it (the key, then a value holding one int, double
 * or bool and nothing after it) ends at its value's type tag: it is remembered by its key and the
 * value's type, and hits only where its visit did not offer the value (`wantsScalar` false), so
 * measurements that never repeat (amounts, durations, sizes) are skipped as well as repeated
 * strings. Such a visit cannot depend on the value: `key`, `dropKey` and `wantsScalar` never see it.
 */
function memoEnd(buf: Uint8Array, bs: number, be: number): number {
  const keyLength = buf[bs + 1]!;
  if (buf[bs] !== 0x0a || keyLength >= 0x80) return be;
  const v = bs + 2 + keyLength;
  if (v + 3 > be || buf[v] !== 0x12) return be;
  const len = buf[v + 1]!;
  if (len >= 0x80 || v + 2 + len !== be) return be;
  const tag = buf[v + 2]!;
  if (tag === 0x21) return len === 9 ? v + 3 : be;
  if ((tag !== 0x10 && tag !== 0x18) || len < 2 || len > 11) return be;
  // One varint filling the rest of the value: any other field after it could change its type.
  for (let p = v + 3; p < be - 1; p++) if (buf[p]! < 0x80) return be;
  return buf[be - 1]! < 0x80 ? v + 3 : be;
}

/** `order` holds 0..n-1, sorted by `start` unless `sorted` says they already are. */
function byStart(order: number[], n: number, sorted: boolean, start: number[]): number[] {
  order.length = n;
  for (let i = 0; i < n; i++) order[i] = i;
  if (!sorted) order.sort((a, b) => start[a]! - start[b]!);
  return order;
}

/** A memo state: the attribute was found in the memo (no visit). */
const MEMO_HIT = -2;
/** A memo state: not memoized (no context, too long, or its key visit had an effect). */
const MEMO_NONE = -1;

const enum H { None, Child, Attrs, Str, Any }
const enum E { Drop, Str, Int }

interface Plan {
  readonly kind: Uint8Array;
  readonly child: (Plan | undefined)[];
  readonly place: Uint8Array;
  /** A request: field 1 holds the resource groups. */
  readonly request: boolean;
}

const PLACE_OF: Record<string, Place> = {
  Resource: Place.Resource, InstrumentationScope: Place.Scope, Span: Place.Span, Event: Place.Event, Link: Place.Link,
  LogRecord: Place.Log, Metric: Place.Metric, NumberDataPoint: Place.Point, HistogramDataPoint: Place.Point,
  ExponentialHistogramDataPoint: Place.Point, SummaryDataPoint: Place.Point, Exemplar: Place.Exemplar,
};
/** The string fields offered besides attributes ("Type.field_no"). */
const STRINGS: Record<string, Place> = { 'Span.5': Place.SpanName, 'Event.2': Place.EventName, 'Status.2': Place.StatusMessage };
const ANY_VALUES: Record<string, Place> = { 'LogRecord.5': Place.LogBody };

function buildPlan(type: MessageType, memo: Map<MessageType, Plan | null>): Plan | undefined {
  if (memo.has(type)) return memo.get(type) ?? undefined;
  memo.set(type, null); // cycles (AnyValue) never reach here: KeyValue lists are handled apart
  const size = type.byNo.length;
  const plan: Plan = { kind: new Uint8Array(size), child: new Array(size), place: new Uint8Array(size), request: type.name.startsWith('Export') };
  let any = false;
  for (const f of type.fields) {
    const id = `${type.name}.${f.no}`;
    if (f.kind === Kind.Message && f.typeName === 'KeyValue') {
      plan.kind[f.no] = H.Attrs;
      plan.place[f.no] = PLACE_OF[type.name] ?? Place.Metric;
      any = true;
    } else if (ANY_VALUES[id] !== undefined) {
      plan.kind[f.no] = H.Any;
      plan.place[f.no] = ANY_VALUES[id]!;
      any = true;
    } else if (STRINGS[id] !== undefined) {
      plan.kind[f.no] = H.Str;
      plan.place[f.no] = STRINGS[id]!;
      any = true;
    } else if (f.kind === Kind.Message && f.typeName !== undefined && f.typeName !== 'AnyValue') {
      const child = f.type ? buildPlan(f.type, memo) : undefined;
      if (child) { plan.kind[f.no] = H.Child; plan.child[f.no] = child; any = true; }
    }
  }
  const result = any ? plan : undefined;
  memo.set(type, result ?? null);
  return result;
}

const memo = new Map<MessageType, Plan | null>();
const PLANS: Record<Signal, Plan> = {
  traces: buildPlan(REQUEST_TYPE.traces, memo)!,
  logs: buildPlan(REQUEST_TYPE.logs, memo)!,
  metrics: buildPlan(REQUEST_TYPE.metrics, memo)!,
};

/**
 * Rewrites requests of one thread. Reuse one instance: its edit and key tables grow to the
 * largest request and are kept, so a request with no change allocates nothing but decoded strings.
 * A changed request is written into a new buffer of exactly its size, which it spans whole (a
 * processing thread transfers it as it is).
 */
export class Rewriter {
  private readonly r = new WireReader();
  private buf: Uint8Array = new Uint8Array(0);
  /** A DataView over exactly `buf`, for the memo's compares (made only when the memo is on). */
  private words: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private v!: RewriteVisitor;
  // Edits, in recording order.
  private eStart: number[] = [];
  private eEnd: number[] = [];
  private eKind: number[] = [];
  private eField: number[] = [];
  private eValue: (string | number)[] = [];
  private edits = 0;
  private sorted = true;
  private order: number[] = [];
  // The message fields the walk is inside (outermost first): field start, where its length
  // varint starts, body start, end; and its frame (-1 until an edit inside needs it).
  private pFs: number[] = [];
  private pLenAt: number[] = [];
  private pBody: number[] = [];
  private pFe: number[] = [];
  private pFrame: number[] = [];
  private pTop = 0;
  // Frames: the message fields that contain an edit, whose length prefix the write renews.
  private fFs: number[] = [];
  private fLenAt: number[] = [];
  private fBody: number[] = [];
  private fFe: number[] = [];
  private frames = 0;
  private fSorted = true;
  private fOrder: number[] = [];
  /** Per frame: its new body length (write). */
  private fLen: number[] = [];
  /** Per string edit: its replacement's UTF-8 length (write). */
  private eLen: number[] = [];
  // The write's scratch: edits and frames in order, the open frames and their deltas, and the
  // length prefixes to patch (output offset, value).
  private seq: number[] = [];
  private stack: number[] = [];
  private deltas: number[] = [];
  private pAt: number[] = [];
  private pLen: number[] = [];
  // KeyValue stack: [field start, field end, body start, body end] per entry, plus keys.
  private kv = new Int32Array(256);
  private kvTop = 0;
  private keys: string[] = [];
  private finals: (string | null)[] = [];
  private resourceIndex = 0;
  private readonly copier = new Copier();
  private readonly keyCache = new StringCache();
  private memo: UnchangedMemo | undefined;
  /** The visitor the memo's entries were made for: another one starts it empty. */
  private memoFor: RewriteVisitor | undefined;
  private memoOn = false;
  /** Scalar attributes by key and value type (memoEnd), apart from whole attributes. */
  private scalarMemo: UnchangedMemo | undefined;
  /** Per pushed KeyValue: MEMO_HIT, MEMO_NONE, or the memo slot to store it in. */
  private memoState: number[] = [];
  /** Per pushed KeyValue with a memo slot: where its memo bytes end (memoEnd). */
  private memoEnds: number[] = [];
  /** Scalars offered to the visitor so far (`scalar` calls). */
  private offered = 0;


  /** Number of edits the last `rewrite` made (0: it returned its input). */
  get editCount(): number {
    return this.edits;
  }

  rewrite(signal: Signal, bytes: Uint8Array, visitor: RewriteVisitor): Uint8Array {
    this.buf = bytes;
    this.r.reset(bytes);
    this.v = visitor;
    this.edits = 0;
    this.sorted = true;
    this.pTop = 0;
    this.frames = 0;
    this.fSorted = true;
    this.kvTop = 0;
    this.resourceIndex = 0;
    this.memoOn = visitor.memoContext !== undefined && visitor.effects !== undefined;
    if (this.memoOn) {
      if (this.memoFor !== visitor) { this.memo = new UnchangedMemo(); this.scalarMemo = new UnchangedMemo(); this.memoFor = visitor; }
      this.words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.walk(PLANS[signal], 0, bytes.length);
    if (this.edits === 0) return bytes;
    return this.write();
  }

  // ---- pass 1: walk and record ----

  private walk(plan: Plan, start: number, end: number): void {
    const r = this.r;
    const base = this.kvTop;
    let attrField = 0;
    let pos = start;
    while (pos < end) {
      const fieldStart = pos;
      const tag = r.varint(pos);
      const no = tag >>> 3;
      if ((tag & 7) !== WireType.Len) { pos = r.skip(r.pos, tag & 7); continue; }
      const lenAt = r.pos;
      const len = r.varint(lenAt);
      const body = r.pos;
      pos = body + len;
      const h = no < plan.kind.length ? plan.kind[no]! : H.None;
      if (h === H.None) continue;
      if (h === H.Child) {
        if (plan.request) {
          if (this.v.resource !== undefined && !this.v.resource(this.resourceIndex++)) {
            this.edit(fieldStart, pos, E.Drop, 0, 0);
            continue;
          }
        }
        this.enter(fieldStart, lenAt, body, pos);
        this.walk(plan.child[no]!, body, pos);
        this.pTop--;
      } else if (h === H.Attrs) {
        if (attrField !== 0 && attrField !== no) this.lists(base, plan.place[attrField]!, attrField), this.kvTop = base;
        attrField = no;
        this.push(fieldStart, pos, body, pos);
      } else if (h === H.Str) {
        if (this.memoOn) this.memoString(plan.place[no]!, fieldStart, pos, no, body);
        else this.stringField(plan.place[no]!, fieldStart, pos, no, body, '', 0, false);
      } else {
        this.enter(fieldStart, lenAt, body, pos);
        this.anyValue(plan.place[no]!, '', body, pos, 0, false);
        this.pTop--;
      }
    }
    if (attrField !== 0) this.lists(base, plan.place[attrField]!, attrField);
    this.kvTop = base;
  }

  private push(fs: number, fe: number, bs: number, be: number): void {
    const i = this.kvTop * 4;
    if (i + 4 > this.kv.length) {
      const grown = new Int32Array(this.kv.length * 2);
      grown.set(this.kv);
      this.kv = grown;
    }
    this.kv[i] = fs; this.kv[i + 1] = fe; this.kv[i + 2] = bs; this.kv[i + 3] = be;
    this.kvTop++;
  }

  /** The walk descends into the message field [fs, fe) (length varint at lenAt, body at body); `pTop--` leaves it. */
  private enter(fs: number, lenAt: number, body: number, fe: number): void {
    const d = this.pTop++;
    this.pFs[d] = fs; this.pLenAt[d] = lenAt; this.pBody[d] = body; this.pFe[d] = fe; this.pFrame[d] = -1;
  }

  /** Every message field the walk is inside becomes a frame (an edit is being recorded in it). */
  private frame(): void {
    let d = this.pTop - 1;
    while (d >= 0 && this.pFrame[d]! < 0) d--;
    for (d++; d < this.pTop; d++) {
      const f = this.frames++;
      const fs = this.pFs[d]!;
      if (f > 0 && fs < this.fFs[f - 1]!) this.fSorted = false;
      this.fFs[f] = fs; this.fLenAt[f] = this.pLenAt[d]!; this.fBody[f] = this.pBody[d]!; this.fFe[f] = this.pFe[d]!;
      this.pFrame[d] = f;
    }
  }

  /** The KeyValues pushed since `base` form one list: keys (renames, drops, conflicts), then values. */
  private lists(base: number, place: Place, _field: number): void {
    this.keyValues(base, this.kvTop, place, 0, '');
  }

  private keyValues(base: number, top: number, place: Place, depth: number, topKey: string): void {
    const r = this.r;
    const kv = this.kv;
    const keys = this.keys;
    const finals = this.finals;
    let renamed = false;
    const buf = this.buf;
    const memo = this.memo;
    const state = this.memoState;
    const context = depth === 0 && this.memoOn ? this.v.memoContext!(place) : 0;
    for (let i = base; i < top; i++) {
      const bs = kv[i * 4 + 2]!;
      const be = kv[i * 4 + 3]!;
      let st = MEMO_NONE;
      const me = context !== 0 && be > bs ? memoEnd(buf, bs, be) : be;
      if (context !== 0 && me > bs && me - bs <= MEMO_MAX_BYTES) {
        // Left alone before under this context: no visit (its key still takes part in conflicts).
        const m = me === be ? memo! : this.scalarMemo!;
        if (m.find(context, buf, this.words, bs, me)) {
          const known = m.key(m.slot);
          keys[i] = known;
          finals[i] = known;
          state[i] = MEMO_HIT;
          continue;
        }
        st = m.slot;
        this.memoEnds[i] = me;
      }
      const ks = r.lenField(bs, be, 1);
      const key = ks < 0 ? '' : this.keyCache.get(buf, ks, r.pos);
      keys[i] = key;
      const effects = st >= 0 ? this.v.effects!() : 0;
      const out = this.v.key === undefined ? undefined : this.v.key(place, key, depth);
      if (st >= 0 && this.v.effects!() !== effects) st = MEMO_NONE;
      state[i] = st;
      if (out === undefined || (out !== null && (depth > 0 || out === key))) finals[i] = key;
      else { finals[i] = out; if (out !== null) renamed = true; }
    }
    if (renamed) {
      for (let i = base; i < top; i++) {
        const to = finals[i];
        if (to === null || to === keys[i]) continue;
        for (let j = base; j < top; j++) {
          // Canonical present as sent, or an earlier entry already renamed to it: this one loses.
          if (j !== i && finals[j] === to && (keys[j] === to || j < i)) {
            finals[i] = null;
            this.v.conflict?.(place, to!);
            break;
          }
        }
      }
    }
    for (let i = base; i < top; i++) {
      const st = context === 0 ? MEMO_NONE : state[i]!;
      if (st === MEMO_HIT) continue;
      const effects = st >= 0 ? this.v.effects!() : 0;
      const offered = this.offered;
      const mark = this.edits;
      const fs = kv[i * 4]!;
      const fe = kv[i * 4 + 1]!;
      const final = finals[i]!;
      if (final === null || (this.v.dropKey !== undefined && this.v.dropKey(place, final, depth))) { this.edit(fs, fe, E.Drop, 0, 0); continue; }
      const bs = kv[i * 4 + 2]!;
      const be = kv[i * 4 + 3]!;
      const valueKey = depth === 0 ? final : topKey;
      // The value's AnyValue (field 2); a KeyValue without one has nothing to offer.
      let pos = bs;
      let keyFs = -1, keyFe = -1, vfs = -1, vLenAt = -1, vs = -1, ve = -1;
      while (pos < be) {
        const at = pos;
        const tag = r.varint(pos);
        if ((tag & 7) !== WireType.Len) { pos = r.skip(r.pos, tag & 7); continue; }
        const lenAt = r.pos;
        const len = r.varint(lenAt);
        const body = r.pos;
        pos = body + len;
        if (tag >>> 3 === 1) { keyFs = at; keyFe = pos; } else if (tag >>> 3 === 2) { vfs = at; vLenAt = lenAt; vs = body; ve = pos; }
      }
      r.varint(fs);
      this.enter(fs, r.pos, bs, fe);
      if (vs >= 0) {
        this.enter(vfs, vLenAt, vs, ve);
        const kept = this.anyValue(place, valueKey, vs, ve, depth, true);
        this.pTop--;
        if (!kept) {
          this.pTop--;
          // The whole KeyValue goes: forget edits inside it (frames made for them lie inside the
          // drop, and the write skips them).
          this.edits = mark;
          this.edit(fs, fe, E.Drop, 0, 0);
          continue;
        }
      }
      // A KeyValue without a key field has the key '' and is never renamed.
      const rename = final !== keys[i] && keyFs >= 0;
      if (rename) this.edit(keyFs, keyFe, E.Str, 1, final);
      this.pTop--;
      if (rename) continue;
      if (st >= 0 && this.edits === mark && this.v.effects!() === effects) {
        const me = this.memoEnds[i]!;
        if (me === be) memo!.store(st, context, buf, this.words, bs, be, keys[i]!);
        else if (this.offered === offered) this.scalarMemo!.store(st, context, buf, this.words, bs, me, keys[i]!);
      }
    }
  }

  /**
   * Offers the values inside the AnyValue body [start, end). Returns false when the value is to
   * be dropped with its holder (`holderStart`/`holderEnd`: a KeyValue or an array element) and
   * `droppable` says the holder may go; otherwise a drop empties the field.
   */
  private anyValue(place: Place, key: string, start: number, end: number, depth: number, droppable: boolean): boolean {
    const r = this.r;
    let pos = start;
    while (pos < end) {
      const fs = pos;
      const tag = r.varint(pos);
      const no = tag >>> 3;
      const wt = tag & 7;
      if (wt !== WireType.Len) {
        const vstart = r.pos;
        pos = r.skip(vstart, wt);
        if (no >= 2 && no <= 4 && this.v.scalar !== undefined && this.v.wantsScalar?.(place, key, depth)) {
          const text = no === 2 ? (r.varint(vstart) !== 0 ? 'true' : 'false') : no === 3 ? String(int64Value(r.varint64(vstart), r.hi)) : String(double(this.buf, vstart));
          if (!this.scalarOut(place, key, text, depth, fs, pos, droppable)) return false;
        }
        continue;
      }
      const lenAt = r.pos;
      const len = r.varint(lenAt);
      const body = r.pos;
      pos = body + len;
      if (no === 1) {
        if (!this.stringField(place, fs, pos, 1, body, key, depth, droppable)) return false;
      } else if (no === 5) {
        this.enter(fs, lenAt, body, pos);
        this.array(place, key, body, pos, depth + 1);
        this.pTop--;
      } else if (no === 6) {
        this.enter(fs, lenAt, body, pos);
        const base = this.kvTop;
        let p = body;
        while (p < pos) {
          const efs = p;
          const t = r.varint(p);
          if ((t & 7) !== WireType.Len) { p = r.skip(r.pos, t & 7); continue; }
          const l = r.varint(r.pos);
          const b = r.pos;
          p = b + l;
          if (t >>> 3 === 1) this.push(efs, p, b, p);
        }
        const top = this.kvTop;
        this.keyValues(base, top, place, depth + 1, key);
        this.kvTop = base;
        this.pTop--;
      } else if (no === 7 && this.v.scalar !== undefined && this.v.wantsScalar?.(place, key, depth)) {
        const text = Buffer.from(this.buf.buffer, this.buf.byteOffset + body, len).toString('base64');
        if (!this.scalarOut(place, key, text, depth, fs, pos, droppable)) return false;
      }
    }
    return true;
  }

  private scalarOut(place: Place, key: string, text: string, depth: number, fs: number, fe: number, droppable: boolean): boolean {
    this.offered++;
    const out = this.v.scalar!(place, key, text, depth);
    if (out === undefined) return true;
    if (out === null) {
      if (droppable) return false;
      this.edit(fs, fe, E.Drop, 0, 0);
      return true;
    }
    this.edit(fs, fe, E.Str, 1, out);
    return true;
  }

  private array(place: Place, key: string, start: number, end: number, depth: number): void {
    const r = this.r;
    let pos = start;
    while (pos < end) {
      const fs = pos;
      const tag = r.varint(pos);
      if ((tag & 7) !== WireType.Len) { pos = r.skip(r.pos, tag & 7); continue; }
      const lenAt = r.pos;
      const len = r.varint(lenAt);
      const body = r.pos;
      pos = body + len;
      if (tag >>> 3 !== 1) continue;
      const mark = this.edits;
      this.enter(fs, lenAt, body, pos);
      const kept = this.anyValue(place, key, body, pos, depth, true);
      this.pTop--;
      if (!kept) {
        this.edits = mark;
        this.edit(fs, pos, E.Drop, 0, 0);
      }
    }
  }

  /** A name's string field (Span.name, Event.name, Status.message) through the memo of fields left alone. */
  private memoString(place: Place, fs: number, fe: number, no: number, body: number): void {
    const context = this.v.memoContext!(place);
    if (context === 0 || fe <= body || fe - body > MEMO_MAX_BYTES) {
      this.stringField(place, fs, fe, no, body, '', 0, false);
      return;
    }
    const memo = this.memo!;
    if (memo.find(context, this.buf, this.words, body, fe)) return;
    const slot = memo.slot;
    const effects = this.v.effects!();
    const mark = this.edits;
    this.stringField(place, fs, fe, no, body, '', 0, false);
    if (this.edits === mark && this.v.effects!() === effects) memo.store(slot, context, this.buf, this.words, body, fe, '');
  }

  /** A string field [fs, fe) with its bytes at [body, fe). */
  private stringField(place: Place, fs: number, fe: number, no: number, body: number, key: string, depth: number, droppable: boolean): boolean {
    if (this.v.value === undefined) return true;
    if (this.v.wantsValue !== undefined && !this.v.wantsValue(place, key, depth)) return true;
    const value = decodeUtf8(this.buf, body, fe);
    const out = this.v.value(place, key, value, fs, depth);
    if (out === undefined || out === value) return true;
    if (out === null) {
      if (droppable) return false;
      this.edit(fs, fe, E.Drop, 0, 0);
    } else if (typeof out === 'number') {
      this.edit(fs, fe, E.Int, 3, out);
    } else {
      this.edit(fs, fe, E.Str, no, out);
    }
    return true;
  }

  private edit(start: number, end: number, kind: E, field: number, value: string | number): void {
    if (this.pTop > 0 && this.pFrame[this.pTop - 1]! < 0) this.frame();
    const i = this.edits++;
    if (i > 0 && start < this.eStart[i - 1]!) this.sorted = false;
    this.eStart[i] = start;
    this.eEnd[i] = end;
    this.eKind[i] = kind;
    this.eField[i] = field;
    this.eValue[i] = value;
  }

  // ---- pass 2: splice ----

  private write(): Uint8Array {
    const n = this.edits;
    const order = byStart(this.order, n, this.sorted, this.eStart);
    const nf = this.frames;
    const fOrder = byStart(this.fOrder, nf, this.fSorted, this.fFs);
    const buf = this.buf;
    const eStart = this.eStart, eEnd = this.eEnd;
    const fFs = this.fFs, fFe = this.fFe, fBody = this.fBody, fLenAt = this.fLenAt, fLen = this.fLen;
    // Edits and frames (as ~f) in byte order, an edit first where one starts where a frame does,
    // and none inside a dropped field: a field dropped after an edit inside it made it a frame.
    const seq = this.seq;
    let m = 0;
    let skip = 0;
    for (let ei = 0, fi = 0; ei < n || fi < nf;) {
      const e = ei < n ? order[ei]! : -1;
      const f = fi < nf ? fOrder[fi]! : -1;
      const isEdit = e >= 0 && (f < 0 || eStart[e]! <= fFs[f]!);
      const start = isEdit ? eStart[e]! : fFs[f]!;
      if (isEdit) ei++; else fi++;
      if (start < skip) continue;
      if (isEdit) { seq[m++] = e; skip = eEnd[e]!; } else seq[m++] = ~f;
    }
    // Each frame's new body length: its old one, what the edits inside it add or take, and the
    // change in its inner frames' length prefixes. `delta` is the innermost open frame's (or the
    // request's); a frame closes at the first node past its end.
    const stack = this.stack, deltas = this.deltas;
    let top = 0;
    let delta = 0;
    for (let k = 0; k <= m; k++) {
      const x = k < m ? seq[k]! : 0;
      const start = k === m ? buf.length : x >= 0 ? eStart[x]! : fFs[~x]!;
      while (top > 0 && fFe[stack[top - 1]!]! <= start) {
        const f = stack[--top]!;
        const len = fFe[f]! - fBody[f]! + delta;
        fLen[f] = len;
        delta = deltas[top]! + delta + varintSize(len) - (fBody[f]! - fLenAt[f]!);
      }
      if (k === m) break;
      if (x >= 0) delta += this.newSize(x) - (eEnd[x]! - eStart[x]!);
      else { deltas[top] = delta; stack[top++] = ~x; delta = 0; }
    }
    // The output, exactly as long as it will be: no buffer to grow, nothing to move when a length
    // prefix changes size, and a processing thread transfers it as it is (an output in a larger
    // buffer had to be copied out first). Uninitialised memory (no zero fill): every byte is
    // written below, which the position check at the end proves.
    const out: Uint8Array = Buffer.allocUnsafeSlow(buf.length + delta);
    const w = this.copier;
    // Input bytes [run, ...) are still to be copied, to `o`. A frame whose new length takes as
    // many bytes as its old one is copied with the bytes around it and its length patched
    // afterwards, so the bytes from one edit to the next are one copy.
    const pAt = this.pAt, pLen = this.pLen;
    let np = 0;
    let run = 0;
    let o = 0;
    for (let k = 0; k < m; k++) {
      const x = seq[k]!;
      if (x >= 0) {
        o = w.copy(out, o, buf, run, eStart[x]!);
        o = this.apply(x, out, o);
        run = eEnd[x]!;
        continue;
      }
      const f = ~x;
      const len = fLen[f]!;
      if (varintSize(len) === fBody[f]! - fLenAt[f]!) {
        pAt[np] = o + fLenAt[f]! - run;
        pLen[np++] = len;
      } else {
        o = putVarint(out, w.copy(out, o, buf, run, fLenAt[f]!), len);
        run = fBody[f]!;
      }
    }
    o = w.copy(out, o, buf, run, buf.length);
    if (o !== out.length) throw new Error(`rewrite: wrote ${o} bytes of an output of ${out.length}`);
    for (let k = 0; k < np; k++) putVarint(out, pAt[k]!, pLen[k]!);
    return out;
  }

  /** The bytes edit `e` writes (a replaced string's UTF-8 length is kept for `apply`). */
  private newSize(e: number): number {
    const kind = this.eKind[e];
    if (kind === E.Drop) return 0;
    const field = this.eField[e]!;
    if (kind === E.Str) {
      // Node's native count, which also flattens a concatenated string (a pseudonym is its prefix
      // plus its digest) for the write: 60 against 120 ns for utf8Length's loop on such a string
      // of 33 characters, and the write after it is faster too (scratch micro-benchmark, Node 20).
      // Lone surrogates count 3 bytes, as writeUtf8 (TextEncoder) writes them.
      const len = Buffer.byteLength(this.eValue[e] as string, 'utf8');
      this.eLen[e] = len;
      return varintSize(field * 8 + WireType.Len) + varintSize(len) + len;
    }
    let v = BigInt.asUintN(64, BigInt(this.eValue[e] as number));
    let size = 1;
    while (v >= 0x80n) { v >>= 7n; size++; }
    return varintSize(field * 8 + WireType.Varint) + size;
  }

  /** Writes edit `e` at `o` of `out`; returns the position after it. */
  private apply(e: number, out: Uint8Array, o: number): number {
    const kind = this.eKind[e];
    if (kind === E.Drop) return o;
    if (kind === E.Str) {
      o = putVarint(out, putVarint(out, o, this.eField[e]! * 8 + WireType.Len), this.eLen[e]!);
      return writeUtf8(this.eValue[e] as string, out, o);
    }
    o = putVarint(out, o, this.eField[e]! * 8 + WireType.Varint);
    let v = BigInt.asUintN(64, BigInt(this.eValue[e] as number));
    while (v >= 0x80n) { out[o++] = Number(v & 0x7fn) | 0x80; v >>= 7n; }
    out[o++] = Number(v);
    return o;
  }

}

