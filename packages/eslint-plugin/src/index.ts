import { readFileSync } from 'node:fs';
import type { ESLint, Linter, Rule } from 'eslint';
import { knownAttributes } from './rules/known-attributes.js';
import { noSensitiveInSpanName } from './rules/no-sensitive-in-span-name.js';

export type { CairnSettings, RegistrySource } from './registry.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export type CairnRules = Record<'known-attributes' | 'no-sensitive-in-span-name', Rule.RuleModule>;

export interface CairnPlugin extends ESLint.Plugin {
  meta: { name: string; version: string };
  rules: CairnRules;
  configs: { recommended: Linter.Config };
}

const rules: CairnRules = {
  'known-attributes': knownAttributes,
  'no-sensitive-in-span-name': noSensitiveInSpanName,
};

const plugin: CairnPlugin = {
  meta: { name: pkg.name, version: pkg.version },
  rules,
  configs: { recommended: {} },
};

// Both rules are errors: warnings do not fail CI, and the rename of old keys is an autofix.
plugin.configs.recommended = {
  name: 'cairn/recommended',
  plugins: { cairn: plugin },
  rules: {
    'cairn/known-attributes': 'error',
    'cairn/no-sensitive-in-span-name': 'error',
  },
};

export default plugin;
