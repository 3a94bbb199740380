// Synthetic traffic for the sampling tests: seeded, so every run sees the same stream.
import { buildTraces, decodeTraces, type SpanInput, type TracesView } from '@cairn/otlp';
import type { SamplingDocument } from './config.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hexId(random: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += Math.floor(random() * 256).toString(16).padStart(2, '0');
  return /^0+$/.test(out) ? `${out.slice(0, -1)}1` : out;
}

export interface SyntheticSpan {
  traceId: string;
  service?: string;
  route?: string;
  error?: boolean;
  traceState?: string;
  sampleRate?: number;
  parent?: boolean;
  attributes?: Record<string, string | number>;
  events?: number;
  name?: string;
}

/** One request: spans grouped by service (one resource each). */
export function request(spans: readonly SyntheticSpan[]): TracesView {
  const byService = new Map<string, SpanInput[]>();
  let n = 0;
  for (const s of spans) {
    const service = s.service ?? 'checkout';
    const list = byService.get(service) ?? [];
    byService.set(service, list);
    n++;
    list.push({
      traceId: s.traceId,
      spanId: (n + 1).toString(16).padStart(16, '0'),
      ...(s.parent ? { parentSpanId: '00000000000000ff' } : {}),
      name: s.name ?? `GET ${s.route ?? '/'}`,
      kind: 2,
      startTimeUnixNano: 1_700_000_000_000_000_000n,
      endTimeUnixNano: 1_700_000_000_020_000_000n,
      attributes: { 'http.route': s.route ?? '/', ...(s.sampleRate !== undefined ? { SampleRate: s.sampleRate } : {}), ...s.attributes },
      ...(s.traceState !== undefined ? { traceState: s.traceState } : {}),
      ...(s.error ? { status: { code: 2 } } : {}),
      ...(s.events ? { events: Array.from({ length: s.events }, (_, e) => ({ name: `e${e}`, timeUnixNano: BigInt(e + 1) })) } : {}),
    });
  }
  return decodeTraces(buildTraces([...byService].map(([service, list]) => ({ resource: { attributes: { 'service.name': service } }, scopeSpans: [{ spans: list }] }))));
}

export interface OutSpan {
  traceId: string;
  name: string;
  route: string;
  sampleRate: number | undefined;
  traceState: string;
  attributes: Map<string, unknown>;
  eventCount: number;
  droppedEvents: number;
  droppedAttributes: number;
}

/** The spans of a sampler's output. */
export function spansOf(bytes: Uint8Array): OutSpan[] {
  if (bytes.length === 0) return [];
  const view = decodeTraces(bytes);
  const spans = view.spans();
  const out: OutSpan[] = [];
  for (let i = 0; i < view.spanCount; i++) {
    spans.seek(i);
    const attributes = new Map<string, unknown>();
    const attrs = spans.attributes();
    while (attrs.next()) attributes.set(attrs.key, attrs.value);
    out.push({
      traceId: spans.traceIdHex, name: spans.name, route: String(attributes.get('http.route')),
      sampleRate: attributes.get('SampleRate') as number | undefined, traceState: spans.traceState, attributes,
      eventCount: spans.eventCount, droppedEvents: spans.droppedEventsCount, droppedAttributes: spans.droppedAttributesCount,
    });
  }
  return out;
}

export function sampling(doc: Partial<SamplingDocument>): SamplingDocument {
  return { keep: [], drop: [], dry_run: false, ...doc };
}

/** A Zipf-like stream of keys: key k (0-based) has weight 1 / (k + 1)^s. */
export function zipf(random: () => number, keys: number, s = 1.2): () => number {
  const weights = Array.from({ length: keys }, (_, k) => 1 / (k + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  return () => {
    const u = random();
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
