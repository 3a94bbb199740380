import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tsParser from '@typescript-eslint/parser';
import { RuleTester, type Linter } from 'eslint';

// RuleTester reports through mocha-style globals; node:test provides the same three.
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

/** The example registry in the repository: `acme.*`, with aliases, renames and pii fields. */
export const EXAMPLE_REGISTRY = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));

export const TS_PARSER: Linter.Parser = tsParser;

/** A RuleTester that parses TypeScript and reads `settings` (by default, the example registry). */
export function ruleTester(settings: Record<string, unknown> = { cairn: { registry: EXAMPLE_REGISTRY } }): RuleTester {
  return new RuleTester({ languageOptions: { parser: TS_PARSER, ecmaVersion: 'latest', sourceType: 'module' }, settings });
}
