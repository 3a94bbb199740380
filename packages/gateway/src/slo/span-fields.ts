// One pass over a span's protobuf for the SLI tap: where its name, kind, times, parent id,
// trace state and status are, and the values of the attributes the SLOs read, found in the
// same pass. Before, the cursor scanned the span's fields into its field table and the attribute
// cursor walked them all again to find the attributes (~17% of the tap's profile together).
//
// The view's walk has checked the bytes (wire types of known fields, lengths, no groups, one
// status), so this reads without checks, as the view's readers do. Where protobuf repeats a
// scalar field, the last copy counts, as the cursor's field table has it. An attribute whose
// KeyValue is not laid out as every SDK writes it (key, then value) is parsed by the view's own
// AttributeCursor, which also reads every attribute the SLOs want: values are always the view's.
import { AttributeCursor, WireReader } from '@cairn/otlp';
import { MISSING, STR, store, type Slot, type WantedKeys } from './keys.js';

export class SpanFields {
  /** Value offsets of the fields (-1: absent); `…To` ends a length-delimited one. */
  nameAt = -1;
  nameTo = 0;
  kindAt = -1;
  startAt = -1;
  endAt = -1;
  parentAt = -1;
  parentTo = 0;
  stateAt = -1;
  stateTo = 0;
  statusAt = -1;
  statusTo = 0;
  /** The wanted attributes' values (by slot); strings as STR with their offsets in at/to. */
  readonly values: Slot[] = [];
  at = new Int32Array(0);
  to = new Int32Array(0);
  private readonly scratch = new AttributeCursor();
  private readonly r = new WireReader();

  /** Reads the span body `buf[start, end)`. */
  scan(buf: Uint8Array, start: number, end: number, keys: WantedKeys): void {
    const values = this.values;
    if (values.length !== keys.size) {
      values.length = keys.size;
      this.at = new Int32Array(keys.size);
      this.to = new Int32Array(keys.size);
    }
    for (let k = 0; k < values.length; k++) values[k] = MISSING; // Array#fill is a builtin call: 12% of this pass
    const wanted = keys.any;
    const r = this.r.reset(buf);
    this.nameAt = this.kindAt = this.startAt = this.endAt = this.parentAt = this.stateAt = this.statusAt = -1;
    let pos = start;
    while (pos < end) {
      const head = pos;
      let tag = buf[pos]!;
      if (tag < 0x80) pos++;
      else { tag = r.varint(pos); pos = r.pos; }
      const wt = tag & 7;
      if (wt === 2) {
        let len = buf[pos]!;
        if (len < 0x80) pos++;
        else { len = r.varint(pos); pos = r.pos; }
        const to = pos + len;
        switch (tag >>> 3) {
          case 9:
            // The SDK layout (0x0a keyLen key 0x12 valueLen value, one-byte lengths, nothing
            // after) with a key no SLO reads: passed over here, the bulk of a span's attributes.
            if (wanted && !(buf[pos] === 0x0a && buf[pos + 1]! < 0x80 && sdkLayout(buf, pos + 2 + buf[pos + 1]!, to) && !keys.mayMatch(buf, pos + 2, pos + 2 + buf[pos + 1]!))) this.attribute(buf, head, pos, to, keys);
            break;
          case 5: this.nameAt = pos; this.nameTo = to; break;
          case 15: this.statusAt = pos; this.statusTo = to; break;
          case 4: this.parentAt = pos; this.parentTo = to; break;
          case 3: this.stateAt = pos; this.stateTo = to; break;
        }
        pos = to;
      } else if (wt === 0) {
        if (tag === 0x30) this.kindAt = pos; // field 6
        while (buf[pos++]! >= 0x80);
      } else if (wt === 1) {
        if (tag === 0x39) this.startAt = pos; // field 7
        else if (tag === 0x41) this.endAt = pos; // field 8
        pos += 8;
      } else pos += 4; // wire type 5: the walk refuses groups and unknown wire types
    }
  }

  /** The KeyValue `buf[at, to)` (its tag at `head`): stored when its key is wanted. */
  private attribute(buf: Uint8Array, head: number, at: number, to: number, keys: WantedKeys): void {
    if (buf[at] === 0x0a && buf[at + 1]! < 0x80) {
      const keyEnd = at + 2 + buf[at + 1]!;
      if (sdkLayout(buf, keyEnd, to)) {
        const slot = keys.match(buf, at + 2, keyEnd);
        if (slot < 0 || (keyEnd < to && this.plainValue(buf, slot, keyEnd + 2, to))) return;
      }
    }
    const attrs = this.scratch.reset(buf, head, to, 9);
    attrs.next();
    const slot = keys.match(buf, attrs.keyStart, attrs.keyEnd);
    if (slot >= 0) store(this.values, slot, attrs, this.at, this.to);
  }

  /**
   * The AnyValue `buf[v, to)` when it is one string with a one-byte length, or one int of at most
   * 4 bytes (status codes, counts), stored in `slot` as store() would; false for anything else
   * (and for a repeated key), which the AttributeCursor reads.
   */
  private plainValue(buf: Uint8Array, slot: number, v: number, to: number): boolean {
    if (this.values[slot] !== MISSING) return false;
    const tag = buf[v];
    if (tag === 0x0a) { // string_value
      if (buf[v + 1]! >= 0x80 || v + 2 + buf[v + 1]! !== to) return false;
      this.values[slot] = STR;
      this.at[slot] = v + 2;
      this.to[slot] = to;
      return true;
    }
    if (tag !== 0x18 || to - v > 5) return false; // int_value
    const n = this.r.varint(v + 1);
    if (this.r.pos !== to) return false;
    this.values[slot] = n;
    return true;
  }

  /**
   * `status.code` when it is a one-byte varint (as every status code is), -1 otherwise (the
   * caller asks the cursor). The last copy counts; 0 without a status or a code.
   */
  statusCode(buf: Uint8Array): number {
    if (this.statusAt < 0) return 0;
    const r = this.r.reset(buf);
    let v = 0;
    let pos = this.statusAt;
    const end = this.statusTo;
    while (pos < end) {
      let tag = buf[pos]!;
      if (tag < 0x80) pos++;
      else { tag = r.varint(pos); pos = r.pos; }
      const wt = tag & 7;
      if (tag === 0x18) {
        if (buf[pos]! >= 0x80) return -1;
        v = buf[pos++]!;
      } else if (wt === 2) {
        let len = buf[pos]!;
        if (len < 0x80) pos++;
        else { len = r.varint(pos); pos = r.pos; }
        pos += len;
      } else if (wt === 0) while (buf[pos++]! >= 0x80);
      else pos += wt === 1 ? 8 : 4;
    }
    return v;
  }
}

/** After a one-byte-length key ending at `keyEnd`: nothing, or a value with a one-byte length that ends the KeyValue at `to`. */
function sdkLayout(buf: Uint8Array, keyEnd: number, to: number): boolean {
  return keyEnd === to || (buf[keyEnd] === 0x12 && buf[keyEnd + 1]! < 0x80 && keyEnd + 2 + buf[keyEnd + 1]! === to);
}
