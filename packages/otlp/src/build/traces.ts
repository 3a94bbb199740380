// Plain span objects -> ExportTraceServiceRequest bytes, written straight into one buffer (no
// intermediate message objects). Field numbers: opentelemetry/proto/trace/v1/trace.proto.
import { ProtoWriter, WireType } from '../wire/writer.js';
import { hexInto } from '../wire/encoding.js';
import { writeAttributes, type Attributes } from './values.js';

/** Nanoseconds since the epoch: a bigint, or an OpenTelemetry HrTime `[seconds, nanoseconds]`. */
export type TimeInput = bigint | readonly [number, number];
/** A trace or span id: hex text or raw bytes. */
export type IdInput = string | Uint8Array;

export interface EventInput {
  readonly timeUnixNano: TimeInput;
  readonly name: string;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

export interface LinkInput {
  readonly traceId: IdInput;
  readonly spanId: IdInput;
  readonly traceState?: string;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
  readonly flags?: number;
}

export interface SpanInput {
  readonly traceId: IdInput;
  readonly spanId: IdInput;
  readonly parentSpanId?: IdInput;
  readonly traceState?: string;
  /** W3C trace flags in the low 8 bits (fixed32 on the wire). */
  readonly flags?: number;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (the API's enum + 1). */
  readonly kind?: number;
  readonly startTimeUnixNano: TimeInput;
  readonly endTimeUnixNano: TimeInput;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
  readonly events?: readonly EventInput[];
  readonly droppedEventsCount?: number;
  readonly links?: readonly LinkInput[];
  readonly droppedLinksCount?: number;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly status?: { readonly code?: number; readonly message?: string };
}

export interface ResourceInput {
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

export interface ScopeInput {
  readonly name: string;
  readonly version?: string;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

export interface ResourceSpansInput {
  readonly resource?: ResourceInput;
  readonly schemaUrl?: string;
  readonly scopeSpans: readonly { readonly scope?: ScopeInput; readonly schemaUrl?: string; readonly spans: readonly SpanInput[] }[];
}

const TWO16 = 0x10000;
const TWO32 = 0x100000000;

function writeTime(w: ProtoWriter, field: number, t: TimeInput): void {
  w.tag(field, WireType.Fixed64);
  if (typeof t === 'bigint') {
    const u = BigInt.asUintN(64, t);
    w.fixed64(Number(u & 0xffffffffn), Number(u >> 32n));
    return;
  }
  // seconds * 1e9 + nanos without BigInt: split seconds so every product stays below 2^53.
  const [seconds, nanos] = t;
  const high = Math.floor(seconds / TWO16) * 1e9; // times 2^16
  const low = (seconds % TWO16) * 1e9 + nanos;
  let lo = (high % TWO16) * TWO16 + (low % TWO32);
  const carry = Math.floor(lo / TWO32);
  lo -= carry * TWO32;
  w.fixed64(lo, Math.floor(high / TWO16) + Math.floor(low / TWO32) + carry);
}

/**
 * Where `writeId` decodes hex ids before the writer copies them (synchronously, so one buffer
 * serves every builder). It grows only for ids longer than 16 bytes.
 */
let idBytes = new Uint8Array(16);

function writeId(w: ProtoWriter, field: number, id: IdInput | undefined): void {
  if (id === undefined || id.length === 0) return;
  if (typeof id !== 'string') {
    w.bytesField(field, id, 0, id.length);
    return;
  }
  // No allocation per id: the SDK's fast exporter passes every span's ids as the hex strings the
  // OpenTelemetry API keeps them in.
  if ((id.length & 1) === 0) {
    const n = id.length >>> 1;
    if (n > idBytes.length) idBytes = new Uint8Array(n);
    if (hexInto(id, idBytes, 0)) {
      w.bytesField(field, idBytes, 0, n);
      return;
    }
  }
  throw new TypeError(`id ${JSON.stringify(id)} is not hex`);
}

function writeUint(w: ProtoWriter, field: number, v: number | undefined): void {
  if (v === undefined || v === 0) return;
  w.tag(field, WireType.Varint);
  w.varint(v);
}

function writeFixed32(w: ProtoWriter, field: number, v: number | undefined): void {
  if (v === undefined || v === 0) return;
  w.tag(field, WireType.Fixed32);
  w.fixed32(v);
}

function writeString(w: ProtoWriter, field: number, v: string | undefined): void {
  if (v === undefined || v === '') return;
  w.stringField(field, v);
}

/**
 * Writes an ExportTraceServiceRequest incrementally: `resource()`, then `scope()`, then
 * `span()` for each span; repeat; `finish()`. Nothing but the output buffer is allocated.
 */
export class TracesBuilder {
  private readonly w: ProtoWriter;
  private resourceMark = -1;
  private scopeMark = -1;

