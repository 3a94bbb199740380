// Wide events: fields on the active span, on the whole local trace, and the typed front door.
import { trace, type AttributeValue, type Attributes, type Span } from '@opentelemetry/api';
import { runtime } from './runtime.js';

/**
 * The organization's fields, key → value type. Augment it with the `Fields` interface that
 * `cairn generate ts` writes, and every helper below checks keys and values at compile time:
 *
 *     import type { Fields } from './fields.generated.js';
 *     declare module '@cairn/sdk' { interface CairnFields extends Fields {} }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CairnFields {}

/** Plain attributes, what the helpers accept when no registry types are plugged in. */
export type LooseFields = Readonly<Record<string, AttributeValue | undefined>>;

/** What the top-level helpers accept: the augmented `CairnFields`, else any attributes. */
export type FieldsInput = keyof CairnFields extends never ? LooseFields : Partial<CairnFields>;

/** Sets fields on the active span (no-op without one). */
export function addFields(fields: FieldsInput): void {
  setOnActive(fields as LooseFields, true);
}

/** The explicit escape hatch: any keys, no compile-time or dev-mode checks. */
export function addUnchecked(fields: LooseFields): void {
  setOnActive(fields, false);
}

/**
 * Sets fields on every span of the current trace in this process: spans already ended (until the
 * local root ends), spans still open and spans started later. Keys the registry marks
 * `propagate: true` also travel downstream as W3C baggage (never pii or secret keys).
 */
export function addTraceFields(fields: FieldsInput): void {
  const loose = fields as LooseFields;
  const rt = runtime();
  if (rt.checker !== undefined) rt.checker.check(loose);
  const span = trace.getActiveSpan();
  if (span === undefined) return;
  const entry = rt.table.entryFor(span as Parameters<typeof rt.table.entryFor>[0], span.spanContext().traceId);
  const clean = defined(loose);
  if (entry !== undefined) {
    rt.table.add(entry, clean);
    return;
  }
  // No open local root (it ended, or began before init): this span gets the fields, and so do
  // spans started later if the trace's ended root left fields behind.
  span.setAttributes(clean);
  const ended = rt.table.endedFields(span.spanContext().traceId);
  if (ended !== undefined) Object.assign(ended, clean);
}

function setOnActive(fields: LooseFields, checked: boolean): void {
  if (checked) {
    const checker = runtime().checker;
    if (checker !== undefined) checker.check(fields);
  }
  const span = trace.getActiveSpan();
  if (span !== undefined) setDefined(span, fields);
}

/** Sets every field whose value is not undefined on the span (no check: callers check first). */
export function setDefined(span: Span, fields: LooseFields): void {
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined) span.setAttribute(key, value);
  }
}

function defined(fields: LooseFields): Attributes {
  const out: Attributes = {};
  for (const key in fields) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}
