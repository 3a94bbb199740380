/**
 * Per span: create + 10 attributes + end + export over OTLP/HTTP protobuf to a local collector.
 * Reference, in the same run: the raw OpenTelemetry SDK with @opentelemetry/exporter-trace-otlp-proto.
 * Rounds alternate between variants and each variant's median is compared with the reference's.
 *
 *   main: identical user code (tracer.startSpan, 10 × setAttribute, end) on
 *     raw                  BasicTracerProvider + BatchSpanProcessor(OTLPTraceExporter)
 *     cairnStock           the Cairn pipeline (production mode) + the same stock exporter   target ≤ 1.1×
 *     cairnFast            the Cairn pipeline (production mode) + FastOtlpTraceExporter     target ≤ 0.8×
 *   helpers: unitOfWork + 10 fields through the helpers, Cairn pipeline + fast exporter
 *     uncheckedProduction  addUnchecked (never checks)        the floor
 *     production           addFields in production mode      must equal the floor: the check is off
 *     development          addFields in development mode     the dev-mode cost
 *   fieldCall: one helper call with 10 fields on an open span, nothing exported (isolates the check)
 *   tree: a root with 5 children, 10 attributes on every span, of which 2 are trace fields; the
 *     children end before the root, so the Cairn pipeline holds them until the root ends
 *     (the span processor's holding path). Equal work on each side:
 *     raw                  the 2 fields set by hand on each of the 6 spans, plus 8 attributes each
 *     cairnStock/Fast      addTraceFields(2 fields) once in the root, plus 8 attributes each
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadRegistry } from '@cairn/conventions';
import { addFields, addTraceFields, addUnchecked, createPipeline, FastOtlpTraceExporter, unitOfWork, type Pipeline } from '@cairn/sdk';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startCollector } from './collector.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 15);
const SPANS_PER_ROUND = Number(process.env['BENCH_SPANS'] ?? 4096);
const BATCH = 512;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const registry = loadRegistry(`${ROOT}examples/conventions`).registry;
const resource = resourceFromAttributes({ 'service.name': 'bench', 'service.version': '1.0.0', 'deployment.environment.name': 'bench' });

const FIELDS = {
  'acme.cart.id': 'c-1029',
  'acme.cart.total': 129.95,
  'acme.cart.item_count': 3,
  'acme.order.id': 'o-88812',
  'acme.order.total': 131.4,
  'acme.order.currency': 'EUR',
  'acme.order.shipping_country': 'DE',
  'acme.payment.method': 'card',
  'acme.payment.provider': 'demo-psp',
  'acme.tenant.id': 't-0042',
} as const;
const ENTRIES = Object.entries(FIELDS);
/** The tree workload's trace fields, and the 8 attributes each span sets itself. */
const TRACE_FIELDS = { 'acme.tenant.id': FIELDS['acme.tenant.id'], 'acme.order.id': FIELDS['acme.order.id'] } as const;
const TRACE_ENTRIES = Object.entries(TRACE_FIELDS);
const SPAN_ENTRIES = ENTRIES.filter(([key]) => !(key in TRACE_FIELDS));
const CHILDREN = 5;
const TREES_PER_ROUND = Math.floor(SPANS_PER_ROUND / (CHILDREN + 1));

interface Variant {
  readonly name: string;
  readonly provider: BasicTracerProvider;
  readonly tracer: Tracer;
  readonly pipeline?: Pipeline;
}

function batchProcessor(exporter: SpanExporter): SpanProcessor {
  // Large queue and a long delay: the rounds flush explicitly, so no span is dropped or timed.
  return new BatchSpanProcessor(exporter, { maxQueueSize: SPANS_PER_ROUND * 2, maxExportBatchSize: BATCH, scheduledDelayMillis: 60_000 });
}

function variant(name: string, exporter: SpanExporter, mode?: 'production' | 'development'): Variant {
  if (mode === undefined) {
    const provider = new BasicTracerProvider({ resource, spanProcessors: [batchProcessor(exporter)] });
    return { name, provider, tracer: provider.getTracer('bench', '1.0.0') };
  }
  const pipeline = createPipeline({ conventions: registry, mode, onWarning: () => {} }, [batchProcessor(exporter)]);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [pipeline.processor] });
  return { name, provider, tracer: provider.getTracer('bench', '1.0.0'), pipeline };
}

function rawWork(tracer: Tracer): void {
  for (let i = 0; i < SPANS_PER_ROUND; i++) {
    const span = tracer.startSpan('checkout');
    for (const [key, value] of ENTRIES) span.setAttribute(key, value);
    span.end();
  }
}

/**
 * A root with 5 children. `traceFields` true: the Cairn way, addTraceFields once in the root;
 * false: the raw way, the same 2 fields set by hand on every span. Same spans out either way.
 */
function treeWork(tracer: Tracer, traceFields: boolean): void {
  for (let t = 0; t < TREES_PER_ROUND; t++) {
    const root = tracer.startSpan('checkout');
    const ctx = trace.setSpan(context.active(), root);
    context.with(ctx, () => {
      if (traceFields) addTraceFields(TRACE_FIELDS);
      else for (const [key, value] of TRACE_ENTRIES) root.setAttribute(key, value);
      for (const [key, value] of SPAN_ENTRIES) root.setAttribute(key, value);
      for (let c = 0; c < CHILDREN; c++) {
        const child = tracer.startSpan('step', undefined, ctx);
        if (!traceFields) for (const [key, value] of TRACE_ENTRIES) child.setAttribute(key, value);
        for (const [key, value] of SPAN_ENTRIES) child.setAttribute(key, value);
        child.end();
      }
    });
    root.end();
  }
}

