// Protobuf bytes -> OTLP/JSON text, driven by the schema. Fields are written in wire order and
// only when present on the wire, so JSON -> protobuf -> JSON keeps what the sender wrote.
// Rules (OTLP spec, "JSON Protobuf Encoding"): lowerCamelCase keys; trace and span ids as hex;
// other bytes as base64; 64-bit integers as decimal strings; enums as integers; unknown fields
// are left out (JSON cannot carry them).
import { Kind, wireTypeOf, type FieldDef, type MessageType } from '../schema/types.js';
import { REQUEST_TYPE, RESPONSE_TYPE, type Signal } from '../schema/otlp.js';
import { decodeUtf8 } from '../wire/utf8.js';
import { toBase64, toHex } from '../wire/encoding.js';
import { WireReader, double, fixed32, uint64BigInt } from '../batch/read.js';
import type { BatchView } from '../batch/view.js';

function scalar(r: WireReader, f: FieldDef, pos: number, end: number): string {
  const buf = r.buf;
  switch (f.kind) {
    case Kind.String: return JSON.stringify(decodeUtf8(buf, pos, end));
    case Kind.Id: return `"${toHex(buf, pos, end)}"`;
    case Kind.Bytes: return `"${toBase64(buf, pos, end)}"`;
    case Kind.Bool: return r.varint(pos) !== 0 ? 'true' : 'false';
    case Kind.Int32: case Kind.Enum: return String(r.varint64(pos) | 0);
    case Kind.Uint32: return String(r.varint64(pos) >>> 0);
    case Kind.Sint32: { const v = r.varint64(pos) >>> 0; return String((v >>> 1) ^ -(v & 1)); }
    case Kind.Int64: { const lo = r.varint64(pos); return `"${BigInt.asIntN(64, uint64BigInt(lo, r.hi))}"`; }
    case Kind.Uint64: { const lo = r.varint64(pos); return `"${uint64BigInt(lo, r.hi)}"`; }
    case Kind.Fixed32: return String(fixed32(buf, pos));
    case Kind.Fixed64: return `"${uint64BigInt(fixed32(buf, pos), fixed32(buf, pos + 4))}"`;
    case Kind.Sfixed64: return `"${BigInt.asIntN(64, uint64BigInt(fixed32(buf, pos), fixed32(buf, pos + 4)))}"`;
    case Kind.Double: {
      const v = double(buf, pos);
      return Number.isFinite(v) ? String(v) : `"${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}"`;
    }
    default: return 'null';
  }
}

/** Element size of a packed repeated field, 0 for varints. */
function packedSize(kind: Kind): number {
  const wt = wireTypeOf(kind);
  return wt === 1 ? 8 : wt === 5 ? 4 : 0;
}

/** Appends the JSON object for the message body `[pos, end)` of type `t` to `out`. */
export function messageToJson(t: MessageType, r: WireReader, pos: number, end: number, out: string[]): void {
  // Group repeated fields: JSON has one array per field, protobuf may interleave occurrences.
  const values = new Map<FieldDef, string[]>();
  while (pos < end) {
    const tag = r.varint(pos);
    pos = r.pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    const next = r.skip(pos, wt);
    const f = no < t.byNo.length ? t.byNo[no] : undefined;
    if (f !== undefined) {
      let list = values.get(f);
      if (list === undefined) { list = []; values.set(f, list); }
      if (!f.repeated) list.length = 0; // last one wins
      if (wt === 2) {
        const len = r.varint(pos);
        const s = r.pos;
        if (f.kind === Kind.Message) {
          const parts: string[] = [];
          messageToJson(f.type!, r, s, s + len, parts);
          list.push(parts.join(''));
        } else if (f.repeated && wireTypeOf(f.kind) !== 2) { // packed
          const size = packedSize(f.kind);
          for (let p = s; p < s + len;) {
            list.push(scalar(r, f, p, p + size));
            p = size > 0 ? p + size : r.skip(p, 0);
          }
        } else list.push(scalar(r, f, s, s + len));
      } else list.push(scalar(r, f, pos, next));
    }
    pos = next;
  }
  out.push('{');
  let first = true;
  for (const [f, list] of values) {
    if (!first) out.push(',');
    first = false;
    out.push('"', f.json, '":');
    if (f.repeated) out.push('[', list.join(','), ']');
    else out.push(list[0] ?? 'null');
  }
  out.push('}');
}

/** OTLP/JSON for protobuf request bytes of `signal` (one line, no trailing newline). */
export function protobufToJson(signal: Signal, bytes: Uint8Array): string {
  const out: string[] = [];
  messageToJson(REQUEST_TYPE[signal], new WireReader().reset(bytes), 0, bytes.length, out);
  return out.join('');
}

/** OTLP/JSON for a view: one line, suitable for OTLP JSON lines files (join with "\n"). */
export function viewToJson(view: BatchView): string {
  return protobufToJson(view.signal, view.bytes);
}

/** OTLP/JSON for an Export<Signal>ServiceResponse given as protobuf bytes. */
export function responseToJson(signal: Signal, bytes: Uint8Array): string {
  const out: string[] = [];
  messageToJson(RESPONSE_TYPE[signal], new WireReader().reset(bytes), 0, bytes.length, out);
  return out.join('');
}
