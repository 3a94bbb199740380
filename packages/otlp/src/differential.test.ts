// Differential fuzz: random structural and byte mutations of real requests (the OTel SDK's own
// protobuf serializer, plus the crafted attacks of issue 8), decoded by @cairn/otlp and by
// protobufjs, the parser many backends behave like. Whenever Cairn accepts a request, both must
// read the same resource attributes and the same service.name for every resource: otherwise a
// tenant could pass the gateway's ownership check as one service and be filed as another.
// Cases: 3,000 (CI=true: 600); DIFFERENTIAL_CASES=200000 for a long run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { AttributeCursor, OtlpDecodeError, UNKNOWN_SERVICE, decodeTraces, type AnyValue } from './index.js';
import { schema } from './schema/otlp.js';
import { Kind, type MessageType } from './schema/types.js';
import { sdkSpans } from './testing/fixtures.test.js';
import { toHex } from './wire/encoding.js';

const CASES = Number(process.env.DIFFERENTIAL_CASES ?? (process.env.CI === 'true' ? 600 : 3000));

// protobufjs reads only what this test compares; everything else is an unknown field to it.
const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: { type: 'string', id: 1 }, boolValue: { type: 'bool', id: 2 }, intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 }, arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 }, bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    ResourceSpans: { fields: { resource: { type: 'Resource', id: 1 } } },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
  },
});
const Request = root.lookupType('ExportTraceServiceRequest');

interface PbAnyValue { stringValue?: string; boolValue?: boolean; intValue?: { toString(): string } | number; doubleValue?: number; arrayValue?: { values: PbAnyValue[] }; kvlistValue?: { values: PbKeyValue[] }; bytesValue?: Uint8Array }
interface PbKeyValue { key: string; value?: PbAnyValue | null }
interface PbRequest { resourceSpans: { resource?: { attributes: PbKeyValue[] } }[] }

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** A protobufjs AnyValue as text; the member set is the one present on the wire (an own property). */
function pbValue(v: PbAnyValue | undefined | null, top = true): string {
  if (v === undefined || v === null) return 'empty';
  const set = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'].filter((k) => own(v, k));
  if (set.length > 1) return `conflict(${set.join(',')})`;
  switch (set[0]) {
    case 'stringValue': return `s:${JSON.stringify(v.stringValue)}`;
    case 'boolValue': return `b:${v.boolValue}`;
    // Nested numbers read as plain numbers in Cairn (int or double alike): compare them as numbers.
    case 'intValue': return top ? `i:${v.intValue!.toString()}` : `n:${Number(v.intValue!.toString())}`;
    case 'doubleValue': return top ? `d:${Object.is(v.doubleValue, -0) ? '-0' : String(v.doubleValue)}` : `n:${v.doubleValue}`;
    case 'bytesValue': return `x:${toHex(v.bytesValue!, 0, v.bytesValue!.length)}`;
    case 'arrayValue': return `[${v.arrayValue!.values.map((x) => pbValue(x, false)).join(',')}]`;
    case 'kvlistValue': return `{${v.kvlistValue!.values.map((kv) => `${JSON.stringify(kv.key)}=${pbValue(kv.value, false)}`).join(',')}}`;
    default: return 'empty';
  }
}

function cairnValue(v: AnyValue): string {
  if (v === null) return 'empty';
  if (typeof v === 'string') return `s:${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `b:${v}`;
  if (typeof v === 'bigint') return `n:${Number(v)}`;
  if (v instanceof Uint8Array) return `x:${toHex(v, 0, v.length)}`;
  if (Array.isArray(v)) return `[${v.map(cairnValue).join(',')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}=${cairnValue(x)}`).join(',')}}`;
  return `n:${v}`;
}

/** Cairn's numbers do not say int or double; the value type does. */
function cairnAttribute(a: AttributeCursor): string {
  const v = a.value;
  if (typeof v === 'number') return a.valueType === 3 ? `i:${v}` : `d:${Object.is(v, -0) ? '-0' : String(v)}`;
  if (typeof v === 'bigint') return `i:${v}`;
  return cairnValue(v);
}

// --- a schema-aware tree of fields, so mutations keep the lengths right ---------------------

interface Node { no: number; wt: number; raw: Uint8Array; children?: Node[]; type?: MessageType }

function readVarint(buf: Uint8Array, at: { pos: number }): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = buf[at.pos++]!;
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 128;
  }
  return v;
}

function parse(type: MessageType, buf: Uint8Array): Node[] {
  const out: Node[] = [];
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const tag = readVarint(buf, at);
    const no = tag >>> 3;
    const wt = tag & 7;
    const start = at.pos;
    if (wt === 0) readVarint(buf, at);
    else if (wt === 1) at.pos += 8;
    else if (wt === 5) at.pos += 4;
    else { const len = readVarint(buf, at); at.pos += len; }
    const field = type.byNo[no];
    const node: Node = { no, wt, raw: wt === 2 ? bodyOf(buf, start, at.pos) : buf.subarray(start, at.pos) };
    if (wt === 2 && field?.kind === Kind.Message) { node.type = field.type!; node.children = parse(field.type!, node.raw); }
    out.push(node);
  }
  return out;
}

