// A fast path for the indicator shapes SLOs are written in: comparisons (==, !=, <, <=, >, >=) of
// span fields (kind, name, status.code, status.message, duration_ms, is_root, trace_state) and
// resource / span attributes (`resource["k"]`, `span.attributes["k"]`) with literals, joined by
// &&, || and !. Such an expression becomes one generated function over the span cursor
// (fast-compile.ts), evaluated with CEL's tri-state semantics (a missing key is absent; false && x
// is false, true || x true). This file holds what those functions read: FastSpans.
//
// Why: the shared CEL environment signals an absent key by throwing inside cel-js, and building
// that error costs ~1 µs; an SLO whose `good` reads a key most spans lack spent a quarter of the
// benchmark there (bench/gateway/src/slo.ts). Anything the fast path cannot decide with certainty
// (a type mismatch CEL may reject, a list or map value, a string ordering) returns FALLBACK and
// that span is evaluated by cel-js: the outcome is always CEL's (slo/fast.test.ts checks it).
import { AttributeCursor, bytesEqualString, decodeUtf8, type SpanCursor, type TracesView } from '@cairn/otlp';
import { fill, MISSING, ODD, STR, WantedKeys, type Slot, type Value } from './keys.js';
import { SpanFields } from './span-fields.js';
export { compileFast } from './fast-compile.js';
export { MISSING, ODD, type Value } from './keys.js';

export const FALSE = 0;
export const TRUE = 1;
export const ABSENT = 2;
export const FALLBACK = 3;
export type Tri = 0 | 1 | 2 | 3;

/** Where a literal group reads its value: the span name, a span attribute, a resource attribute. */
export type LiteralPlace = 'name' | 'span' | 'resource';

/**
 * The string literals the SLOs compare one value with (`span.attributes["http.route"] == "/a"`,
 * `== "/b"`…): `which` compares the value with all of them in one pass, once per span (once per
 * resource for a resource attribute), instead of once per literal. A literal with U+FFFD or a
 * lone surrogate is not compared as bytes (the value may be invalid UTF-8 decoded to U+FFFD).
 */
interface LiteralGroup {
  place: LiteralPlace;
  slot: number;
  literals: string[];
  bytes: Buffer[];
  byBytes: boolean[];
  /**
   * Up to 32 literals: per byte length (64: any longer), the bits of the literals compared as
   * bytes that have it, and in `anyLength` those that are not: a value is compared only with
   * literals it could equal. Undefined past 32 literals (each is tried).
   */
  byLength: Uint32Array | undefined;
  anyLength: number;
}

/** What `which` returns besides a literal's index: none matched, the key is absent, a value CEL must compare. */
export const NONE = -1;
export const WHICH_ABSENT = -2;
export const WHICH_FALLBACK = -3;

/** The per-batch, per-span values the compiled code reads. One per tap, reset per batch. */
export class FastSpans {
  cursor: SpanCursor | undefined;
  private view: TracesView | undefined;
  private buf: Uint8Array = new Uint8Array(0);
  private readonly spanKeys = new WantedKeys();
  private readonly resourceKeys = new WantedKeys();
  private readonly fields = new SpanFields();
  private scanned = false;
  private resourceValues: Value[][] = [];
  private readonly scratch = new AttributeCursor();
  private readonly groups: LiteralGroup[] = [];

  spanSlot(key: string): number {
    return this.spanKeys.slot(key);
  }

  resourceSlot(key: string): number {
    return this.resourceKeys.slot(key);
  }

  /** The group comparing literals with the name (`slot` unused) or an attribute's value. */
  literalGroup(place: LiteralPlace, slot: number): number {
    let g = this.groups.findIndex((x) => x.place === place && x.slot === slot);
    if (g < 0) g = this.groups.push({ place, slot, literals: [], bytes: [], byBytes: [], byLength: new Uint32Array(65), anyLength: 0 }) - 1;
    return g;
  }

  /** Index of `lit` in group `g` (added when new). */
  literal(g: number, lit: string): number {
    const group = this.groups[g]!;
    let j = group.literals.indexOf(lit);
    if (j < 0) {
      j = group.literals.push(lit) - 1;
      const bytes = Buffer.from(lit, 'utf8');
      group.bytes.push(bytes);
      const byBytes = !lit.includes('\uFFFD') && bytes.toString('utf8') === lit;
      group.byBytes.push(byBytes);
      if (j >= 32) group.byLength = undefined;
      else if (!byBytes) group.anyLength |= 1 << j;
      else group.byLength![Math.min(bytes.length, 64)]! |= 1 << j;
    }
    return j;
  }

  reset(view: TracesView): void {
    this.view = view;
    this.buf = view.bytes;
    this.cursor = view.spans();
    this.resourceValues = [];
    this.scanned = false;
    this.spanKeys.reset();
    this.resourceKeys.reset();
  }

  at(i: number): void {
    this.cursor!.seek(i);
    this.scanned = false;
    this.name = undefined;
    this.kind = -1;
    this.statusCode = -1;
    this.duration = Number.NaN;
  }

  private name: string | undefined;
  private kind = -1;
  private statusCode = -1;
  /** NaN: not read yet for this span (a duration may be negative). */
  private duration = Number.NaN;

  /** The span's fields and wanted attributes, found in one pass on first use. */
  private get span(): SpanFields {
    if (!this.scanned) {
      this.fields.scan(this.buf, this.cursor!.start, this.cursor!.end, this.spanKeys);
      this.scanned = true;
    }
    return this.fields;
  }

