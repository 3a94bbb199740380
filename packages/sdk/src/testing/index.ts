// @cairn/sdk/testing: the Cairn pipeline over an in-memory exporter, and span matchers that
// throw node:assert errors, so they work under node:test, vitest and jest alike.
import { AssertionError, deepStrictEqual } from 'node:assert';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { FieldWarning } from '../dev-check.js';
import type { FieldsInput } from '../fields.js';
import { buildPipeline, type PipelineOptions } from '../pipeline.js';
import type { FieldPolicy } from '../policy.js';
import type { Mode } from '../runtime.js';
import { conformanceProblems } from './conformance.js';

export { InMemorySpanExporter, type ReadableSpan };

export interface TestTelemetryOptions extends Omit<PipelineOptions, 'mode' | 'onWarning'> {
  /** Default `test`: dev-mode warnings are collected in `warnings`. */
  mode?: Mode;
}

export interface TestTelemetry {
  readonly exporter: InMemorySpanExporter;
  /** Dev-mode warnings, in order. */
  readonly warnings: FieldWarning[];
  /** Finished spans that reached the exporter (after trace fields and redaction). */
  spans(): ReadableSpan[];
  expectSpan(name: string): SpanExpectation;
  /** Forgets spans and warnings; call between tests. */
  reset(): void;
  /** Unregisters the globals; held spans are released to the exporter first. */
  shutdown(): Promise<void>;
}

export interface SpanExpectation {
  /** The most recent finished span with this name. */
  readonly span: ReadableSpan;
  /** Passes when the span has each field with a deeply equal value. */
  toHaveFields(fields: FieldsInput): SpanExpectation;
  /** Passes when the span lacks every one of these keys. */
  toNotHaveFields(keys: readonly string[]): SpanExpectation;
  /** Passes only when every field of the span conforms to the registry. */
  toConform(): SpanExpectation;
}

let current: TestTelemetry | undefined;

/** Registers a tracer provider, context manager and propagator built like `init` builds them. */
export function setupTestTelemetry(options: TestTelemetryOptions = {}): TestTelemetry {
  const exporter = new InMemorySpanExporter();
  const warnings: FieldWarning[] = [];
  const pipeline = buildPipeline({ ...options, mode: options.mode ?? 'test', onWarning: (w) => warnings.push(w) }, [new SimpleSpanProcessor(exporter)]);
  const provider = new BasicTracerProvider({ spanProcessors: [pipeline.processor] });
  trace.disable();
  context.disable();
  propagation.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(pipeline.propagator);
  const policy = pipeline.runtime.policy;
  const telemetry: TestTelemetry = {
    exporter,
    warnings,
    spans: () => exporter.getFinishedSpans(),
    expectSpan: (name) => expectation(exporter.getFinishedSpans(), name, policy),
    reset: () => {
      exporter.reset();
      warnings.length = 0;
    },
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      if (current === telemetry) current = undefined;
    },
  };
  current = telemetry;
  return telemetry;
}

/** `expectSpan(name)` against the telemetry set up last. */
export function expectSpan(name: string): SpanExpectation {
  if (current === undefined) throw new Error('expectSpan: call setupTestTelemetry() first');
  return current.expectSpan(name);
}

function expectation(spans: readonly ReadableSpan[], name: string, policy: FieldPolicy | undefined): SpanExpectation {
  const matching = spans.filter((s) => s.name === name);
  const span = matching[matching.length - 1];
  if (span === undefined) {
    const seen = [...new Set(spans.map((s) => s.name))].map((n) => JSON.stringify(n)).join(', ') || 'none';
    throw new AssertionError({ message: `no finished span named "${name}"; finished spans: ${seen}` });
  }
  const self: SpanExpectation = {
    span,
    toHaveFields(fields) {
      const expected = fields as Readonly<Record<string, unknown>>;
      const actual: Record<string, unknown> = {};
      for (const key in expected) actual[key] = span.attributes[key];
      deepStrictEqual(actual, { ...expected }, `span "${name}" fields differ`);
      return self;
    },
    toNotHaveFields(keys) {
      const present = keys.filter((k) => k in span.attributes);
      if (present.length > 0) throw new AssertionError({ message: `span "${name}" has ${present.map((k) => JSON.stringify(k)).join(', ')}` });
      return self;
    },
    toConform() {
      if (policy === undefined) throw new Error('toConform: setupTestTelemetry({ conventions }) needs a registry');
      const problems = conformanceProblems(policy, span.attributes);
      if (problems.length > 0) throw new AssertionError({ message: `span "${name}" does not conform:\n  ${problems.join('\n  ')}` });
      return self;
    },
  };
  return self;
}

export { startOtlpSink, type OtlpSink, type SinkSpan, type SinkValue } from './otlp-sink.js';