function bodyOf(buf: Uint8Array, start: number, end: number): Uint8Array {
  const at = { pos: start };
  readVarint(buf, at);
  return buf.subarray(at.pos, end);
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n % 128) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

function encode(nodes: Node[]): Uint8Array {
  const parts: number[] = [];
  for (const n of nodes) {
    parts.push(...varintBytes(n.no * 8 + n.wt));
    if (n.wt === 2) {
      const body = n.children ? encode(n.children) : n.raw;
      parts.push(...varintBytes(body.length));
      for (const b of body) parts.push(b);
    } else for (const b of n.raw) parts.push(b);
  }
  return Uint8Array.from(parts);
}

/** Every list of sibling nodes in the tree (the places a mutation can act on). */
function lists(nodes: Node[], out: Node[][] = []): Node[][] {
  out.push(nodes);
  for (const n of nodes) if (n.children) lists(n.children, out);
  return out;
}

const enc = new TextEncoder();
const KEYS = ['service.name', 'cloud.region', 'k', 'service.namespace'];

interface Mutation { op: number; a: number; b: number; bytes: Uint8Array }

/** Applies one mutation; the ops lean towards what tenant isolation is about (copies, keys, value types). */
function mutate(tree: Node[], m: Mutation): Node[] {
  const all = lists(tree);
  const list = all[m.a % all.length]!;
  if (list.length === 0) return tree;
  const i = m.b % list.length;
  const node = list[i]!;
  switch (m.op % 8) {
    case 0: list.splice(m.a % (list.length + 1), 0, structuredClone(node)); break; // a second copy of a field
    case 1: list.splice(i, 1); break;
    case 2: if (node.wt === 2 && !node.children) node.raw = enc.encode(KEYS[m.b % KEYS.length]!); break; // rename a key / change a string
    case 3: node.no = 1 + (m.b % 7); break; // another field number: another oneof member, another field
    case 4: if (!node.children) node.raw = m.bytes; break;
    case 5: { const j = m.a % list.length; [list[i], list[j]] = [list[j]!, list[i]!]; break; }
    case 6: { const other = all[m.b % all.length]!; other.push(structuredClone(node)); break; } // a copy somewhere else
    default: if (node.children && node.children.length > 0) { node.raw = encode(node.children).slice(); node.children = undefined; if (node.raw.length) node.raw[m.b % node.raw.length]! ^= 1 << (m.a % 8); }
  }
  return tree;
}

function seeds(): Uint8Array[] {
  const sdk = ProtobufTraceSerializer.serializeRequest(sdkSpans())!;
  const kv = (key: string, value: number[]): number[] => { const k = [...enc.encode(key)]; const body = [0x0a, k.length, ...k, 0x12, value.length, ...value]; return [0x0a, body.length, ...body]; };
  const str = (s: string): number[] => [0x0a, s.length, ...enc.encode(s)];
  const res = (...kvs: number[][]): number[] => { const body = kvs.flat(); return [0x0a, body.length, ...body]; };
  const rs = (...parts: number[][]): Uint8Array => { const body = parts.flat(); return Uint8Array.from([0x0a, body.length, ...body]); };
  return [
    sdk,
    rs(res(kv('service.name', str('payments'))), res(kv('service.name', str('checkout')))),
    rs(res(kv('service.name', str('checkout')), kv('service.name', str('payments')))),
    rs(res(kv('service.name', [0x2a, 4, ...[0x0a, 2, ...str('x')]]), kv('k', [0x18, 5]))),
  ];
}

test('whenever Cairn accepts a mutated request, protobufjs reads the same resource attributes and service.name', () => {
  const base = seeds();
  const REQUEST = schema.get('ExportTraceServiceRequest');
  let accepted = 0;
  let refused = 0;
  const a = new AttributeCursor();
  const mutation = fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat(), bytes: fc.uint8Array({ maxLength: 6 }) });
  fc.assert(fc.property(fc.nat(base.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
    let tree = parse(REQUEST, base[seed]!);
    for (const m of mutations) tree = mutate(tree, m);
    const bytes = encode(tree);
    let view;
    try {
      view = decodeTraces(bytes);
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      refused++;
      return;
    }
    accepted++;
    const theirs = Request.decode(bytes) as unknown as PbRequest;
    assert.equal(theirs.resourceSpans.length, view.resourceCount);
    for (let r = 0; r < view.resourceCount; r++) {
      const ours: string[] = [];
      view.resourceAttributes(r, a);
      while (a.next()) ours.push(`${JSON.stringify(a.key)}=${cairnAttribute(a)}`);
      const pb = theirs.resourceSpans[r]!.resource?.attributes ?? [];
      assert.deepEqual(ours, pb.map((kv) => `${JSON.stringify(kv.key)}=${pbValue(kv.value)}`));
      const name = pb.find((kv) => kv.key === 'service.name');
      assert.equal(view.serviceName(r), name === undefined ? UNKNOWN_SERVICE : name.value?.stringValue);
    }
  }), { numRuns: CASES, includeErrorInReport: true });
  console.log(`differential fuzz: ${CASES} cases, ${accepted} accepted and compared, ${refused} refused`);
  assert.ok(accepted > CASES / 10, 'most mutations should still be valid requests, or the comparison says little');
});