function helperWork(add: (fields: typeof FIELDS) => void): void {
  for (let i = 0; i < SPANS_PER_ROUND; i++) unitOfWork('checkout', () => add(FIELDS));
}

const CALLS = 50_000;

/** Nanoseconds per helper call with 10 fields on one open span: the check's cost, without export noise. */
function fieldCall(v: Variant, add: (fields: typeof FIELDS) => void): number {
  const span = v.tracer.startSpan('calls');
  const ctx = trace.setSpan(context.active(), span);
  const ns = context.with(ctx, () => {
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) add(FIELDS);
    return ((performance.now() - start) * 1e6) / CALLS;
  });
  span.end();
  return ns;
}

async function measure(v: Variant, work: () => void, spans = SPANS_PER_ROUND): Promise<number> {
  const start = performance.now();
  work();
  await v.provider.forceFlush();
  return ((performance.now() - start) * 1000) / spans;
}

const TREE_SPANS = TREES_PER_ROUND * (CHILDREN + 1);
function measureTree(v: Variant): Promise<number> {
  useGlobally(v);
  return measure(v, () => treeWork(v.tracer, v.pipeline !== undefined), TREE_SPANS);
}

function useGlobally(v: Variant): void {
  trace.disable();
  trace.setGlobalTracerProvider(v.provider);
  v.pipeline?.activate();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

const collector = await startCollector();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
try {
  const main = [
    variant('raw', new OTLPTraceExporter({ url: collector.url })),
    variant('cairnStock', new OTLPTraceExporter({ url: collector.url }), 'production'),
    variant('cairnFast', new FastOtlpTraceExporter({ url: collector.url }), 'production'),
  ];
  const helpers = [
    { v: variant('uncheckedProduction', new FastOtlpTraceExporter({ url: collector.url }), 'production'), add: addUnchecked },
    { v: variant('production', new FastOtlpTraceExporter({ url: collector.url }), 'production'), add: addFields },
    { v: variant('development', new FastOtlpTraceExporter({ url: collector.url }), 'development'), add: addFields },
  ];
  const samples = new Map<string, number[]>();
  const record = (name: string, us: number): void => void (samples.get(name) ?? samples.set(name, []).get(name)!).push(us);

  // Warm-up: JIT, sockets, the registry lookup caches.
  for (let i = 0; i < 3; i++) {
    for (const v of main) await measure(v, () => rawWork(v.tracer));
    for (const v of main) await measureTree(v);
    for (const { v, add } of helpers) {
      useGlobally(v);
      await measure(v, () => helperWork(add));
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no variant always runs right after the same neighbour.
    for (let k = 0; k < main.length; k++) {
      const v = main[(round + k) % main.length]!;
      record(v.name, await measure(v, () => rawWork(v.tracer)));
    }
    for (let k = 0; k < main.length; k++) {
      const v = main[(round + k) % main.length]!;
      record(`tree.${v.name}`, await measureTree(v));
    }
    for (let k = 0; k < helpers.length; k++) {
      const { v, add } = helpers[(round + k) % helpers.length]!;
      useGlobally(v);
      record(`helpers.${v.name}`, await measure(v, () => helperWork(add)));
      record(`call.${v.name}`, fieldCall(v, add));
    }
  }

  const med = (name: string): number => median(samples.get(name) ?? []);
  const raw = med('raw');
  const result = {
    benchmark: 'sdk: per span create + 10 attributes + end + export (OTLP/HTTP protobuf to a local collector)',
    machine: { cpus: cpus().length, node: process.version },
    rounds: ROUNDS,
    spansPerRound: SPANS_PER_ROUND,
    batchSize: BATCH,
    medianMicrosPerSpan: {
      raw: round3(raw),
      cairnStock: round3(med('cairnStock')),
      cairnFast: round3(med('cairnFast')),
    },
    ratioToRaw: {
      cairnStock: round2(med('cairnStock') / raw),
      cairnFast: round2(med('cairnFast') / raw),
    },
    targets: { cairnStock: 1.1, cairnFast: 0.8 },
    meetsTargets: { cairnStock: med('cairnStock') / raw <= 1.1, cairnFast: med('cairnFast') / raw <= 0.8 },
    tree: {
      shape: `a root with ${CHILDREN} children (children end first, so Cairn holds them until the root ends), 10 attributes per span of which 2 are trace fields`,
      equalWork: 'raw sets the 2 trace fields by hand on each span; Cairn calls addTraceFields once in the root',
      medianMicrosPerSpan: {
        raw: round3(med('tree.raw')),
        cairnStock: round3(med('tree.cairnStock')),
        cairnFast: round3(med('tree.cairnFast')),
      },
      ratioToRaw: {
        cairnStock: round2(med('tree.cairnStock') / med('tree.raw')),
        cairnFast: round2(med('tree.cairnFast') / med('tree.raw')),
      },
    },
    helpers: {
      medianMicrosPerSpan: {
        uncheckedProduction: round3(med('helpers.uncheckedProduction')),
        production: round3(med('helpers.production')),
        development: round3(med('helpers.development')),
      },
      productionCheckRatio: round2(med('helpers.production') / med('helpers.uncheckedProduction')),
      developmentCostRatio: round2(med('helpers.development') / med('helpers.production')),
    },
    fieldCall: {
      calls: CALLS,
      medianNanosPerCall: {
        uncheckedProduction: Math.round(med('call.uncheckedProduction')),
        production: Math.round(med('call.production')),
        development: Math.round(med('call.development')),
      },
      productionCheckRatio: round2(med('call.production') / med('call.uncheckedProduction')),
      developmentCostRatio: round2(med('call.development') / med('call.production')),
    },
  };
  for (const v of [...main, ...helpers.map((h) => h.v)]) await v.provider.shutdown();
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/sdk.json`, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  collector.stop();
}
