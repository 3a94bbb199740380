import { formatFinding, loadRegistry, type LoadedRegistry, type LoadOptions } from '@cairn/conventions';
import { EXIT, UsageError, type Streams } from '../io.js';

export const REGISTRY_OPTIONS = {
  upstream: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The registry directory named on the command line, loaded and resolved. */
export function loadFromArgs(positionals: string[], values: { upstream?: string | undefined }, usage: string): LoadedRegistry {
  const [dir, extra] = positionals;
  if (dir === undefined) throw new UsageError(`name the registry directory\n\n${usage}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument \`${extra}\`\n\n${usage}`);
  return loadRegistry(dir, loadOptions(values));
}

/** What the command line sets for loading: `--upstream` overrides the manifest's upstream. */
export function loadOptions(values: { upstream?: string | undefined }): LoadOptions {
  return values.upstream !== undefined ? { upstream: values.upstream } : {};
}

/** A registry that could not be read: every finding on stderr, and the exit code for unusable input. */
export function reportUnusable(loaded: LoadedRegistry, io: Streams): number {
  for (const finding of loaded.findings) io.err.write(`${formatFinding(finding)}\n`);
  return EXIT.unusable;
}
