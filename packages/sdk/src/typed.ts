// The generic form of the helpers, for code that names its Fields type explicitly instead of
// augmenting `CairnFields` (e.g. a library that must not touch the global interface).
import type { Span } from '@opentelemetry/api';
import { addFields, addTraceFields, type FieldsInput } from './fields.js';
import { unitOfWork, type UnitOfWorkOptions } from './unit-of-work.js';

export interface TypedFields<F> {
  addFields(fields: Partial<F>): void;
  addTraceFields(fields: Partial<F>): void;
  unitOfWork<T>(name: string, fn: (span: Span) => T, fields?: Partial<F>, options?: UnitOfWorkOptions): T;
}

/** `const acme = createFields<Fields>()`: helpers whose keys and values are checked against `Fields`. */
export function createFields<F>(): TypedFields<F> {
  return {
    addFields: (fields) => addFields(fields as FieldsInput),
    addTraceFields: (fields) => addTraceFields(fields as FieldsInput),
    unitOfWork: (name, fn, fields, options) => unitOfWork(name, fn, fields as FieldsInput | undefined, options),
  };
}
