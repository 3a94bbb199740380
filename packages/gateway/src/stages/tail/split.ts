// Splits a traces request by trace id, on the processing thread, so that the main thread can
// buffer each trace's part as its own row without decoding anything. The output is one body in
// which every trace's spans form a contiguous, complete ExportTraceServiceRequest: a kept trace is
// later the concatenation of its rows (protobuf concatenation of two requests appends their
// resource groups), and several kept traces concatenate into one queue batch the same way.
//
// Spans, resource and scope headers are copied byte for byte (nothing is re-encoded); a trace
// that spans several resource or scope groups gets one copy of each group's header per group.
import type { TracesView } from '@cairn/otlp';

/** Index levels of a view (the codec's Level enum is internal to it). */
const enum Level {
  Resource = 0,
  Scope = 1,
  Record = 2,
}

/** What a tail-sampled destination's output carries besides its body. Plain typed arrays: cheap to clone. */
export interface TraceSlices {
  /** 16 bytes per trace, in the order of `ends`. */
  traceIds: Uint8Array;
  /** End offset in the body of each trace's part; a part starts where the previous one ends. */
  ends: Int32Array;
  /** Spans in each trace's part. */
  spans: Int32Array;
}

export interface SplitTraces extends TraceSlices {
  body: Uint8Array;
}

/** Reads the trace id bytes of every span into one 16-byte-per-span array (all zero when absent or not 16 bytes). */
function traceIdsOf(view: TracesView, out: Uint8Array): void {
  const spans = view.spans();
  let i = 0;
  while (spans.next()) {
    const id = spans.traceId;
    if (id.length === 16) out.set(id, i * 16);
    i++;
  }
}

function compareIds(ids: Uint8Array, a: number, b: number): number {
  const pa = a * 16;
  const pb = b * 16;
  for (let k = 0; k < 16; k++) {
    const d = ids[pa + k]! - ids[pb + k]!;
    if (d !== 0) return d;
  }
  return a - b;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** First and end child of entry `i` at `level` (children are contiguous). */
function childRange(view: TracesView, level: Level, i: number): [number, number] {
  const L = view.levels[level]!;
  return [L.firstChild[i]!, i + 1 < L.count ? L.firstChild[i + 1]! : view.levels[level + 1]!.count];
}

/**
 * The byte ranges of entry `i` at `level` outside its children's fields: the group's header
 * (Resource / InstrumentationScope, schema_url, unknown fields), as [from, to) pairs. Children are
 * contiguous on the wire in practice, so this is usually two ranges; computed once per group.
 */
function ownRanges(view: TracesView, level: Level, i: number): number[] {
  const L = view.levels[level]!;
  const C = view.levels[level + 1]!;
  const [first, end] = childRange(view, level, i);
  const out: number[] = [];
  let from = L.start[i]!;
  for (let c = first; c < end; c++) {
    if (C.head[c]! > from) out.push(from, C.head[c]!);
    from = C.end[c]!;
  }
  if (L.end[i]! > from) out.push(from, L.end[i]!);
  return out;
}

function sizeOf(ranges: readonly number[]): number {
  let size = 0;
  for (let k = 0; k < ranges.length; k += 2) size += ranges[k + 1]! - ranges[k]!;
  return size;
}

function copyRanges(bytes: Uint8Array, ranges: readonly number[], out: Uint8Array, at: number): number {
  for (let k = 0; k < ranges.length; k += 2) {
    out.set(bytes.subarray(ranges[k]!, ranges[k + 1]!), at);
    at += ranges[k + 1]! - ranges[k]!;
  }
  return at;
}

/**
 * Groups the spans of `view` by trace id, keeping their order inside a trace. Spans without a
 * valid 16-byte trace id do not reach here (the pipeline refuses malformed ids).
 */
export function splitByTrace(view: TracesView): SplitTraces {
  const n = view.spanCount;
  const ids = new Uint8Array(n * 16);
  traceIdsOf(view, ids);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // A stable order by (trace id, wire position): each trace's spans are contiguous and in wire order.
  order.sort((a, b) => compareIds(ids, a, b));

  const S = view.levels[Level.Record]!;
  const scopes = view.levels[Level.Scope]!;
  const scopeRanges: (number[] | undefined)[] = new Array(view.scopeCount);
  const resourceRanges: (number[] | undefined)[] = new Array(view.resourceCount);
  const scopeOwn = (s: number): number[] => (scopeRanges[s] ??= ownRanges(view, Level.Scope, s));
  const resourceOwn = (r: number): number[] => (resourceRanges[r] ??= ownRanges(view, Level.Resource, r));

  // Pass 1: sizes of each (trace, resource run, scope run), in the order they will be written.
  const scopeBody: number[] = [];
  const resourceBody: number[] = [];
  let traces = 0;
  let total = 0;
  {
    let i = 0;
    while (i < n) {
      const start = i;
      while (i < n && sameId(ids, order[start]!, order[i]!)) i++;
      traces++;
      let k = start;
      while (k < i) {
        const r = scopes.parent[S.parent[order[k]!]!]!;
        let rBody = sizeOf(resourceOwn(r));
        while (k < i && scopes.parent[S.parent[order[k]!]!]! === r) {
          const s = S.parent[order[k]!]!;
          let sBody = sizeOf(scopeOwn(s));
          while (k < i && S.parent[order[k]!]! === s) {
            sBody += S.end[order[k]!]! - S.head[order[k]!]!;
            k++;
          }
          scopeBody.push(sBody);
          rBody += 1 + varintSize(sBody) + sBody;
        }
        resourceBody.push(rBody);
        total += 1 + varintSize(rBody) + rBody;
      }
    }
  }

  // Pass 2: write.
  const body = new Uint8Array(total);
  const traceIds = new Uint8Array(traces * 16);
  const ends = new Int32Array(traces);
  const spans = new Int32Array(traces);
  let at = 0;
  let t = 0;
  let si = 0;
  let ri = 0;
  let i = 0;
  while (i < n) {
    const start = i;
    while (i < n && sameId(ids, order[start]!, order[i]!)) i++;
    traceIds.set(ids.subarray(order[start]! * 16, order[start]! * 16 + 16), t * 16);
    spans[t] = i - start;
    let k = start;
    while (k < i) {
      const r = scopes.parent[S.parent[order[k]!]!]!;
      body[at++] = (1 << 3) | 2;
      at = writeVarint(body, at, resourceBody[ri++]!);
      at = copyRanges(view.bytes, resourceOwn(r), body, at);
      while (k < i && scopes.parent[S.parent[order[k]!]!]! === r) {
        const s = S.parent[order[k]!]!;
        body[at++] = (2 << 3) | 2;
        at = writeVarint(body, at, scopeBody[si++]!);
        at = copyRanges(view.bytes, scopeOwn(s), body, at);
        while (k < i && S.parent[order[k]!]! === s) {
          const x = order[k]!;
          body.set(view.bytes.subarray(S.head[x]!, S.end[x]!), at);
          at += S.end[x]! - S.head[x]!;
          k++;
        }
      }
    }
    ends[t++] = at;
  }
  return { body, traceIds, ends, spans };
}

function sameId(ids: Uint8Array, a: number, b: number): boolean {
  const pa = a * 16;
  const pb = b * 16;
  for (let k = 0; k < 16; k++) if (ids[pa + k] !== ids[pb + k]) return false;
  return true;
}
