// Assembles the Cairn pieces around any set of exporting processors. `init` and the testing kit
// both build through here, so tests exercise the production wiring.
import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { readConventions, type ConventionsSource } from './conventions.js';
import { FieldChecker, type FieldWarning } from './dev-check.js';
import { FieldPolicy, type PiiHandling } from './policy.js';
import { setRuntime, type Mode, type Runtime } from './runtime.js';
import { CairnSpanProcessor } from './trace-fields/processor.js';
import { TraceFieldsPropagator } from './trace-fields/propagator.js';
import { TraceFieldsTable, type TraceTableLimits } from './trace-fields/table.js';

export interface PipelineOptions {
  conventions?: ConventionsSource;
  mode: Mode;
  /** pii fields before export: kept (default), hashed with HMAC-SHA256, or dropped. secret fields are always dropped. */
  pii?: PiiHandling;
  piiHashKey?: string;
  /** Extra keys allowed into baggage; pii and secret keys are refused whatever this says. */
  propagate?: readonly string[];
  /** Where dev-mode warnings go (default: `process.emitWarning`). */
  onWarning?: (warning: FieldWarning) => void;
  traceFields?: TraceTableLimits;
}

export interface Pipeline {
  readonly runtime: Runtime;
  /** Put first in the TracerProvider's span processors: it feeds `exporting` itself. */
  readonly processor: SpanProcessor;
  /** W3C trace context plus trace-field baggage; register it as the global propagator. */
  readonly propagator: TextMapPropagator;
  /** Makes this pipeline's mode, registry and trace-field table the ones the helpers use (creation already does). */
  activate(): void;
}

/**
 * The Cairn pipeline for apps that build their own TracerProvider instead of calling `init`:
 * `exporting` are the processors that export (e.g. a BatchSpanProcessor over FastOtlpTraceExporter).
 */
export function buildPipeline(options: PipelineOptions, exporting: readonly SpanProcessor[]): Pipeline {
  const registry = options.conventions === undefined ? undefined : readConventions(options.conventions);
  const policy = registry === undefined ? undefined : new FieldPolicy(registry, options);
  const checker = policy !== undefined && options.mode !== 'production' ? new FieldChecker(policy.index, options.onWarning ?? emitWarning) : undefined;
  const table = new TraceFieldsTable(options.traceFields);
  const runtime: Runtime = { mode: options.mode, table, policy, checker };
  setRuntime(runtime);
  return {
    runtime,
    activate: () => setRuntime(runtime),
    processor: new CairnSpanProcessor(table, exporting, policy),
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new TraceFieldsPropagator(table, policy)] }),
  };
}

function emitWarning(warning: FieldWarning): void {
  process.emitWarning(warning.message, { type: 'CairnFieldWarning', code: warning.code });
}
