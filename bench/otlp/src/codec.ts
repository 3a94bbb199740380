// Codec benchmark: @cairn/otlp against protobufjs on the same SDK-made trace requests, in the
// same run. Prints medians over rounds and writes bench/results/otlp.json.
// Run: npx tsc -b packages/otlp bench/otlp && node bench/otlp/dist/codec.js
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AttributeCursor, decodeTraces, EventCursor, LinkCursor } from '@cairn/otlp';
import { traceCorpus } from './corpus.js';
import { ExportTraceServiceRequest } from './reference.js';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const corpus = traceCorpus({ batches: 40, spansPerBatch: 512 });
const requests = corpus.requests;
// Every span field in use: parents, an event with 2 attributes each, a link on every other span.
const rich = traceCorpus({ batches: 40, spansPerBatch: 512, rich: true });
let sink = 0;

interface PbKeyValue { key: string; value: Record<string, unknown> }
interface PbEvent { timeUnixNano: unknown; name: string; attributes: PbKeyValue[]; droppedAttributesCount: number }
interface PbLink { traceId: Uint8Array; spanId: Uint8Array; traceState: string; attributes: PbKeyValue[]; droppedAttributesCount: number; flags: number }
interface PbSpan {
  traceId: Uint8Array; spanId: Uint8Array; parentSpanId: Uint8Array; traceState: string; flags: number; name: string; kind: number;
  startTimeUnixNano: unknown; endTimeUnixNano: unknown; attributes: PbKeyValue[]; droppedAttributesCount: number;
  events: PbEvent[]; droppedEventsCount: number; links: PbLink[]; droppedLinksCount: number; status?: { code: number; message: string } | null;
}
interface PbRequest { resourceSpans: { scopeSpans: { spans: PbSpan[] }[] }[] }

function visitValue(v: unknown): void {
  sink += typeof v === 'string' ? v.length : 1;
}

function pbAttributes(kvs: PbKeyValue[]): void {
  for (const kv of kvs) { sink += kv.key.length; for (const k in kv.value) visitValue(kv.value[k]); }
}

/**
 * Reads every field of every span (ids, trace state, flags, name, kind, times, attributes,
 * events with theirs, links with theirs, dropped counts, status) from protobufjs objects.
 */
function pbReadAll(reqs: readonly Uint8Array[]): number {
  let n = 0;
  for (const r of reqs) {
    const m = ExportTraceServiceRequest.decode(r) as unknown as PbRequest;
    for (const rs of m.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
      n++;
      sink += s.traceId.length + s.spanId.length + s.parentSpanId.length + s.traceState.length + s.flags + s.name.length + s.kind;
      visitValue(s.startTimeUnixNano); visitValue(s.endTimeUnixNano);
      pbAttributes(s.attributes);
      sink += s.droppedAttributesCount + s.droppedEventsCount + s.droppedLinksCount;
      for (const e of s.events) { visitValue(e.timeUnixNano); sink += e.name.length + e.droppedAttributesCount; pbAttributes(e.attributes); }
      for (const l of s.links) { sink += l.traceId.length + l.spanId.length + l.traceState.length + l.flags + l.droppedAttributesCount; pbAttributes(l.attributes); }
      if (s.status) sink += s.status.code + s.status.message.length;
    }
  }
  return n;
}

/**
 * The same fields through Cairn's view cursors. Values are read as a consumer gets them: ids as
 * bytes (links' only as hex: the cursor has no byte accessor, which costs Cairn more, not less),
 * times as bigint, attribute values as JS values. Cursors are reused, as the hot path allows.
 */
const attrs = new AttributeCursor();
const events = new EventCursor(new Uint8Array(0));
const links = new LinkCursor(new Uint8Array(0));
function cairnReadAll(reqs: readonly Uint8Array[]): number {
  let n = 0;
  for (const r of reqs) {
    const spans = decodeTraces(r).spans();
    while (spans.next()) {
      n++;
      sink += spans.traceId.length + spans.spanId.length + spans.parentSpanId.length + spans.traceState.length + spans.flags + spans.name.length + spans.kind;
      visitValue(spans.startTimeUnixNano); visitValue(spans.endTimeUnixNano);
      spans.attributes(attrs);
      while (attrs.next()) { sink += attrs.key.length; visitValue(attrs.value); }
      sink += spans.droppedAttributesCount + spans.droppedEventsCount + spans.droppedLinksCount;
      spans.events(events);
      while (events.next()) {
        visitValue(events.timeUnixNano); sink += events.name.length + events.droppedAttributesCount;
        events.attributes(attrs);
        while (attrs.next()) { sink += attrs.key.length; visitValue(attrs.value); }
      }
      spans.links(links);
      while (links.next()) {
        sink += links.traceIdHex.length + links.spanIdHex.length + links.traceState.length + links.flags + links.droppedAttributesCount;
        links.attributes(attrs);
        while (attrs.next()) { sink += attrs.key.length; visitValue(attrs.value); }
      }
      if (spans.hasStatus) sink += spans.statusCode + spans.statusMessage.length;
    }
  }
  return n;
}

