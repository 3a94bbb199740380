import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConventionsError, formatLocation } from '@cairn/conventions';

export interface Streams {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, findings: 1, unusable: 2 } as const;

export class UsageError extends Error {
  readonly code = 'CAIRN_USAGE';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The values parseArgs gives for `T`: strings, booleans, or undefined when not given. */
export type Values<T extends Options> = {
  [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : string;
};

export function parse<T extends Options>(args: string[], options: T, usage: string): { values: Values<T>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Values<T>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got \`${value}\``);
}

/** Bad input never shows a stack trace: a code, a message and what to do. */
export function reportError(error: unknown, io: Streams): number {
  if (error instanceof UsageError) {
    io.err.write(`cairn: ${error.message}\n`);
    return EXIT.unusable;
  }
  if (error instanceof ConventionsError) {
    const where = error.location ? `${formatLocation(error.location)}: ` : '';
    io.err.write(`cairn: ${where}${error.code}: ${error.message}\n${error.hint ? `    hint: ${error.hint}\n` : ''}`);
    return EXIT.unusable;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err.write(`cairn: CAIRN_INTERNAL: ${message}\n`);
  if (process.env.CAIRN_DEBUG && error instanceof Error) io.err.write(`${error.stack}\n`);
  return EXIT.unusable;
}
