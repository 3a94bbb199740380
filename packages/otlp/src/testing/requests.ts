// Test support (exported as @cairn/otlp/testing): random OTLP requests of the three signals with
// a chosen string generator in every place a string can carry content, and an independent
// protobufjs reading of the bytes. fast-check and protobufjs are passed in, so this package keeps
// no runtime dependency on them.
import type fcModule from 'fast-check';
import type protobufModule from 'protobufjs';
import { REQUEST_TYPE, type Signal } from '../schema/otlp.js';
import { Kind, type MessageType } from '../schema/types.js';

type Fc = typeof fcModule;
type Arb<T> = fcModule.Arbitrary<T>;
export type Json = Record<string, unknown>;

/** OTLP/JSON AnyValue with `str` strings, nested arrays and kvlists up to `depth`. */
function anyValue(fc: Fc, str: Arb<string>, keys: Arb<string>, depth: number): Arb<Json> {
  const scalar = fc.oneof(
    { weight: 4, arbitrary: str.map((s) => ({ stringValue: s })) },
    fc.integer({ min: -1000, max: 100000 }).map((n) => ({ intValue: String(n) })),
    fc.boolean().map((b) => ({ boolValue: b })),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((d) => ({ doubleValue: d })),
  );
  if (depth <= 0) return scalar;
  const inner = anyValue(fc, str, keys, depth - 1);
  return fc.oneof(
    { weight: 5, arbitrary: scalar },
    fc.array(inner, { maxLength: 3 }).map((values) => ({ arrayValue: { values } })),
    fc.array(fc.record({ key: keys, value: inner }), { maxLength: 3 }).map((values) => ({ kvlistValue: { values } })),
  );
}

export interface RequestArbitraries {
  readonly traces: Arb<Json>;
  readonly logs: Arb<Json>;
  readonly metrics: Arb<Json>;
}

/**
 * Requests as OTLP/JSON objects (feed them to `jsonToProtobuf`). `keys` names attributes, `str`
 * makes every string value, span and event name and log body.
 */
