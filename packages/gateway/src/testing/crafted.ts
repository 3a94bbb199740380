// Hand-made protobuf requests that no SDK writes but an attacker can: a ResourceSpans with two
// Resource messages, a Resource with two service.name keys, a service.name that is not a string.
import { buildTraces, decodeTraces, type SpanInput, type TracesView } from '@cairn/otlp';

const enc = new TextEncoder();

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return out;
}

/** Tag, length and body of length-delimited field `no`. */
export function field(no: number, ...parts: Uint8Array[]): Uint8Array {
  const body = concat(...parts);
  return concat(Uint8Array.from([...varint((no << 3) | 2), ...varint(body.length)]), body);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A KeyValue body whose AnyValue body is `value`. */
export function keyValue(key: string, value: Uint8Array): Uint8Array {
  return concat(field(1, enc.encode(key)), field(2, value));
}

/** AnyValue bodies. */
export const anyValue = {
  string: (s: string): Uint8Array => field(1, enc.encode(s)),
  int: (n: number): Uint8Array => Uint8Array.from([0x18, ...varint(n)]),
  array: (...items: Uint8Array[]): Uint8Array => field(5, ...items.map((i) => field(1, i))),
  empty: (): Uint8Array => new Uint8Array(0),
};

/** A Resource body holding `keyValues` as attributes (field 1). */
export function resource(...keyValues: Uint8Array[]): Uint8Array {
  return concat(...keyValues.map((kv) => field(1, kv)));
}

/** The ScopeSpans field (field 2 of ResourceSpans) of `spans`, as the SDK writes it. */
function scopeSpansOf(spans: SpanInput[]): Uint8Array {
  // buildTraces writes ResourceSpans{ resource(1), scope_spans(2) }: keep the scope_spans fields.
  const request = buildTraces([{ scopeSpans: [{ scope: { name: 'crafted' }, spans }] }]);
  const view = decodeTraces(request);
  const [first, end] = view.resourceScopes(0);
  const parts: Uint8Array[] = [];
  for (let s = first; s < end; s++) parts.push(field(2, scopeBody(view, s)));
  return concat(...parts);
}

function scopeBody(view: TracesView, s: number): Uint8Array {
  const L = view.levels[1]!;
  return view.bytes.subarray(L.start[s]!, L.end[s]!);
}

/** An ExportTraceServiceRequest whose one ResourceSpans carries each of `resources` in turn, then `spans`. */
export function tracesWithResources(resources: Uint8Array[], spans: SpanInput[]): Uint8Array {
  return field(1, ...resources.map((r) => field(1, r)), scopeSpansOf(spans));
}

/** The repeated-Resource attack: payments' Resource first, then checkout's, in one ResourceSpans. */
export function repeatedResource(first: string, second: string, spans: SpanInput[]): Uint8Array {
  return tracesWithResources([resource(keyValue('service.name', anyValue.string(first))), resource(keyValue('service.name', anyValue.string(second)))], spans);
}
