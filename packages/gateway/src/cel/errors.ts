// The two ways a CEL expression fails: at load (the config is wrong: refuse it, naming the path)
// and per span (the data did not fit the expression: the caller counts it and moves on).

/** An expression that does not parse, does not type-check or is not a boolean condition. */
export class CelExpressionError extends Error {
  readonly code = 'CAIRN_CEL_EXPRESSION';
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
  }
}

/**
 * A failure while evaluating one span or trace (a type mismatch, an overflow, a non-boolean
 * result). A missing key is not one: it evaluates to 'absent'.
 */
export class CelRuntimeError extends Error {
  readonly code = 'CAIRN_CEL_RUNTIME';
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
  }
}

export function firstLine(text: string): string {
  return text.split('\n')[0]!;
}
