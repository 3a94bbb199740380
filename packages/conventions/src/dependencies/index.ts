import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Finding } from '../findings.js';
import type { Attribute, Group, Manifest, SourceLocation } from '../model.js';
import { resolveRegistry } from '../resolve.js';
import { displayPath, loadSourceRegistry } from '../source/load.js';
import { findManifest, parseManifest } from '../source/manifest.js';
import type { UpstreamRegistry } from '../upstream/index.js';
import { importKindOf, isImported, type ImportPattern } from './imports.js';
import { materialize, type MaterializeOptions } from './materialize.js';
import { formatRegistryPath, parseRegistryPath } from './registry-path.js';
import { readResolvedSchema } from './resolved.js';

export { defaultCacheDir, defaultFetchTimeout, type MaterializeOptions } from './materialize.js';
export { parseRegistryPath, formatRegistryPath, type RegistryPath } from './registry-path.js';
export { compilePattern, isImported, type ImportPattern } from './imports.js';

export interface DependencyOptions extends MaterializeOptions {
  displayRoot?: string;
}

/** What a registry's dependencies contribute, all of it upstream to the registry. */
export interface LoadedDependencies {
  attributes: Attribute[];
  groups: Group[];
  findings: Finding[];
  /** Each dependency loaded, transitive ones included, by name and where it was found. */
  loaded: { name: string; location: string }[];
}

/** A registry on the path from the one being checked to the dependency being loaded. */
export interface ChainLink {
  /** The real path of its directory or file, or its URL. */
  identity: string;
  name: string;
}

/**
 * Loads the manifest's `dependencies` in order, each resolved as a registry in its own right
 * on its own dependencies (a chain A → B → C resolves C, then B on C, then A on B). A
 * dependency contributes every attribute it resolves to, its attribute groups (for `extends`
 * and `ref_group`), and the metrics, events and entities that the depending registry's
 * `imports` select; Weaver leaves the rest out too. A cycle is an error naming it.
 */
export function loadDependencies(manifest: Manifest, imports: readonly ImportPattern[], options: DependencyOptions, chain: ChainLink[]): LoadedDependencies {
  const out: LoadedDependencies = { attributes: [], groups: [], findings: [], loaded: [] };
  const attributes = new Map<string, Attribute>();
  /** Which dependency brought each attribute, for conflicts between them. */
  const broughtBy = new Map<string, string>();
  const groups = new Map<string, Group>();
  const compiled = new Map<string, RegExp>();
  for (const spec of manifest.dependencies ?? []) {
    const location = spec.source;
    const parsed = parseRegistryPath(spec.registryPath);
    if (!parsed.ok) continue; // parseManifest already reported it
    const where = materialize(parsed.path, options);
    if (!where.ok) {
      out.findings.push(finding(where.id, where.message, location, where.hint));
      continue;
    }
    const identity = parsed.path.kind === 'remote-archive' || parsed.path.kind === 'remote-file' ? parsed.path.url : realpathSync(where.root);
    const label = spec.name ?? formatRegistryPath(parsed.path);
    const seen = chain.findIndex((link) => link.identity === identity);
    if (seen !== -1) {
      const cycle = [...chain.slice(seen).map((link) => link.name), chain[seen]!.name].join(' → ');
      out.findings.push(finding('schema.dependency-cycle', `dependency cycle: ${cycle}`, location, 'a registry must not depend on itself, directly or through its dependencies'));
      continue;
    }
    const dependency = loadOne(where.root, label, identity, options, chain, parsed.path.kind === 'remote-file' ? parsed.path.url : undefined);
    out.findings.push(...dependency.findings);
    out.loaded.push({ name: spec.name ?? dependency.name, location: formatRegistryPath(parsed.path) }, ...dependency.loaded);
    for (const attribute of dependency.attributes) {
      const earlier = attributes.get(attribute.key);
      if (!earlier) {
        attributes.set(attribute.key, { ...attribute, origin: 'upstream', aliases: [...attribute.aliases] });
        broughtBy.set(attribute.key, dependency.name);
      } else if (JSON.stringify(earlier.type) !== JSON.stringify(attribute.type) || earlier.brief !== attribute.brief) {
        // Two registries that share a base agree; two that define one key differently do not.
        out.findings.push(finding('dependency.conflict', `attribute \`${attribute.key}\` is defined differently by dependencies \`${broughtBy.get(attribute.key)}\` and \`${dependency.name}\`; the first one is used`, location, 'depend on one definition of it: drop one dependency, or align their versions'));
      }
    }
    for (const group of dependency.groups) {
      const kind = importKindOf(group.type);
      const wanted = kind ? isImported(group, imports, compiled) : group.type === 'attribute_group';
      if (wanted && !groups.has(group.id)) groups.set(group.id, { ...group, origin: 'upstream' });
    }
  }
  out.attributes = [...attributes.values()];
  out.groups = [...groups.values()];
  return out;
}

