// The attribute keys the SLOs read, matched as UTF-8 bytes against the wire: no key is decoded
// (decoding every key cost more than all the comparisons of a 20-SLO tap), and most attributes
// are passed over on their key's length and first byte alone.
import { ValueType, type AttributeCursor } from '@cairn/otlp';

/** A key the span does not carry. */
export const MISSING = Symbol('missing');
/** A value only CEL can judge (a list, a map, bytes, a repeated key, an int past 2^53). */
export const ODD = Symbol('odd');
export type Value = string | number | boolean | typeof MISSING | typeof ODD;
/** A span's string value not decoded yet (its bytes are at `at`/`to` of its slot). */
export const STR = Symbol('str');
export type Slot = Value | typeof STR;

/** The wanted keys of one place (span or resource attributes), by slot. */
export class WantedKeys {
  readonly slots = new Map<string, number>();
  private keys: Buffer[] = [];
  /** The slots, in order. */
  private present: number[] = [];
  /**
   * Per key byte length (256: any longer), bit `first byte & 31` set for each key with that
   * length: on the bench corpus, only the wanted keys themselves pass it. (A memmem per key and
   * batch, to leave out keys the batch lacks, cost more than it saved: a key no span has is
   * looked for through the whole batch.)
   */
  private readonly masks = new Uint32Array(257);

  get size(): number {
    return this.slots.size;
  }

  get any(): boolean {
    return this.present.length > 0;
  }

  slot(key: string): number {
    let slot = this.slots.get(key);
    if (slot === undefined) this.slots.set(key, (slot = this.slots.size));
    return slot;
  }

  /** Before a batch: the key tables, when keys were added since. */
  reset(): void {
    if (this.keys.length === this.slots.size) return;
    this.keys = [...this.slots.keys()].map((k) => Buffer.from(k, 'utf8'));
    this.masks.fill(0);
    this.present = this.keys.map((_, slot) => slot);
    for (const key of this.keys) this.masks[Math.min(key.length, 256)]! |= 1 << ((key.length > 0 ? key[0]! : 0) & 31);
  }

  /** False when the key at `buf[start, end)` is surely none of the wanted ones (its length and first byte tell). */
  mayMatch(buf: Uint8Array, start: number, end: number): boolean {
    const len = end - start;
    const mask = this.masks[len < 256 ? len : 256]!;
    return mask !== 0 && ((mask >>> ((len > 0 ? buf[start]! : 0) & 31)) & 1) !== 0;
  }

  /** The slot of the key at `buf[start, end)`, or -1. */
  match(buf: Uint8Array, start: number, end: number): number {
    if (!this.mayMatch(buf, start, end)) return -1;
    const len = end - start;
    const present = this.present;
    for (let p = 0; p < present.length; p++) {
      const slot = present[p]!;
      const key = this.keys[slot]!;
      if (key.length !== len) continue;
      let j = 0;
      while (j < len && key[j] === buf[start + j]) j++;
      if (j === len) return slot;
    }
    return -1;
  }
}

/**
 * Records the attribute `attrs` is on in `values[slot]`. With `at`/`to` a string stays bytes
 * (STR, its offsets there); without, it is decoded.
 */
export function store(values: Slot[], slot: number, attrs: AttributeCursor, at?: Int32Array, to?: Int32Array): void {
  // A repeated key: which one CEL's map keeps is the map builder's business, not ours.
  if (values[slot] !== MISSING) {
    values[slot] = ODD;
    return;
  }
  const type = attrs.valueType;
  if (type === ValueType.String) {
    if (at === undefined) values[slot] = attrs.stringValue!;
    else {
      values[slot] = STR;
      at[slot] = attrs.valueAt;
      to![slot] = attrs.valueTo;
    }
  } else if (type === ValueType.Bool) values[slot] = attrs.value as boolean;
  else if (type === ValueType.Int || type === ValueType.Double) {
    const n = attrs.numberValue!;
    values[slot] = type === ValueType.Int && !Number.isSafeInteger(n) ? ODD : n;
  } else values[slot] = ODD;
}

/** One pass over an attribute list: each wanted key's value, MISSING for the others. */
export function fill(values: Slot[], keys: WantedKeys, buf: Uint8Array, attrs: AttributeCursor): void {
  if (values.length !== keys.size) values.length = keys.size; // the setter is a runtime call
  values.fill(MISSING);
  if (!keys.any) return;
  while (attrs.next()) {
    const slot = keys.match(buf, attrs.keyStart, attrs.keyEnd);
    if (slot >= 0) store(values, slot, attrs);
  }
}
