// Encoding JavaScript values as OTLP AnyValue / KeyValue, shared by the editor and the builders.
import { ProtoWriter, WireType } from '../wire/writer.js';

/**
 * A value to write. Integers (and bigints) become int_value, other numbers double_value,
 * Maps kvlist_value, arrays array_value, Uint8Arrays bytes_value, null/undefined an empty AnyValue.
 */
export type AttributeValue =
  | string
  | number
  | boolean
  | bigint
  | Uint8Array
  | null
  | undefined
  | readonly AttributeValue[]
  | ReadonlyMap<string, AttributeValue>;

/** Plain attributes, as the OpenTelemetry JS API holds them. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

const TWO32 = 0x100000000;
const TWO63 = 9223372036854775808;

function writeInt(w: ProtoWriter, v: number): void {
  if (v >= 0) w.varint64(v % TWO32, Math.floor(v / TWO32));
  else w.varint64(((v % TWO32) + TWO32) % TWO32, Math.floor(v / TWO32) >>> 0);
}

/** Writes the body of an AnyValue message (no tag, no length). */
export function writeAnyValueBody(w: ProtoWriter, v: AttributeValue): void {
  switch (typeof v) {
    case 'string':
      w.stringField(1, v);
      return;
    case 'boolean':
      w.tag(2, WireType.Varint);
      w.varint(v ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(v) && v >= -TWO63 && v < TWO63) {
        w.tag(3, WireType.Varint);
        writeInt(w, v);
      } else {
        w.tag(4, WireType.Fixed64);
        w.double(v);
      }
      return;
    case 'bigint': {
      const u = BigInt.asUintN(64, v);
      w.tag(3, WireType.Varint);
      w.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
      return;
    }
    default:
  }
  if (v === null || v === undefined) return;
  if (v instanceof Uint8Array) {
    w.bytesField(7, v, 0, v.length);
  } else if (Array.isArray(v)) {
    w.tag(5, WireType.Len);
    const m = w.begin(64);
    for (const item of v as readonly AttributeValue[]) {
      w.tag(1, WireType.Len);
      const mi = w.begin(16);
      writeAnyValueBody(w, item);
      w.end(mi);
    }
    w.end(m);
  } else if (v instanceof Map) {
    w.tag(6, WireType.Len);
    const m = w.begin(64);
    for (const [key, item] of v as ReadonlyMap<string, AttributeValue>) writeKeyValue(w, 1, key, item);
    w.end(m);
  }
}

/** Writes one `KeyValue` as field `field` of the enclosing message. */
export function writeKeyValue(w: ProtoWriter, field: number, key: string, value: AttributeValue): void {
  w.tag(field, WireType.Len);
  const m = w.begin(key.length + 16);
  w.stringField(1, key);
  w.tag(2, WireType.Len);
  const mv = w.begin(16);
  writeAnyValueBody(w, value);
  w.end(mv);
  w.end(m);
}

/** Writes every entry of `attributes` as `repeated KeyValue` field `field`. */
export function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes | undefined): void {
  if (attributes === undefined) return;
  for (const key in attributes) writeKeyValue(w, field, key, attributes[key]);
}
