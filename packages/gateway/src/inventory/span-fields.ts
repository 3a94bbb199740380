// The span fields the tap reads besides its attributes (name, kind, trace state, status code,
// whether it has events or links, where its attributes lie), in one lean pass over the span's
// body; and a scope's name and attributes. BatchView.scopeName and scopeAttributes each scan the
// whole ScopeSpans message, every span in it, to find the scope: twice per scope and batch, and
// for logs without an event name once per record. SpanCursor's getters first scan every field of the span into a table (a varint call per
// tag and length); profiled on the bench corpus that scan was ~15% of the tap's time per span,
// and reading the name as a string (to look its group up) another few percent: here the name stays
// bytes, found in GroupCache by comparing them. The walk has already checked the span's structure;
// the pass still never reads past `end`. It reads as SpanCursor does: the last copy of a field
// counts, as protobuf says.

const NAME = 5, KIND = 6, TRACE_STATE = 3, ATTRIBUTES = 9, EVENTS = 11, LINKS = 13, STATUS = 15, STATUS_CODE = 3;

export class SpanFields {
  private buf: Uint8Array = new Uint8Array(0);
  /** Where `varint` stopped. */
  private p = 0;
  /** The end of the field `last` found. */
  private lastTo = 0;
  nameAt = 0;
  nameTo = 0;
  kind = 0;
  traceStateAt = 0;
  traceStateTo = 0;
  statusCode = 0;
  hasEvents = false;
  hasLinks = false;
  /** From the first attribute's tag to the end of the last attribute (equal when none). */
  attributesFrom = 0;
  attributesTo = 0;

  /** Reads the span whose body is `buf[start, end)`. */
  read(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.nameAt = this.nameTo = this.traceStateAt = this.traceStateTo = 0;
    this.kind = this.statusCode = 0;
    this.hasEvents = this.hasLinks = false;
    let statusAt = -1, statusTo = -1;
    let from = -1, to = -1;
    let pos = start;
    while (pos < end) {
      const tagAt = pos;
      let tag = buf[pos]!;
      if (tag < 0x80) pos++;
      else { tag = this.varint(pos, end); pos = this.p; }
      const no = tag >>> 3;
      const wt = tag & 7;
      if (wt === 2) {
        let len = buf[pos]!;
        if (len < 0x80 && pos < end) pos++;
        else { len = this.varint(pos, end); pos = this.p; }
        const at = pos;
        pos += len;
        if (no === ATTRIBUTES) {
          if (from < 0) from = tagAt;
          to = pos;
        } else if (no === NAME) { this.nameAt = at; this.nameTo = pos; }
        else if (no === TRACE_STATE) { this.traceStateAt = at; this.traceStateTo = pos; }
        else if (no === STATUS) { statusAt = at; statusTo = pos; }
        else if (no === EVENTS) this.hasEvents = true;
        else if (no === LINKS) this.hasLinks = true;
      } else if (wt === 0 && no === KIND) { this.kind = this.varint(pos, end); pos = this.p; }
      else pos = this.skip(pos, end, wt);
    }
    if (statusAt >= 0) {
      const statusEnd = Math.min(statusTo, end);
      const code = this.last(statusAt, statusEnd, STATUS_CODE << 3);
      if (code >= 0) this.statusCode = this.varint(code, statusEnd);
    }
    this.attributesFrom = from < 0 ? start : from;
    this.attributesTo = from < 0 ? start : Math.min(to, end);
    return this;
  }

  /**
   * The InstrumentationScope of the ScopeSpans / ScopeLogs / ScopeMetrics body `buf[start, end)`:
   * its name (`nameAt`, `nameTo`; the last copy) and its body (`attributesFrom`, `attributesTo`,
   * for an AttributeCursor on field 3). The scope is the first field 1: the walk refuses a second.
   */
  scope(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.nameAt = this.nameTo = this.attributesFrom = this.attributesTo = 0;
    let pos = start;
    while (pos < end) {
      const tag = this.varint(pos, end);
      pos = this.p;
      const wt = tag & 7;
      if (wt === 2) {
        const len = this.varint(pos, end);
        const at = this.p;
        pos = at + len;
        if (tag >>> 3 === 1) {
          const to = Math.min(pos, end);
          this.attributesFrom = at;
          this.attributesTo = to;
          const name = this.last(at, to, (1 << 3) | 2);
          if (name >= 0) { this.nameAt = name; this.nameTo = this.lastTo; }
          return this;
        }
      } else pos = this.skip(pos, end, wt);
    }
    return this;
  }

  /**
   * Where the value of the last field with `tag` in the message `[at, to)` starts (after the
   * length, for a length-delimited one), or -1; its end in `lastTo`.
   */
  private last(at: number, to: number, tag: number): number {
    let found = -1;
    let pos = at;
    while (pos < to) {
      const t = this.varint(pos, to);
      pos = this.p;
      let value = pos;
      if ((t & 7) === 2) {
        const len = this.varint(pos, to);
        value = this.p;
        pos = value + len;
      } else pos = this.skip(pos, to, t & 7);
      if (t === tag) {
        found = value;
        this.lastTo = Math.min(pos, to);
      }
    }
    return found;
  }

  /** Past the value of wire type `wt` (not 2) at `pos`. */
  private skip(pos: number, end: number, wt: number): number {
    if (wt === 0) { this.varint(pos, end); return this.p; }
    return wt === 1 ? pos + 8 : wt === 5 ? pos + 4 : pos + 1;
  }

  /** An unsigned varint at `pos` (exact below 2^53, as WireReader.varint); sets `p`. Stops at `end`. */
  private varint(pos: number, end: number): number {
    const buf = this.buf;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10 && pos < end; i++) {
      const b = buf[pos++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
    }
    this.p = pos;
    return v;
  }
}
