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
import { AttributeCursor, bytesEqualString, decodeUtf8, ValueType, type SpanCursor, type TracesView } from '@cairn/otlp';
export { compileFast } from './fast-compile.js';

export const FALSE = 0;
export const TRUE = 1;
export const ABSENT = 2;
export const FALLBACK = 3;
export type Tri = 0 | 1 | 2 | 3;

/** A key the span does not carry. */
export const MISSING = Symbol('missing');
/** A value only CEL can judge (a list, a map, bytes, a repeated key, an int past 2^53). */
export const ODD = Symbol('odd');
export type Value = string | number | boolean | typeof MISSING | typeof ODD;
/** A span's string value not decoded yet (its bytes are at `spanAt`/`spanTo` of its slot). */
const STR = Symbol('str');
type Slot = Value | typeof STR;

/** The per-batch, per-span values the compiled closures read. One per tap, reset per batch. */
export class FastSpans {
  cursor: SpanCursor | undefined;
  private view: TracesView | undefined;
  private readonly spanSlots = new Map<string, number>();
  private readonly resourceSlots = new Map<string, number>();
  private readonly spanValues: Slot[] = [];
  /** Where each slot's string bytes are, while its value is STR. */
  private spanAt = new Int32Array(0);
  private spanTo = new Int32Array(0);
  private spanFilled = false;
  private resourceValues: Value[][] = [];
  private readonly scratch = new AttributeCursor();
  /** The wanted span keys as UTF-8 (slot order), and whether any occurs in this batch at all. */
  private spanKeys: Buffer[] = [];
  private resourceKeys: Buffer[] = [];
  /** 1 at each byte length a wanted key has (256: any longer), so most attributes are skipped on their length alone. */
  private spanLens: Uint8Array = new Uint8Array(257);
  private resourceLens: Uint8Array = new Uint8Array(257);
  private anySpanKey = false;

  spanSlot(key: string): number {
    let slot = this.spanSlots.get(key);
    if (slot === undefined) this.spanSlots.set(key, (slot = this.spanSlots.size));
    return slot;
  }

  resourceSlot(key: string): number {
    let slot = this.resourceSlots.get(key);
    if (slot === undefined) this.resourceSlots.set(key, (slot = this.resourceSlots.size));
    return slot;
  }

  reset(view: TracesView): void {
    this.view = view;
    this.cursor = view.spans();
    this.resourceValues = [];
    this.spanFilled = false;
    if (this.spanKeys.length !== this.spanSlots.size) {
      this.spanKeys = [...this.spanSlots.keys()].map((k) => Buffer.from(k, 'utf8'));
      this.spanLens = lengthsOf(this.spanKeys);
      this.spanAt = new Int32Array(this.spanKeys.length);
      this.spanTo = new Int32Array(this.spanKeys.length);
    }
    if (this.resourceKeys.length !== this.resourceSlots.size) {
      this.resourceKeys = [...this.resourceSlots.keys()].map((k) => Buffer.from(k, 'utf8'));
      this.resourceLens = lengthsOf(this.resourceKeys);
    }
    // A key's bytes occur verbatim in the protobuf of any span that carries it: when none of
    // the wanted keys occurs in the batch, no span needs its attributes walked (SampleRate, the
    // weight's key, is usually nowhere). One memmem per key and batch.
    const bytes = Buffer.from(view.bytes.buffer, view.bytes.byteOffset, view.bytes.byteLength);
    this.anySpanKey = this.spanKeys.some((k) => bytes.includes(k));
  }

  at(i: number): void {
    this.cursor!.seek(i);
    this.spanFilled = false;
    this.name = undefined;
    this.kind = -1;
    this.statusCode = -1;
  }

  private name: string | undefined;
  private kind = -1;
  private statusCode = -1;

  isRoot(): boolean {
    return /^0*$/.test(this.cursor!.parentSpanIdHex);
  }

  /** span.kind and span.status.code, read once per span (the status is a nested message). */
  spanKind(): number {
    return this.kind < 0 ? (this.kind = this.cursor!.kind) : this.kind;
  }

  spanStatusCode(): number {
    return this.statusCode < 0 ? (this.statusCode = this.cursor!.statusCode) : this.statusCode;
  }

  /** span.name, decoded once per span however many SLOs compare it. */
  spanName(): string {
    return (this.name ??= this.cursor!.name);
  }

