import { resolve } from 'node:path';
import { checkRegistry, isLoadFinding, type CheckResult } from './check/index.js';
import type { Finding } from './findings.js';
import type { ResolvedRegistry } from './model.js';
import { resolveRegistry } from './resolve.js';
import { loadSourceRegistry } from './source/load.js';
import { loadManifest } from './source/manifest.js';
import { loadUpstream } from './upstream/index.js';

export interface LoadOptions {
  /** A semantic-conventions `model/` directory; overrides the manifest's `cairn.upstream`. */
  upstream?: string;
  /** File names in findings are shown relative to this directory (default: the working directory). */
  displayRoot?: string;
}

export interface LoadedRegistry {
  registry: ResolvedRegistry;
  /** What the loader and the resolver found; `cairn check` adds the policies' findings. */
  findings: Finding[];
  /** True when some file could not be read as a registry (`cairn check` exits 2). */
  unusable: boolean;
}

/** Reads a registry directory and resolves it against its upstream: the one entry point. */
export function loadRegistry(dir: string, options: LoadOptions = {}): LoadedRegistry {
  const displayRoot = options.displayRoot ?? process.cwd();
  const findings: Finding[] = [];
  const manifest = loadManifest(dir, findings, displayRoot);
  if (options.upstream !== undefined) manifest.upstream = { kind: 'dir', path: resolve(options.upstream) };
  const source = loadSourceRegistry(dir, { displayRoot });
  findings.push(...source.findings);
  const upstream = loadUpstream(manifest.upstream);
  findings.push(...upstream.findings);
  const resolution = resolveRegistry(source, manifest, upstream);
  findings.push(...resolution.findings);
  return { registry: resolution.registry, findings, unusable: findings.some(isLoadFinding) };
}

/** Load, resolve and run every policy. */
export function checkDirectory(dir: string, options: LoadOptions = {}): CheckResult & { registry: ResolvedRegistry; unusable: boolean } {
  const loaded = loadRegistry(dir, options);
  return { ...checkRegistry(loaded.registry, loaded.findings), registry: loaded.registry, unusable: loaded.unusable };
}
