// ExportTraceServiceRequest as a lazy view. Field numbers: opentelemetry/proto/trace/v1/trace.proto.
import type { DecodeOptions } from '../wire/limits.js';
import { BatchEditor } from '../batch/edit.js';
import { BatchView, IndexedCursor, Level, NestedCursor } from '../batch/view.js';
import { bytesEqualString, type AttributeCursor } from '../batch/attributes.js';
import { fixed32 } from '../batch/read.js';
import { keepHiddenClass } from '../batch/anchor.js';

/** Span.SpanKind */
export enum SpanKind {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5,
}

/** Status.StatusCode */
export enum StatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}

/** A view over an ExportTraceServiceRequest (or TracesData: same wire shape). */
export class TracesView extends BatchView {
  constructor(bytes: Uint8Array, options?: DecodeOptions) {
    super(bytes, 'traces', options);
  }

  /** Starts recording edits; `encode()` writes the edited request. */
  edit(): BatchEditor<'resource' | 'scope' | 'span'> {
    return new BatchEditor(this);
  }

  get spanCount(): number {
    return this.countAt(Level.Record);
  }

  /** A cursor over all spans, in wire order. Make one per batch and reuse it. */
  spans(): SpanCursor {
    return new SpanCursor(this);
  }
}

/** Validates and indexes a protobuf ExportTraceServiceRequest. Throws OtlpDecodeError. */
export function decodeTraces(bytes: Uint8Array, options?: DecodeOptions): TracesView {
  return new TracesView(bytes, options);
}

export class SpanCursor extends IndexedCursor {
  constructor(view: TracesView) {
    super(view, Level.Record);
  }

  /** Index of the span's scope group. */
  get scopeIndex(): number { return this.parentIndex; }
  /** Index of the span's resource group. */
  get resourceIndex(): number { return this.view.scopeResource(this.parentIndex); }

  get traceIdHex(): string { return this.hex(1); }
  get spanIdHex(): string { return this.hex(2); }
  get parentSpanIdHex(): string { return this.hex(4); }
  /** The raw id bytes: a view over the input, not a copy. */
  get traceId(): Uint8Array { return this.bytes(1); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  traceIdLength(): number { return this.idLength(1, 16); }
  get spanId(): Uint8Array { return this.bytes(2); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  spanIdLength(): number { return this.idLength(2, 8); }
  get parentSpanId(): Uint8Array { return this.bytes(4); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  parentSpanIdLength(): number { return this.idLength(4, 8); }
  get traceState(): string { return this.str(3); }
  /** Byte `k` of the trace id, without making a view of it (samplers read its last 7 bytes per span); -1 past its end. */
  traceIdByte(k: number): number {
    const at = this.fields.at[1]!;
    return at < 0 || at + k >= this.fields.to[1]! ? -1 : this.buf[at + k]!;
  }
  get flags(): number { return this.fixed32(16); }
  get name(): string { return this.str(5); }
  /** `name === s`, compared as bytes in place: no string is decoded (the SLI tap compares names per span). */
  nameEquals(s: string): boolean {
    const at = this.fields.at[5]!;
    return at < 0 ? s === '' : bytesEqualString(this.buf, at, this.fields.to[5]!, s);
  }
  get kind(): SpanKind { return this.uint(6); }
  get startTimeUnixNano(): bigint { return this.fixed64(7); }
  get endTimeUnixNano(): bigint { return this.fixed64(8); }
  /** Start time in ms since the epoch, as a double (sub-microsecond precision is lost). */
  get startTimeUnixMs(): number { return this.fixed64Number(7) / 1e6; }
  get endTimeUnixMs(): number { return this.fixed64Number(8) / 1e6; }
  /** end - start in nanoseconds, as a number (exact for spans shorter than 104 days). */
  get durationNanos(): number { return durationNanos(this.buf, this.fields.at[7]!, this.fields.at[8]!); }
  get droppedAttributesCount(): number { return this.uint(10); }
  get droppedEventsCount(): number { return this.uint(12); }
  get droppedLinksCount(): number { return this.uint(14); }
  get statusCode(): StatusCode { return this.subUint(15, 3); }
  get statusMessage(): string { return this.subString(15, 2); }
  get hasStatus(): boolean { return this.has(15); }
  get eventCount(): number { return this.countOf(11); }
  get linkCount(): number { return this.countOf(13); }
  /** Whether the span has an event (or a link), from the field table: no pass over the span, unlike the counts. */
  get hasEvents(): boolean { return this.has(11); }
  get hasLinks(): boolean { return this.has(13); }

  attributes(cursor?: AttributeCursor): AttributeCursor { return this.attrs(9, cursor); }
  /** Positions `cursor` (or a new one) before the span's first event. */
  events(cursor?: EventCursor): EventCursor { return (cursor ?? new EventCursor(this.buf)).reset(this.buf, this.start, this.end, 11); }
  links(cursor?: LinkCursor): LinkCursor { return (cursor ?? new LinkCursor(this.buf)).reset(this.buf, this.start, this.end, 13); }
}

function durationNanos(buf: Uint8Array, a: number, b: number): number {
  if (a < 0 || b < 0) return 0;
  return (fixed32(buf, b + 4) - fixed32(buf, a + 4)) * 0x100000000 + (fixed32(buf, b) - fixed32(buf, a));
}

/** Span.Event entries of one span. */
export class EventCursor extends NestedCursor {
  get timeUnixNano(): bigint { return this.fixed64(1); }
  get name(): string { return this.str(2); }
  get droppedAttributesCount(): number { return this.uint(4); }
  attributes(cursor?: AttributeCursor): AttributeCursor { return this.attrs(3, cursor); }
}

/** Span.Link entries of one span. */
export class LinkCursor extends NestedCursor {
  get traceIdHex(): string { return this.hex(1); }
  get spanIdHex(): string { return this.hex(2); }
  /** The raw id bytes: a view over the input, not a copy. */
  get traceId(): Uint8Array { return this.bytes(1); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  traceIdLength(): number { return this.idLength(1, 16); }
  get spanId(): Uint8Array { return this.bytes(2); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  spanIdLength(): number { return this.idLength(2, 8); }
  get traceState(): string { return this.str(3); }
  get droppedAttributesCount(): number { return this.uint(5); }
  get flags(): number { return this.fixed32(6); }
  attributes(cursor?: AttributeCursor): AttributeCursor { return this.attrs(4, cursor); }
}

// See anchor.ts: the view, its group reader, level index and editor, and each cursor.
const anchorView = new TracesView(new Uint8Array(0));
keepHiddenClass([anchorView.spans(), anchorView.edit(), new EventCursor(anchorView.bytes), new LinkCursor(anchorView.bytes)]);
