// The span fields the tap reads besides its attributes (name, kind, trace state, status code,
// whether it has events or links, where its attributes lie), in one lean pass over the span's
// body; and a scope's name and attributes. BatchView.scopeName and scopeAttributes each scan the
// whole ScopeSpans message, every span in it, to find the scope: twice per scope and batch, and
// for logs without an event name once per record. SpanCursor's getters first scan every field of the span into a table (a varint call per
// tag and length); profiled on the bench corpus that scan was ~15% of the tap's time per span,
// and reading the name as a string (to look its group up) another few percent: here the name stays
// bytes, found in GroupCache by comparing them. The walk has already checked the span's structure,
// so varints are read with the view's own WireReader. It reads as SpanCursor does: the last copy of
// a field counts, as protobuf says.
import { WireReader } from '@cairn/otlp';

const NAME = 5, KIND = 6, TRACE_STATE = 3, ATTRIBUTES = 9, EVENTS = 11, LINKS = 13, STATUS = 15, STATUS_CODE = 3;

export class SpanFields {
  private readonly r = new WireReader();
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
    const r = this.r.reset(buf);
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
      else { tag = r.varint(pos); pos = r.pos; }
      const no = tag >>> 3;
      const wt = tag & 7;
      if (wt === 2) {
        let len = buf[pos]!;
        if (len < 0x80) pos++;
        else { len = r.varint(pos); pos = r.pos; }
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
      } else if (wt === 0 && no === KIND) { this.kind = r.varint(pos); pos = r.pos; }
      else pos = r.skip(pos, wt);
    }
    if (statusAt >= 0) {
      const code = this.lastVarint(statusAt, statusTo, STATUS_CODE << 3);
      if (code >= 0) this.statusCode = r.varint(code);
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
    const r = this.r.reset(buf);
    this.nameAt = this.nameTo = this.attributesFrom = this.attributesTo = 0;
    // The first field 1, not lenField's last copy: that would read every span of the ScopeSpans.
    let tag = r.nextLen(start, end);
    while (tag >= 0 && tag !== ((1 << 3) | 2)) tag = r.nextLen(r.pos, end);
    if (tag < 0) return this;
    const at = r.at;
    const to = r.pos;
    this.attributesFrom = at;
    this.attributesTo = to;
    const name = r.lenField(at, to, 1);
    if (name >= 0) { this.nameAt = name; this.nameTo = r.pos; }
    return this;
  }

  /** Where the value of the last varint field with `tag` in the message `[at, to)` starts, or -1. */
  private lastVarint(at: number, to: number, tag: number): number {
    const r = this.r;
    let found = -1;
    let pos = at;
    while (pos < to) {
      const t = r.varint(pos);
      pos = r.pos;
      if (t === tag) found = pos;
      pos = r.skip(pos, t & 7);
    }
    return found;
  }
}