  constructor(expectedBytes = 64 * 1024) {
    this.w = new ProtoWriter(expectedBytes);
  }

  /** Starts a resource group (closing the open one). */
  resource(resource: ResourceInput = {}, schemaUrl?: string): this {
    this.closeResource();
    const w = this.w;
    w.tag(1, WireType.Len);
    this.resourceMark = w.begin(TWO16);
    w.tag(1, WireType.Len);
    const m = w.begin(128);
    writeAttributes(w, 1, resource.attributes);
    writeUint(w, 2, resource.droppedAttributesCount);
    w.end(m);
    writeString(w, 3, schemaUrl);
    return this;
  }

  /** Starts a scope group inside the current resource group. */
  scope(scope: ScopeInput, schemaUrl?: string): this {
    if (this.resourceMark < 0) this.resource();
    this.closeScope();
    const w = this.w;
    w.tag(2, WireType.Len);
    this.scopeMark = w.begin(TWO16);
    w.tag(1, WireType.Len);
    const m = w.begin(64);
    writeString(w, 1, scope.name);
    writeString(w, 2, scope.version);
    writeAttributes(w, 3, scope.attributes);
    writeUint(w, 4, scope.droppedAttributesCount);
    w.end(m);
    writeString(w, 3, schemaUrl);
    return this;
  }

  span(span: SpanInput): this {
    if (this.scopeMark < 0) this.scope({ name: '' });
    const w = this.w;
    w.tag(2, WireType.Len);
    const m = w.begin(256);
    writeId(w, 1, span.traceId);
    writeId(w, 2, span.spanId);
    writeString(w, 3, span.traceState);
    writeId(w, 4, span.parentSpanId);
    writeString(w, 5, span.name);
    writeUint(w, 6, span.kind);
    writeTime(w, 7, span.startTimeUnixNano);
    writeTime(w, 8, span.endTimeUnixNano);
    writeAttributes(w, 9, span.attributes);
    writeUint(w, 10, span.droppedAttributesCount);
    for (const e of span.events ?? []) {
      w.tag(11, WireType.Len);
      const me = w.begin(64);
      writeTime(w, 1, e.timeUnixNano);
      writeString(w, 2, e.name);
      writeAttributes(w, 3, e.attributes);
      writeUint(w, 4, e.droppedAttributesCount);
      w.end(me);
    }
    writeUint(w, 12, span.droppedEventsCount);
    for (const l of span.links ?? []) {
      w.tag(13, WireType.Len);
      const ml = w.begin(64);
      writeId(w, 1, l.traceId);
      writeId(w, 2, l.spanId);
      writeString(w, 3, l.traceState);
      writeAttributes(w, 4, l.attributes);
      writeUint(w, 5, l.droppedAttributesCount);
      writeFixed32(w, 6, l.flags);
      w.end(ml);
    }
    writeUint(w, 14, span.droppedLinksCount);
    if (span.status !== undefined && (span.status.code || span.status.message)) {
      w.tag(15, WireType.Len);
      const ms = w.begin(16);
      writeString(w, 2, span.status.message);
      writeUint(w, 3, span.status.code);
      w.end(ms);
    }
    writeFixed32(w, 16, span.flags);
    w.end(m);
    return this;
  }

  private closeScope(): void {
    if (this.scopeMark >= 0) this.w.end(this.scopeMark);
    this.scopeMark = -1;
  }

  private closeResource(): void {
    this.closeScope();
    if (this.resourceMark >= 0) this.w.end(this.resourceMark);
    this.resourceMark = -1;
  }

  /** The request bytes (a view over the builder's buffer). */
  finish(): Uint8Array {
    this.closeResource();
    return this.w.finish();
  }
}

/** Builds an ExportTraceServiceRequest from plain objects. */
export function buildTraces(resourceSpans: readonly ResourceSpansInput[]): Uint8Array {
  const b = new TracesBuilder();
  for (const rs of resourceSpans) {
    b.resource(rs.resource, rs.schemaUrl);
    for (const ss of rs.scopeSpans) {
      b.scope(ss.scope ?? { name: '' }, ss.schemaUrl);
      for (const span of ss.spans) b.span(span);
    }
  }
  return b.finish();
}
