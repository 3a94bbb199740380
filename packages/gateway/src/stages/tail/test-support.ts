// Test support for tail sampling: requests with chosen traces, a rule compiler that needs no
// CEL (a few named predicates), and a sampler over a real SQLite queue file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTraces, decodeTraces, StatusCode, type TracesView } from '@cairn/otlp';
import { Registry } from 'prom-client';
import { SqliteQueueStore } from '../../queue/sqlite.js';
import { TraceBufferStore } from './buffer.js';
import { parseTailConfig, type TailConfig } from './config.js';
import { TailCounts } from './counts.js';
import { compileTailRules, type TraceMatcher } from './rules.js';
import { TailSampler, type TailOutput } from './sampler.js';
import { splitByTrace } from './split.js';

export interface TestSpan {
  trace: number;
  span: number;
  service?: string;
  error?: boolean;
  root?: boolean;
  durationMs?: number;
}

const T0 = 1_700_000_000_000_000_000n;

export function traceIdOf(trace: number): string {
  // Spread the low bits so that sample_rate decisions differ between traces.
  const low = ((trace * 2654435761) >>> 0).toString(16).padStart(8, '0');
  return `${trace.toString(16).padStart(16, '0')}${low}${trace.toString(16).padStart(8, '0')}`;
}

export function spanIdOf(span: number): string {
  return (span + 1).toString(16).padStart(16, '0');
}

/** A request holding `spans`, one resource group per service (in first-seen order). */
export function request(spans: readonly TestSpan[]): Uint8Array {
  const services = [...new Set(spans.map((s) => s.service ?? 'checkout'))];
  return buildTraces(services.map((service) => ({
    resource: { attributes: { 'service.name': service } },
    scopeSpans: [{
      scope: { name: 'tail-test', version: '1' },
      spans: spans.filter((s) => (s.service ?? 'checkout') === service).map((s) => ({
        traceId: traceIdOf(s.trace), spanId: spanIdOf(s.span), ...(s.root ? {} : { parentSpanId: spanIdOf(1_000_000 + s.trace) }),
        name: `op ${s.span}`, kind: 2,
        startTimeUnixNano: T0, endTimeUnixNano: T0 + BigInt(Math.round((s.durationMs ?? 1) * 1e6)),
        attributes: { 'test.span': s.span },
        ...(s.error ? { status: { code: 2 } } : {}),
      })),
    }],
  })));
}

/** What a processing thread hands the main thread for a tail-sampled destination. */
export function tailOutput(destination: string, spans: readonly TestSpan[]): TailOutput {
  const split = splitByTrace(decodeTraces(request(spans)));
  return { destination, body: split.body, items: spans.length, tail: { traceIds: split.traceIds, ends: split.ends, spans: split.spans } };
}

/** Span ids (as numbers) of every span of a traces request. */
export function spanNumbers(view: TracesView): number[] {
  const out: number[] = [];
  const c = view.spans();
  while (c.next()) out.push(parseInt(c.spanIdHex, 16) - 1);
  return out;
}

/** Rule expressions for tests: `error`, `spans >= N`, `root_ms > N`, `service == S`, `boom` (throws). */
export function testCompiler(expression: string, path: string): TraceMatcher {
  const ge = /^spans >= (\d+)$/.exec(expression);
  const root = /^root_ms > (\d+)$/.exec(expression);
  const service = /^service == (\S+)$/.exec(expression);
  if (expression === 'error') {
    return { evaluate: (t) => { const c = t.spans(); while (c.next()) if (c.statusCode === StatusCode.Error) return true; return false; } };
  }
  if (ge) return { evaluate: (t) => t.spanCount >= Number(ge[1]) };
  if (root) {
    return { evaluate: (t) => { const c = t.spans(); while (c.next()) if (c.parentSpanId.length === 0) return c.durationNanos / 1e6 > Number(root[1]); return 'absent'; } };
  }
  if (service) return { evaluate: (t) => { for (let r = 0; r < t.resourceCount; r++) if (t.serviceName(r) === service[1]) return true; return false; } };
  if (expression === 'boom') return { evaluate: () => { throw new Error('boom'); } };
  throw new Error(`${path}: unknown test expression ${expression}`);
}

export function tailConfig(raw: Record<string, unknown>): TailConfig {
  const parsed = parseTailConfig(raw, 'tail');
  if (!parsed.config) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return parsed.config;
}

export interface Harness {
  queue: SqliteQueueStore;
  sampler: TailSampler;
  counts: TailCounts;
  registry: Registry;
  clock: { now: number };
  path: string;
  /** Spans delivered to `destination`'s queue so far (read, not acked). */
  queued(destination: string): number[];
  close(): void;
}

/** A sampler over a real SQLite queue file; `path` reopens an existing one (a restart). */
export function harness(configs: Record<string, TailConfig>, options: { path?: string; queueLimit?: number; start?: number; dryRun?: boolean } = {}): Harness {
  const path = options.path ?? join(mkdtempSync(join(tmpdir(), 'cairn-tail-')), 'queue.db');
  const limits = new Map(Object.keys(configs).map((d) => [d, options.queueLimit ?? 1 << 30]));
  limits.set('plain', options.queueLimit ?? 1 << 30);
  const queue = new SqliteQueueStore({ path, limits, cacheBytes: 0 });
  const registry = new Registry();
  const clock = { now: options.start ?? 1_000_000 };
  let sampler: TailSampler | undefined;
  const counts = new TailCounts(registry, () => sampler?.buffered() ?? []);
  const destinations = new Map(Object.entries(configs).map(([name, config]) => [name, { config, rules: compileTailRules(config.rules, testCompiler), dryRun: options.dryRun === true }]));
  sampler = new TailSampler({ store: new TraceBufferStore(queue.database), destinations, counts, enqueue: (e) => void queue.enqueue(e), now: () => clock.now });
  return {
    queue, sampler, counts, registry, clock, path,
    queued(destination) {
      return queue.read(destination, 0, 1_000_000).flatMap((b) => spanNumbers(decodeTraces(b.body)));
    },
    close() { queue.close(); },
  };
}
