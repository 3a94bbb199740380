// @cairn/sdk: OpenTelemetry auto-instrumentation plus typed wide events from the registry.
export { init, shutdown, type InitOptions, type CairnHandle, type Instrumentations } from './init.js';
export { addFields, addTraceFields, addUnchecked, type CairnFields, type FieldsInput, type LooseFields } from './fields.js';
export { createFields, type TypedFields } from './typed.js';
export { unitOfWork, type UnitOfWorkOptions } from './unit-of-work.js';
export { buildPipeline as createPipeline, type Pipeline, type PipelineOptions } from './pipeline.js';
export { FastOtlpTraceExporter, type FastExporterConfig } from './exporter/fast.js';
export { CairnConfigError, type ConfigErrorCode, type PiiHandling } from './policy.js';
export type { FieldWarning, FieldProblem } from './dev-check.js';
export type { Mode, Runtime } from './runtime.js';
export type { ConventionsSource } from './conventions.js';
export type { TraceTableLimits } from './trace-fields/table.js';