export function requestArbitraries(fc: Fc, str: Arb<string>, keys: Arb<string>): RequestArbitraries {
  const value = anyValue(fc, str, keys, 2);
  const attrs = fc.uniqueArray(fc.record({ key: keys, value }), { maxLength: 4, selector: (kv) => kv.key });
  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).filter((s) => !/^0+$/.test(s));
  const resource = fc.record({ attributes: attrs });
  const scope = fc.record({ name: fc.constantFrom('lib', 'io.x'), attributes: attrs });
  const event = fc.record({ name: str, timeUnixNano: fc.constant('1'), attributes: attrs });
  const link = fc.record({ traceId: hex(32), spanId: hex(16), attributes: attrs });
  const span = fc.record({
    traceId: hex(32), spanId: hex(16), name: str, kind: fc.constant(1), startTimeUnixNano: fc.constant('1'),
    endTimeUnixNano: fc.constant('2'), attributes: attrs, events: fc.array(event, { maxLength: 2 }), links: fc.array(link, { maxLength: 2 }),
    status: fc.record({ message: str, code: fc.constant(2) }),
  });
  const log = fc.record({ timeUnixNano: fc.constant('1'), body: value, attributes: attrs });
  const exemplar = fc.record({ asDouble: fc.constant(1.5), timeUnixNano: fc.constant('1'), filteredAttributes: attrs });
  const numberPoint = fc.record({ asInt: fc.constant('3'), timeUnixNano: fc.constant('1'), attributes: attrs, exemplars: fc.array(exemplar, { maxLength: 2 }) });
  const histPoint = fc.record({ count: fc.constant('1'), sum: fc.constant(2), bucketCounts: fc.constant(['1']), timeUnixNano: fc.constant('1'), attributes: attrs, exemplars: fc.array(exemplar, { maxLength: 1 }) });
  const expPoint = fc.record({ count: fc.constant('1'), scale: fc.constant(1), timeUnixNano: fc.constant('1'), attributes: attrs, exemplars: fc.array(exemplar, { maxLength: 1 }) });
  const summaryPoint = fc.record({ count: fc.constant('1'), sum: fc.constant(2), timeUnixNano: fc.constant('1'), attributes: attrs });
  const points = <T>(p: Arb<T>) => fc.array(p, { minLength: 1, maxLength: 2 });
  const metric = fc.oneof(
    fc.record({ name: fc.constant('g'), gauge: fc.record({ dataPoints: points(numberPoint) }) }),
    fc.record({ name: fc.constant('s'), sum: fc.record({ dataPoints: points(numberPoint), aggregationTemporality: fc.constant(2) }), metadata: attrs }),
    fc.record({ name: fc.constant('h'), histogram: fc.record({ dataPoints: points(histPoint), aggregationTemporality: fc.constant(2) }) }),
    fc.record({ name: fc.constant('e'), exponentialHistogram: fc.record({ dataPoints: points(expPoint), aggregationTemporality: fc.constant(2) }) }),
    fc.record({ name: fc.constant('q'), summary: fc.record({ dataPoints: points(summaryPoint) }) }),
  );
  const groups = <T>(field: string, records: string, rec: Arb<T>, recordsKey: string) =>
    fc.array(fc.record({ resource, [field]: fc.array(fc.record({ scope, [records]: fc.array(rec, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 2 })
      .map((list) => ({ [recordsKey]: list }));
  return {
    traces: groups('scopeSpans', 'spans', span, 'resourceSpans'),
    logs: groups('scopeLogs', 'logRecords', log, 'resourceLogs'),
    metrics: groups('scopeMetrics', 'metrics', metric, 'resourceMetrics'),
  };
}

const PB_TYPE: Partial<Record<Kind, string>> = {
  [Kind.Bool]: 'bool', [Kind.Int32]: 'int32', [Kind.Uint32]: 'uint32', [Kind.Sint32]: 'sint32', [Kind.Int64]: 'int64',
  [Kind.Uint64]: 'uint64', [Kind.Enum]: 'int32', [Kind.Fixed32]: 'fixed32', [Kind.Fixed64]: 'fixed64',
  [Kind.Sfixed64]: 'sfixed64', [Kind.Double]: 'double', [Kind.String]: 'string', [Kind.Bytes]: 'bytes', [Kind.Id]: 'bytes',
};

/**
 * A protobufjs reader of the three request types: an independent parser of the same bytes, for
 * checking what a rewrite produced. Field names are OTLP/JSON's.
 */
export function protobufjsDecoder(protobuf: typeof protobufModule): (signal: Signal, bytes: Uint8Array) => Json {
  const nested: Record<string, unknown> = {};
  const visit = (type: MessageType): void => {
    if (nested[type.name]) return;
    const fields: Record<string, unknown> = {};
    nested[type.name] = { fields };
    for (const f of type.fields) {
      const t = f.kind === Kind.Message ? f.typeName : PB_TYPE[f.kind];
      fields[f.json] = f.repeated ? { rule: 'repeated', type: t, id: f.no } : { type: t, id: f.no };
      if (f.type) visit(f.type);
    }
  };
  for (const t of Object.values(REQUEST_TYPE)) visit(t);
  const root = protobuf.Root.fromJSON({ nested: nested as protobufModule.INamespace['nested'] });
  const types = { traces: root.lookupType(REQUEST_TYPE.traces.name), logs: root.lookupType(REQUEST_TYPE.logs.name), metrics: root.lookupType(REQUEST_TYPE.metrics.name) };
  return (signal, bytes) => types[signal].toObject(types[signal].decode(bytes), { longs: String, bytes: String, defaults: false, arrays: false }) as Json;
}

/** Every string at the places content rewriting reaches, in a protobufjs or OTLP/JSON object: `[place, key, value]`. */
export function contentStrings(signal: Signal, request: Json): [string, string, string][] {
  const out: [string, string, string][] = [];
  const value = (place: string, key: string, v: Json | undefined): void => {
    if (!v) return;
    if (typeof v.stringValue === 'string') out.push([place, key, v.stringValue]);
    const arr = (v.arrayValue as Json | undefined)?.values as Json[] | undefined;
    for (const x of arr ?? []) value(place, key, x);
    const kvs = (v.kvlistValue as Json | undefined)?.values as Json[] | undefined;
    for (const kv of kvs ?? []) value(place, key, kv.value as Json);
  };
  const attrs = (place: string, list: unknown): void => {
    for (const kv of (list as Json[] | undefined) ?? []) value(place, kv.key as string, kv.value as Json);
  };
  const groupsKey = { traces: ['resourceSpans', 'scopeSpans', 'spans'], logs: ['resourceLogs', 'scopeLogs', 'logRecords'], metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'] }[signal];
  for (const rg of (request[groupsKey[0]!] as Json[] | undefined) ?? []) {
    attrs('resource', (rg.resource as Json | undefined)?.attributes);
    for (const sg of (rg[groupsKey[1]!] as Json[] | undefined) ?? []) {
      attrs('scope', (sg.scope as Json | undefined)?.attributes);
      for (const rec of (sg[groupsKey[2]!] as Json[] | undefined) ?? []) {
        if (signal === 'traces') {
          if (typeof rec.name === 'string') out.push(['span.name', '', rec.name]);
          const status = rec.status as Json | undefined;
          if (typeof status?.message === 'string') out.push(['status.message', '', status.message]);
          attrs('span', rec.attributes);
          for (const e of (rec.events as Json[] | undefined) ?? []) {
            if (typeof e.name === 'string') out.push(['event.name', '', e.name]);
            attrs('event', e.attributes);
          }
          for (const l of (rec.links as Json[] | undefined) ?? []) attrs('link', l.attributes);
        } else if (signal === 'logs') {
          value('log.body', '', rec.body as Json | undefined);
          attrs('log', rec.attributes);
        } else {
          attrs('metric', rec.metadata);
          for (const kind of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) {
            for (const p of (((rec[kind] as Json | undefined)?.dataPoints) as Json[] | undefined) ?? []) {
              attrs('point', p.attributes);
              for (const x of (p.exemplars as Json[] | undefined) ?? []) attrs('exemplar', x.filteredAttributes);
            }
          }
        }
      }
    }
  }
  return out;
}

/** One byte-level mutation of an encoded request. */
export interface ByteMutation {
  readonly kind: 'flip' | 'cut' | 'splice' | 'overlong';
  readonly at: number;
  readonly bit?: number;
  readonly bytes?: Uint8Array;
}

/**
 * Byte mutations: a flipped bit, a cut, a splice of up to `spliceMaxLength` random bytes and,
 * with `overlong`, an 11-byte varint (longer than protobuf allows) inserted.
 */
export function byteMutations(fc: Fc, options: { spliceMaxLength: number; overlong: boolean }): Arb<ByteMutation> {
  const kinds: Arb<ByteMutation>[] = [
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: options.spliceMaxLength }) }),
  ];
  if (options.overlong) kinds.push(fc.record({ kind: fc.constant('overlong' as const), at: fc.nat() }));
  return fc.oneof(...kinds);
}

/** Applies `mutations` in order to a copy of `base`. */
export function mutateBytes(base: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  let b = Uint8Array.from(base);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip' && b.length > 0) b[at]! ^= 1 << m.bit!;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (m.kind === 'splice') b = new Uint8Array([...b.subarray(0, at), ...m.bytes!, ...b.subarray(at)]);
    else if (m.kind === 'overlong') b = new Uint8Array([...b.subarray(0, at), ...new Array<number>(11).fill(0x80), 0x00, ...b.subarray(at)]);
  }
  return b;
}
