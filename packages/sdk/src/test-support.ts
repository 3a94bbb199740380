// Shared by the package's tests: the example registry, resolved once per test file.
import { fileURLToPath } from 'node:url';
import { loadRegistry, type ResolvedRegistry } from '@cairn/conventions';

export const EXAMPLE_CONVENTIONS = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));

let cached: ResolvedRegistry | undefined;
export function exampleRegistry(): ResolvedRegistry {
  cached ??= loadRegistry(EXAMPLE_CONVENTIONS).registry;
  return cached;
}
