// `sampling.tail` of a destination: its schema and checks belong to tail sampling
// (stages/tail). Until that stage registers its validator, any mapping is accepted and passed
// through untouched to the compiled strategy.
import type { ConfigPath } from '../../config/env.js';

export interface TailProblem {
  /** Relative to `sampling.tail`. */
  path: ConfigPath;
  message: string;
}

/** Checks a `tail:` mapping; returns its problems (none: accepted as is). */
export type TailValidator = (tail: Record<string, unknown>) => TailProblem[];

let validator: TailValidator = () => [];

/** Called once by stages/tail at module load. */
export function registerTailValidator(check: TailValidator): void {
  validator = check;
}

export function validateTail(tail: Record<string, unknown>): TailProblem[] {
  return validator(tail);
}