  resourceIndex(): number {
    return this.cursor!.resourceIndex;
  }

  isRoot(): boolean {
    const f = this.span;
    const buf = this.buf;
    if (f.parentAt < 0) return true;
    for (let i = f.parentAt; i < f.parentTo; i++) if (buf[i] !== 0) return false;
    return true;
  }

  /** span.kind and span.status.code, read once per span (a long varint: the cursor reads it). */
  spanKind(): number {
    if (this.kind < 0) {
      const at = this.span.kindAt;
      this.kind = at < 0 ? 0 : this.buf[at]! < 0x80 ? this.buf[at]! : this.cursor!.kind;
    }
    return this.kind;
  }

  spanStatusCode(): number {
    if (this.statusCode < 0) {
      const code = this.span.statusCode(this.buf);
      this.statusCode = code >= 0 ? code : this.cursor!.statusCode;
    }
    return this.statusCode;
  }

  /** end - start in ms, as the cursor computes it (0 when a time is absent). */
  durationMs(): number {
    if (this.duration !== this.duration) {
      const f = this.span;
      const a = f.startAt;
      const b = f.endAt;
      this.duration = a < 0 || b < 0 ? 0 : ((u32(this.buf, b + 4) - u32(this.buf, a + 4)) * 0x100000000 + (u32(this.buf, b) - u32(this.buf, a))) / 1e6;
    }
    return this.duration;
  }

  traceState(): string {
    const f = this.span;
    return f.stateAt < 0 ? '' : decodeUtf8(this.buf, f.stateAt, f.stateTo);
  }

  /** span.name, decoded once per span however many SLOs compare it. */
  spanName(): string {
    if (this.name === undefined) {
      const f = this.span;
      this.name = f.nameAt < 0 ? '' : decodeUtf8(this.buf, f.nameAt, f.nameTo);
    }
    return this.name;
  }

  /** The span's wanted attributes, read once per span; strings stay bytes until asked for. */
  private spanSlotValue(slot: number): Slot {
    return this.span.values[slot]!;
  }

  spanAttr(slot: number): Value {
    const f = this.span;
    const v = f.values[slot]!;
    return v === STR ? (f.values[slot] = decodeUtf8(this.buf, f.at[slot]!, f.to[slot]!)) : v;
  }

  /** Which literal of group `g` the span's name is (NONE: none). */
  nameWhich(g: number): number {
    const f = this.span;
    return f.nameAt < 0 ? this.whichBytes(this.groups[g]!, 0, 0) : this.whichBytes(this.groups[g]!, f.nameAt, f.nameTo);
  }

  /** Which literal of group `g` the span attribute is; WHICH_ABSENT, or WHICH_FALLBACK for a value that is not a string. */
  spanWhich(g: number): number {
    const group = this.groups[g]!;
    const f = this.span;
    const v = f.values[group.slot]!;
    if (v === STR) return this.whichBytes(group, f.at[group.slot]!, f.to[group.slot]!);
    return whichValue(group, v);
  }

  /** The same for a resource attribute (call it once per resource: the kernel does). */
  resourceWhich(g: number): number {
    const group = this.groups[g]!;
    return whichValue(group, this.resourceAttr(group.slot));
  }

  private whichBytes(group: LiteralGroup, at: number, to: number): number {
    const len = to - at;
    const byLength = group.byLength;
    if (byLength === undefined) {
      for (let j = 0; j < group.bytes.length; j++) if (this.equals(group, j, at, to)) return j;
      return NONE;
    }
    // Two distinct literals never equal one value: the first found is the one.
    let bits = byLength[len < 64 ? len : 64]! | group.anyLength;
    while (bits !== 0) {
      const j = 31 - Math.clz32(bits & -bits);
      if (this.equals(group, j, at, to)) return j;
      bits &= bits - 1;
    }
    return NONE;
  }

  /** Literal `j` of the group equals the value at `buf[at, to)`. */
  private equals(group: LiteralGroup, j: number, at: number, to: number): boolean {
    const buf = this.buf;
    if (!group.byBytes[j]) return bytesEqualString(buf, at, to, group.literals[j]!);
    const lit = group.bytes[j]!;
    const len = to - at;
    if (lit.length !== len) return false;
    let k = 0;
    while (k < len && lit[k] === buf[at + k]) k++;
    return k === len;
  }

  /** The span carries the key (whatever its value). */
  spanHas(slot: number): boolean {
    return this.spanSlotValue(slot) !== MISSING;
  }

  resourceHas(slot: number): boolean {
    return this.resourceAttr(slot) !== MISSING;
  }

  /** A number the fast path read, undefined when absent, ODD when only CEL can say (a list, a repeated key…). */
  spanNumber(slot: number): number | undefined | 'odd' {
    const v = this.spanSlotValue(slot);
    return typeof v === 'number' ? v : v === ODD ? 'odd' : undefined;
  }

  resourceAttr(slot: number): Value {
    const r = this.cursor!.resourceIndex;
    let values = this.resourceValues[r];
    if (!values) {
      values = this.resourceValues[r] = [];
      fill(values, this.resourceKeys, this.buf, this.view!.resourceAttributes(r, this.scratch));
    }
    return values[slot]!;
  }
}

/** A decoded value against a group's literals. */
function whichValue(group: LiteralGroup, v: Value): number {
  if (v === MISSING) return WHICH_ABSENT;
  if (typeof v !== 'string') return WHICH_FALLBACK;
  return group.literals.indexOf(v);
}

function u32(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}
