import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkRegistry, isLoadFinding, type CheckResult } from './check/index.js';
import { defaultCacheDir, defaultFetchTimeout, loadDependencies, type LoadedDependencies } from './dependencies/index.js';
import type { Finding } from './findings.js';
import { byKey, type ResolvedRegistry } from './model.js';
import { resolveRegistry } from './resolve.js';
import { loadSourceRegistry } from './source/load.js';
import { loadManifest } from './source/manifest.js';
import { loadUpstream, type UpstreamRegistry } from './upstream/index.js';

export interface LoadOptions {
  /** A semantic-conventions `model/` directory; overrides the manifest's `cairn.upstream`. */
  upstream?: string;
  /** File names in findings are shown relative to this directory (default: the working directory). */
  displayRoot?: string;
  /** Relative dependency paths resolve against this directory, as Weaver's do (default: the working directory). */
  cwd?: string;
  /** Where fetched and extracted dependencies are kept (default: `CAIRN_CACHE_DIR` or `~/.cache/cairn`). */
  cacheDir?: string;
  /** How long one dependency download may take (default: `CAIRN_FETCH_TIMEOUT_MS` or 30 s). */
  fetchTimeoutMs?: number;
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
  if (options.upstream !== undefined) {
    manifest.upstream = { kind: 'dir', path: resolve(options.upstream) };
    manifest.upstreamExplicit = true;
  }
  const source = loadSourceRegistry(dir, { displayRoot });
  findings.push(...source.findings);
  let upstream: UpstreamRegistry;
  if (manifest.dependencies?.length) {
    const dependencies = loadDependencies(manifest, source.imports ?? [], {
      cwd: options.cwd ?? process.cwd(),
      cacheDir: options.cacheDir ?? defaultCacheDir(),
      fetchTimeoutMs: options.fetchTimeoutMs ?? defaultFetchTimeout(),
      displayRoot,
    }, [{ identity: realpathSync(dir), name: manifest.name }]);
    findings.push(...dependencies.findings);
    // Declared dependencies are the registry's upstream, unless `cairn.upstream` or --upstream adds one below them.
    upstream = layer(manifest.upstreamExplicit ? loadUpstream(manifest.upstream) : undefined, dependencies);
  } else {
    upstream = loadUpstream(manifest.upstream);
  }
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

/** Dependencies over an optional upstream: a dependency's definition wins over the upstream's. */
function layer(base: UpstreamRegistry | undefined, dependencies: LoadedDependencies): UpstreamRegistry {
  const attributes = new Map((base?.attributes ?? []).map((a) => [a.key, a]));
  for (const attribute of dependencies.attributes) attributes.set(attribute.key, attribute);
  const ids = new Set(dependencies.groups.map((g) => g.id));
  const sorted = [...attributes.values()].sort(byKey);
  return {
    info: { ...(base?.info ?? { kind: 'none' }), attributeCount: sorted.length, dependencies: dependencies.loaded },
    attributes: sorted,
    groups: [...dependencies.groups, ...(base?.groups ?? []).filter((g) => !ids.has(g.id))],
    findings: base?.findings ?? [],
  };
}
