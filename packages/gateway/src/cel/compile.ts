// Compiling an expression once: parse, type-check, require a boolean, find what it reads.
import type { Environment } from '@marcbachmann/cel-js';
import { CelExpressionError, CelRuntimeError, firstLine } from './errors.js';
import { isMissingKey } from './outcome.js';
import { readsOf, type Reads } from './reads.js';

/** Evaluates the parsed expression against a context object. */
export type Compiled = ((context: object) => unknown) & { ast: unknown };

interface Checked {
  evaluate: Compiled;
  reads: Reads;
}

/** A compiled expression over contexts of type C (a span's or a trace's). */
export class CompiledExpression<C extends object> {
  readonly expression: string;
  readonly reads: Reads;
  private readonly compiled: Compiled;

  constructor(env: Environment, expression: string, readonly path: string) {
    const { evaluate, reads } = compileIn(env, expression, path);
    this.expression = expression;
    this.reads = reads;
    this.compiled = evaluate;
  }

  /** true or false, or 'absent' when a key or field it read is missing. Throws CelRuntimeError. */
  evaluate(ctx: C): boolean | 'absent' {
    return outcome(this.compiled, ctx, this.path);
  }
}

function compileIn(env: Environment, expression: string, path: string): Checked {
  if (typeof expression !== 'string') throw new CelExpressionError(path, `must be a CEL expression (a string), not ${expression === null ? 'null' : typeof expression}`);
  let parsed;
  try {
    parsed = env.parse(expression);
  } catch (error) {
    throw new CelExpressionError(path, `is not valid CEL: ${firstLine(messageOf(error))}`);
  }
  let checked: { valid: boolean; type?: string; error?: unknown };
  try {
    checked = parsed.check();
  } catch (error) {
    checked = { valid: false, error };
  }
  if (!checked.valid) throw new CelExpressionError(path, `does not type-check: ${firstLine(messageOf(checked.error ?? 'type error'))}`);
  if (checked.type !== 'bool' && checked.type !== 'dyn') throw new CelExpressionError(path, `must be a boolean condition, but is ${checked.type}`);
  return { evaluate: parsed as unknown as Compiled, reads: readsOf((parsed as unknown as Compiled).ast) };
}

/** One evaluation as the tri-state outcome; any failure but a missing key throws CelRuntimeError. */
function outcome(evaluate: Compiled, context: object, path: string): boolean | 'absent' {
  let result: unknown;
  try {
    result = evaluate(context);
  } catch (error) {
    if (isMissingKey(error)) return 'absent';
    throw new CelRuntimeError(path, firstLine(messageOf(error)));
  }
  if (result === true || result === false) return result;
  throw new CelRuntimeError(path, `gave ${describe(result)}, not a bool`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