  /** The span's wanted attributes, read once per span; strings stay bytes until asked for. */
  private spanSlotValue(slot: number): Slot {
    if (!this.spanFilled) {
      if (this.anySpanKey) fill(this.spanValues, this.spanKeys, this.spanLens, this.view!.bytes, this.cursor!.attributes(this.scratch), this.spanAt, this.spanTo);
      else {
        this.spanValues.length = this.spanSlots.size;
        this.spanValues.fill(MISSING);
      }
      this.spanFilled = true;
    }
    return this.spanValues[slot]!;
  }

  spanAttr(slot: number): Value {
    const v = this.spanSlotValue(slot);
    return v === STR ? (this.spanValues[slot] = decodeUtf8(this.view!.bytes, this.spanAt[slot]!, this.spanTo[slot]!)) : v;
  }

  /**
   * `span.attributes[key] == lit` as CEL says it (a Tri): a string value is compared as bytes in
   * place, so a span's strings are never decoded to be compared with a literal.
   */
  spanAttrEq(slot: number, lit: string): Tri {
    const v = this.spanSlotValue(slot);
    if (v === STR) return bytesEqualString(this.view!.bytes, this.spanAt[slot]!, this.spanTo[slot]!, lit) ? TRUE : FALSE;
    return triEq(v, lit);
  }

  /** `resource[key] == lit` (resource values are decoded once per resource). */
  resourceAttrEq(slot: number, lit: string): Tri {
    return triEq(this.resourceAttr(slot), lit);
  }

  /** `span.name == lit`, compared as bytes. */
  nameEq(lit: string): Tri {
    return (this.name !== undefined ? this.name === lit : this.cursor!.nameEquals(lit)) ? TRUE : FALSE;
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
      fill(values, this.resourceKeys, this.resourceLens, this.view!.bytes, this.view!.resourceAttributes(r, this.scratch));
    }
    return values[slot]!;
  }
}

/** The generated `==` of a decoded value and a string literal, as a Tri. */
function triEq(v: Value, lit: string): Tri {
  return v === MISSING ? ABSENT : typeof v === 'string' ? (v === lit ? TRUE : FALSE) : FALLBACK;
}

/**
 * One pass over the attributes: each wanted key's value, MISSING for the others. Keys are matched
 * as UTF-8 bytes against the wire: no key is decoded (decoding every key cost more than all the
 * comparisons of a 20-SLO tap).
 */
function lengthsOf(keys: readonly Uint8Array[]): Uint8Array {
  const lens = new Uint8Array(257);
  for (const k of keys) lens[Math.min(k.length, 256)] = 1;
  return lens;
}

function fill(values: Slot[], keys: readonly Uint8Array[], lens: Uint8Array, buf: Uint8Array, attrs: AttributeCursor, at?: Int32Array, to?: Int32Array): void {
  if (values.length !== keys.length) values.length = keys.length; // the setter is a runtime call
  values.fill(MISSING);
  if (keys.length === 0) return;
  while (attrs.next()) {
    const start = attrs.keyStart;
    const len = attrs.keyEnd - start;
    if (lens[len < 256 ? len : 256] === 0) continue;
    let slot = -1;
    for (let k = 0; k < keys.length && slot < 0; k++) {
      const key = keys[k]!;
      if (key.length !== len) continue;
      let j = 0;
      while (j < len && key[j] === buf[start + j]) j++;
      if (j === len) slot = k;
    }
    if (slot < 0) continue;
    // A repeated key: which one CEL's map keeps is the map builder's business, not ours.
    if (values[slot] !== MISSING) {
      values[slot] = ODD;
      continue;
    }
    const type = (attrs as unknown as { valueType: ValueType }).valueType;
    if (type === ValueType.String) {
      if (at === undefined) values[slot] = attrs.stringValue!;
      else {
        values[slot] = STR;
        at[slot] = attrs.valueAt;
        to![slot] = attrs.valueTo;
      }
    }
    else if (type === ValueType.Bool) values[slot] = attrs.value as boolean;
    else if (type === ValueType.Int || type === ValueType.Double) {
      const n = attrs.numberValue!;
      values[slot] = type === ValueType.Int && !Number.isSafeInteger(n) ? ODD : n;
    } else values[slot] = ODD;
  }
}