const cases: Record<string, () => number> = {
  /** Decode, then read every span attribute's key and value as JS values. */
  'cairn decode+visit'() {
    const a = new AttributeCursor();
    let n = 0;
    for (const r of requests) {
      const spans = decodeTraces(r).spans();
      while (spans.next()) {
        n++;
        spans.attributes(a);
        while (a.next()) { sink += a.key.length; visitValue(a.value); }
      }
    }
    return n;
  },
  'protobufjs decode'() {
    let n = 0;
    for (const r of requests) {
      const m = ExportTraceServiceRequest.decode(r) as unknown as PbRequest;
      for (const rs of m.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
    }
    return n;
  },
  'protobufjs decode+visit'() {
    let n = 0;
    for (const r of requests) {
      const m = ExportTraceServiceRequest.decode(r) as unknown as PbRequest;
      for (const rs of m.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
        n++;
        for (const kv of s.attributes) { sink += kv.key.length; for (const k in kv.value) visitValue(kv.value[k]); }
      }
    }
    return n;
  },
  /** Every field of every span, on the standard corpus (no events, links or parents). */
  'cairn decode+read all fields'() { return cairnReadAll(requests); },
  'protobufjs decode+read all fields'() { return pbReadAll(requests); },
  /** Every field of every span, on spans that use them all (parents, events, links). */
  'cairn decode+read all (rich)'() { return cairnReadAll(rich.requests); },
  'protobufjs decode+read all (rich)'() { return pbReadAll(rich.requests); },
  /** Decode, set one attribute on every span, write the request. */
  'cairn re-encode 1 attr/span'() {
    let n = 0;
    for (const r of requests) {
      const view = decodeTraces(r);
      const edits = view.edit();
      for (let i = 0; i < view.spanCount; i++) edits.setAttribute('span', i, 'http.route', '/redacted');
      sink += edits.encode().length;
      n += view.spanCount;
    }
    return n;
  },
  'protobufjs decode+edit+encode'() {
    let n = 0;
    for (const r of requests) {
      const m = ExportTraceServiceRequest.decode(r) as unknown as PbRequest;
      for (const rs of m.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
        n++;
        for (const kv of s.attributes) if (kv.key === 'http.route') kv.value = { stringValue: '/redacted' };
      }
      sink += ExportTraceServiceRequest.encode(m).finish().length;
    }
    return n;
  },
  /** Validate and index, then write with no edits (returns the input bytes). */
  'cairn pass-through'() {
    let n = 0;
    for (const r of requests) {
      const view = decodeTraces(r);
      sink += view.edit().encode().length;
      n += view.spanCount;
    }
    return n;
  },
  /** Same, plus copying the output into a fresh buffer, as a queue would. */
  'cairn pass-through+copy'() {
    let n = 0;
    for (const r of requests) {
      const view = decodeTraces(r);
      sink += view.edit().encode().slice().length;
      n += view.spanCount;
    }
    return n;
  },
};

const pbMessages = requests.map((r) => ExportTraceServiceRequest.decode(r));
cases['protobufjs encode'] = () => {
  let n = 0;
  for (const m of pbMessages) {
    sink += ExportTraceServiceRequest.encode(m).finish().length;
    n += (m as unknown as PbRequest).resourceSpans[0]!.scopeSpans[0]!.spans.length;
  }
  return n;
};

const samples: Record<string, number[]> = {};
for (const name of Object.keys(cases)) samples[name] = [];
for (let round = 0; round < ROUNDS + 1; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const spans = fn();
    const ns = Number(process.hrtime.bigint() - t0);
    if (round > 0) samples[name]!.push((spans * 1e9) / ns); // round 0 warms up
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};
const results: Record<string, { spansPerSecond: number; mbPerSecond: number }> = {};
for (const [name, xs] of Object.entries(samples)) {
  const sps = Math.round(median(xs));
  results[name] = { spansPerSecond: sps, mbPerSecond: Math.round((sps * corpus.bytesPerSpan) / 1e5) / 10 };
}
const r = (name: string): number => results[name]!.spansPerSecond;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const ratio = (a: string, b: string): number => round2(r(a) / r(b));
// The same ratio taken within each round (the two cases run back to back, so load from other
// processes on this shared machine hits both alike), to show how much it moves.
const perRound = (a: string, b: string): { min: number; median: number; max: number } => {
  const xs = samples[a]!.map((x, i) => x / samples[b]![i]!);
  return { min: round2(Math.min(...xs)), median: round2(median(xs)), max: round2(Math.max(...xs)) };
};
const summary = {
  decodeVisit: {
    spansPerSecond: r('cairn decode+visit'),
    vsProtobufjsDecode: ratio('cairn decode+visit', 'protobufjs decode'),
    vsProtobufjsDecodePerRound: perRound('cairn decode+visit', 'protobufjs decode'),
    vsProtobufjsDecodeVisit: ratio('cairn decode+visit', 'protobufjs decode+visit'),
    target: '>= 500k spans/s and >= 5x protobufjs decode',
  },
  readAllFields: {
    spansPerSecond: r('cairn decode+read all fields'),
    vsProtobufjsDecodeReadAll: ratio('cairn decode+read all fields', 'protobufjs decode+read all fields'),
    perRound: perRound('cairn decode+read all fields', 'protobufjs decode+read all fields'),
    rich: {
      spansPerSecond: r('cairn decode+read all (rich)'),
      bytesPerSpan: Math.round(rich.bytesPerSpan * 10) / 10,
      vsProtobufjsDecodeReadAll: ratio('cairn decode+read all (rich)', 'protobufjs decode+read all (rich)'),
      perRound: perRound('cairn decode+read all (rich)', 'protobufjs decode+read all (rich)'),
    },
    what: 'both sides read every span field: ids, trace state, flags, name, kind, times, attributes, events and links with their attributes, dropped counts, status',
  },
  reencodeOneAttribute: { spansPerSecond: r('cairn re-encode 1 attr/span'), vsProtobufjsDecodeEditEncode: ratio('cairn re-encode 1 attr/span', 'protobufjs decode+edit+encode'), target: '>= 300k spans/s' },
  passThrough: { spansPerSecond: r('cairn pass-through'), withCopy: r('cairn pass-through+copy'), target: '>= 1M spans/s' },
};

console.log(`corpus: ${corpus.spanCount} spans in ${requests.length} requests, ${corpus.bytesPerSpan.toFixed(1)} B/span; ${ROUNDS} rounds, medians`);
for (const [name, v] of Object.entries(results)) console.log(`${name.padEnd(32)} ${String(v.spansPerSecond).padStart(9)} spans/s ${String(v.mbPerSecond).padStart(7)} MB/s`);
console.log(JSON.stringify(summary, null, 2));

const out = {
  generatedBy: 'node bench/otlp/dist/codec.js',
  date: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
  richCorpus: { spans: rich.spanCount, bytesPerSpan: Math.round(rich.bytesPerSpan * 10) / 10, shape: 'trees of 8 spans (parent ids), 1 event with 2 attributes per span, 1 link with 1 attribute on every other span' },
  corpus: { spans: corpus.spanCount, requests: requests.length, bytesPerSpan: Math.round(corpus.bytesPerSpan * 10) / 10, attributesPerSpan: 10, source: 'OTel JS SDK BasicTracerProvider + ProtobufTraceSerializer' },
  rounds: ROUNDS,
  statistic: 'median spans/s over rounds (first round discarded as warm-up); ratios are of the medians, vsProtobufjsDecodePerRound is the same ratio taken within each round',
  methodology: 'cases run in the same order every round, with no forced GC: a gc() before each case was tried and slowed every case, the reference too (protobufjs decode 161k -> 127k spans/s), so it was dropped',
  results,
  summary,
};
const path = fileURLToPath(new URL('../../results/otlp.json', import.meta.url));
mkdirSync(fileURLToPath(new URL('../../results/', import.meta.url)), { recursive: true });
writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
if (sink === -1) console.log('unreachable');
