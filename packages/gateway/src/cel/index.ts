// The CEL environment for spans and traces (docs/cel.md).
export { CelExpressionError, CelRuntimeError } from './errors.js';
export { compileSpanExpression, SpanContexts, type SpanContext, type SpanExpression } from './span.js';
export { compileTraceExpression, type TraceContext, type TraceExpression } from './trace.js';
export { traceOf, TraceValue, type TracePart } from './trace-value.js';
export { mergeReads, type Reads, type Place } from './reads.js';
export { SpanValue, ScopeValue, StatusValue, EventValue, LinkValue } from './values.js';
export * from './weight.js';
