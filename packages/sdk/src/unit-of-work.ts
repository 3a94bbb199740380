import { SpanStatusCode, trace, type Span, type SpanKind } from '@opentelemetry/api';
import { setDefined, type FieldsInput, type LooseFields } from './fields.js';
import { runtime } from './runtime.js';

export interface UnitOfWorkOptions {
  kind?: SpanKind;
  /** A field that receives the work's duration in milliseconds, e.g. `acme.checkout.duration_ms`. */
  timingField?: string;
}

const tracer = () => trace.getTracer('@cairn/sdk');

/**
 * Runs `fn` inside a new active span named `name`. Sync or async: a returned promise keeps the
 * span open until it settles. A throw or rejection is recorded as an exception with error status
 * and passed on unchanged.
 */
export function unitOfWork<T>(name: string, fn: (span: Span) => T, fields?: FieldsInput, options: UnitOfWorkOptions = {}): T {
  const loose = fields as LooseFields | undefined;
  if (loose !== undefined) runtime().checker?.check(loose);
  const spanOptions = options.kind === undefined ? {} : { kind: options.kind };
  return tracer().startActiveSpan(name, spanOptions, (span) => {
    if (loose !== undefined) setDefined(span, loose);
    const started = options.timingField === undefined ? 0 : performance.now();
    const finish = (error?: unknown): void => {
      if (options.timingField !== undefined) span.setAttribute(options.timingField, performance.now() - started);
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
    };
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      finish(error ?? new Error('unitOfWork: thrown undefined'));
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (value) => {
          finish();
          return value;
        },
        (error: unknown) => {
          finish(error ?? new Error('unitOfWork: rejected with undefined'));
          throw error;
        },
      ) as T;
    }
    finish();
    return result;
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
