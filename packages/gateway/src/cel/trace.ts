// Trace expressions (tail rules): `trace.spans`, `trace.root`, `trace.span_count`,
// `trace.any(s, …)`, `trace.all(s, …)`, `trace.count(s, …)`.
import { traceEnvironment } from './environment.js';
import { CompiledExpression } from './compile.js';
import type { Reads } from './reads.js';
import type { TraceValue } from './trace-value.js';

export interface TraceContext {
  readonly trace: TraceValue;
}

export interface TraceExpression {
  readonly expression: string;
  readonly path: string;
  readonly reads: Reads;
  /** true or false, or 'absent' when it read a missing key at trace level (`trace.root` not seen). */
  evaluate(ctx: TraceContext): boolean | 'absent';
}

/** Compiles once; throws CelExpressionError like compileSpanExpression. */
export function compileTraceExpression(expression: string, path: string): TraceExpression {
  return new CompiledExpression<TraceContext>(traceEnvironment, expression, path);
}
