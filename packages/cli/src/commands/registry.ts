import { loadRegistry, type LoadedRegistry } from '@cairn/conventions';
import { UsageError } from '../io.js';

export const REGISTRY_OPTIONS = {
  upstream: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The registry directory named on the command line, loaded and resolved. */
export function loadFromArgs(positionals: string[], values: { upstream?: string | undefined }, usage: string): LoadedRegistry {
  const [dir, extra] = positionals;
  if (dir === undefined) throw new UsageError(`name the registry directory\n\n${usage}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\`\n\n${usage}`);
  return loadRegistry(dir, values.upstream !== undefined ? { upstream: values.upstream } : {});
}