interface OneDependency extends LoadedDependencies {
  name: string;
}

/** One dependency on disk: a published registry (resolved schema) or a definition directory. */
function loadOne(root: string, label: string, identity: string, options: DependencyOptions, chain: ChainLink[], url?: string): OneDependency {
  const shown = displayPath(root, options.displayRoot);
  if (statSync(root).isFile()) {
    const text = readFileSync(root, 'utf8');
    // A manifest file names its resolved schema; anything else is the resolved schema itself.
    if (/^\s*resolved_(registry|schema)_uri\s*:/m.test(text)) return fromPublicationManifest(root, text, label, options, url);
    return { ...readResolvedSchema(shown, text), name: label, loaded: [] };
  }
  const manifestPath = findManifest(root);
  const findings: Finding[] = [];
  const manifest = manifestPath ? parseManifest(displayPath(manifestPath, options.displayRoot), readFileSync(manifestPath, 'utf8'), root, findings) : undefined;
  if (manifestPath && manifest?.resolvedRegistryUri !== undefined) {
    return fromPublicationManifest(manifestPath, readFileSync(manifestPath, 'utf8'), label, options);
  }
  const own: Manifest = manifest ?? { name: label, namespaces: [], upstream: { kind: 'builtin' }, policies: {} };
  const source = loadSourceRegistry(root, options.displayRoot !== undefined ? { displayRoot: options.displayRoot } : {});
  const inner = loadDependencies(own, source.imports ?? [], options, [...chain, { identity, name: own.name }]);
  // A dependency is self-contained, as in Weaver: it resolves on its own dependencies only.
  const upstream: UpstreamRegistry = { info: { kind: 'none', attributeCount: inner.attributes.length }, attributes: inner.attributes, groups: inner.groups, findings: [] };
  const resolution = resolveRegistry(source, own, upstream);
  const errors = [...findings, ...source.findings, ...inner.findings, ...resolution.findings].filter((f) => f.level === 'error');
  return { attributes: resolution.registry.attributes, groups: resolution.registry.groups, findings: errors, loaded: inner.loaded, name: own.name };
}

/** A publication manifest's relative `resolved_registry_uri` is relative to the manifest (its URL, when fetched). */
function fromPublicationManifest(path: string, text: string, label: string, options: DependencyOptions, url?: string): OneDependency {
  const findings: Finding[] = [];
  const shown = displayPath(path, options.displayRoot);
  const manifest = parseManifest(shown, text, dirname(path), findings);
  const uri = manifest?.resolvedRegistryUri;
  if (!manifest || uri === undefined) return { attributes: [], groups: [], findings, loaded: [], name: label };
  const target = /^https?:\/\//.test(uri) ? uri : url !== undefined ? new URL(uri, url).href : resolve(dirname(path), uri);
  const parsed = parseRegistryPath(target);
  const where = parsed.ok ? materialize(parsed.path, options) : { ok: false as const, id: 'schema.invalid-value', message: `\`resolved_registry_uri\` \`${uri}\`: ${parsed.reason}` };
  if (!where.ok) return { attributes: [], groups: [], findings: [...findings, finding(where.id, where.message, manifest.source)], loaded: [], name: manifest.name };
  const resolved = readResolvedSchema(displayPath(where.root, options.displayRoot), readFileSync(where.root, 'utf8'));
  return { ...resolved, findings: [...findings, ...resolved.findings], loaded: [], name: manifest.name };
}

function finding(id: string, message: string, location: SourceLocation | undefined, hint?: string): Finding {
  return { id, level: 'error', message, ...(location ? { location } : {}), ...(hint ? { hint } : {}) };
}
