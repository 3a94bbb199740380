// How a cel-js evaluation error maps onto the tri-state outcome.

/** A key or field the data does not carry: the expression is 'absent' for it, not failed. */
export function isMissingKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'no_such_key';
}
