import type { Attributes } from '@opentelemetry/api';
import { describeMismatch } from '../dev-check.js';
import type { FieldPolicy } from '../policy.js';

/** Every way the attributes fall short of the registry, one line each; empty when they conform. */
export function conformanceProblems(policy: FieldPolicy, attributes: Attributes): string[] {
  const problems: string[] = [];
  for (const key in attributes) {
    const found = policy.index.lookup(key);
    if (found.kind === 'unknown') {
      problems.push(`"${key}" is not in the registry`);
      continue;
    }
    if (found.kind === 'alias') problems.push(`"${key}" is an alias; use "${found.canonical}"`);
    if (found.kind === 'deprecated') problems.push(`"${key}" is deprecated${found.canonical ? `; use "${found.canonical}"` : ''}`);
    const mismatch = describeMismatch(found.attribute.type, attributes[key]);
    if (mismatch !== undefined) problems.push(`"${key}" ${mismatch}`);
  }
  return problems;
}
