import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { didYouMean, type Finding } from '../findings.js';
import { parseRegistryPath } from '../dependencies/registry-path.js';
import { STABILITIES, type DependencySpec, type Manifest, type PolicyLevel } from '../model.js';
import { displayPath } from './load.js';
import { DEPENDENCY_KEYS, MANIFEST_CAIRN_KEYS, MANIFEST_FILE_FORMATS, MANIFEST_KEYS, MANIFEST_UNSUPPORTED_KEYS } from './schema.js';
import { describe, readFields, readString, readStringList, YamlSource } from './yaml.js';

const POLICY_LEVELS: readonly PolicyLevel[] = ['error', 'warning', 'info', 'off'];

/** Weaver looks for `manifest.yaml` first, then the legacy `registry_manifest.yaml`. */
export const MANIFEST_NAMES = ['manifest.yaml', 'registry_manifest.yaml'];

/** The manifest file of a registry directory, if it has one. */
export function findManifest(dir: string): string | undefined {
  return MANIFEST_NAMES.map((name) => join(dir, name)).find((candidate) => existsSync(candidate));
}

/**
 * Reads `manifest.yaml` or `registry_manifest.yaml` (Weaver's manifest; Cairn's settings live under its `cairn`
 * key, which Weaver ignores). Without a manifest: the directory's name, no org namespaces,
 * the built-in upstream and default policy levels.
 */
export function loadManifest(dir: string, findings: Finding[], displayRoot?: string): Manifest {
  const path = findManifest(dir);
  const fallback: Manifest = { name: basename(resolve(dir)), namespaces: [], upstream: { kind: 'builtin' }, policies: {} };
  if (!path) return fallback;
  return parseManifest(displayPath(path, displayRoot), readFileSync(path, 'utf8'), dirname(path), findings) ?? fallback;
}

/** Parses a manifest's text; `dir` anchors a relative `cairn.upstream.path`. */
export function parseManifest(path: string, text: string, dir: string, findings: Finding[]): Manifest | undefined {
  const src = new YamlSource(path, text);
  const manifest = src.usable ? readManifest(src, dir) : undefined;
  findings.push(...src.findings);
  return manifest;
}

function readManifest(src: YamlSource, dir: string): Manifest | undefined {
  const root = src.document.contents as Node | null;
  const fields = readFields(src, root, [...MANIFEST_KEYS, ...Object.keys(MANIFEST_UNSUPPORTED_KEYS)], 'the registry manifest');
  if (!fields) return undefined;
  for (const [key, hint] of Object.entries(MANIFEST_UNSUPPORTED_KEYS)) {
    if (fields.keys.has(key)) src.report('schema.unsupported', fields.keys.get(key), `unsupported: \`${key}\` in the registry manifest`, hint);
  }
  const what = 'the registry manifest';
  const schemaUrl = readString(src, fields, 'schema_url', what);
  // Weaver names a registry by its schema URL without the version (`opentelemetry.io/schemas`).
  const name = readString(src, fields, 'name', what) ?? (schemaUrl !== undefined ? nameOfSchemaUrl(schemaUrl) : undefined);
  const manifest: Manifest = {
    name: name ?? basename(dir),
    namespaces: [],
    upstream: { kind: 'builtin' },
    policies: {},
    source: src.loc(root),
  };
  if (schemaUrl !== undefined) {
    if (!/^https?:\/\/[^/\s]+\/\S*$/.test(schemaUrl)) src.report('schema.invalid-value', fields.values.get('schema_url'), `\`schema_url\` \`${schemaUrl}\` must be an http(s) URL ending in the registry version`, 'for example https://example.com/schemas/1.0.0');
    manifest.schemaUrl = schemaUrl;
  }
  const description = readString(src, fields, 'description', what);
  if (description !== undefined) manifest.description = description.trim();
  const version = readString(src, fields, 'semconv_version', what);
  if (version !== undefined) manifest.semconvVersion = version;
  readString(src, fields, 'schema_base_url', what);
  const stability = readString(src, fields, 'stability', what);
  if (stability !== undefined && !(STABILITIES as readonly string[]).includes(stability)) {
    src.report('schema.invalid-value', fields.values.get('stability'), `\`stability\` of ${what} must be one of ${STABILITIES.join(', ')}, found \`${stability}\``);
  }
  const format = readString(src, fields, 'file_format', what);
  if (format !== undefined && !(MANIFEST_FILE_FORMATS as readonly string[]).includes(format)) {
    src.report('schema.unsupported', fields.values.get('file_format'), `unsupported: manifest file_format \`${format}\``, `Cairn reads ${MANIFEST_FILE_FORMATS.join(' and ')} manifests, and manifests without file_format`);
  }
  const resolved = readString(src, fields, 'resolved_registry_uri', what) ?? readString(src, fields, 'resolved_schema_uri', what);
  if (resolved !== undefined) manifest.resolvedRegistryUri = resolved;
  else if (format === 'manifest/2.0') src.report('schema.missing-key', root, 'a publication manifest (`file_format: manifest/2.0`) needs `resolved_registry_uri`', 'the path or URL of its resolved schema, e.g. `resolved_schema.yaml`');
  const dependencies = readDependencies(src, fields.values.get('dependencies'), fields.keys.get('dependencies'));
  if (dependencies) manifest.dependencies = dependencies;
  const cairnNode = fields.values.get('cairn');
  if (cairnNode === undefined) return manifest;
  const cairn = readFields(src, cairnNode, MANIFEST_CAIRN_KEYS, '`cairn` of the registry manifest');
  if (!cairn) return manifest;
  manifest.namespaces = readStringList(src, cairn, 'namespaces', '`cairn` of the registry manifest') ?? [];
  for (const [index, namespace] of manifest.namespaces.entries()) {
    if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/.test(namespace)) {
      const item = (cairn.values.get('namespaces') as { items?: Node[] } | null)?.items?.[index];
      src.report('schema.invalid-value', item, `namespace \`${namespace}\` must be lowercase, dot-separated snake_case`);
    }
  }
  const upstream = cairn.values.get('upstream');
  if (isScalar(upstream) && upstream.value === 'builtin') {
    manifest.upstream = { kind: 'builtin' };
    manifest.upstreamExplicit = true;
  } else if (isMap(upstream)) {
    const upstreamFields = readFields(src, upstream, ['path'], '`cairn.upstream`');
    const relativePath = upstreamFields && readString(src, upstreamFields, 'path', '`cairn.upstream`', true);
    if (relativePath) manifest.upstream = { kind: 'dir', path: resolve(dir, relativePath) };
    manifest.upstreamExplicit = true;
  } else if (upstream !== undefined) {
    src.report('schema.invalid-value', upstream, `\`cairn.upstream\` must be \`builtin\` or \`{ path: DIR }\`, found ${describe(upstream)}`);
  }
  const policies = cairn.values.get('policies');
  if (isMap(policies)) {
    for (const pair of policies.items) {
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      const level = isScalar(value) ? String(value.value) : '';
      if (isScalar(key) && (POLICY_LEVELS as readonly string[]).includes(level)) {
        manifest.policies[String(key.value)] = level as PolicyLevel;
      } else {
        const suggestion = didYouMean(level, POLICY_LEVELS);
        src.report('schema.invalid-value', value ?? key, `policy level must be one of ${POLICY_LEVELS.join(', ')}, found ${describe(value)}`,
          suggestion ? `did you mean \`${suggestion}\`?` : undefined);
      }
    }
  } else if (policies !== undefined) {
    src.report('schema.wrong-type', policies, `\`cairn.policies\` must be a mapping of rule id to level, found ${describe(policies)}`);
  }
  return manifest;
}

/** `https://opentelemetry.io/schemas/1.45.0` → `opentelemetry.io/schemas`. */
export function nameOfSchemaUrl(url: string): string {
  const bare = url.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const slash = bare.lastIndexOf('/');
  return slash > 0 ? bare.slice(0, slash) : bare;
}

/**
 * `dependencies:` as Weaver reads it: v1 entries name a dependency (`name` + `registry_path`),
 * v2 entries identify it by `schema_url`, with `registry_path` optional (the schema URL is
 * then where it is fetched from).
 */
function readDependencies(src: YamlSource, node: Node | null | undefined, key: Node | undefined): DependencySpec[] | undefined {
  if (node === undefined) return undefined;
  if (node === null) return [];
  if (!isSeq(node)) {
    src.report('schema.wrong-type', node ?? key, `\`dependencies\` of the registry manifest must be a list, found ${describe(node)}`);
    return undefined;
  }
  const out: DependencySpec[] = [];
  for (const item of src.items(node)) {
    const what = 'a dependency in the registry manifest';
    const fields = readFields(src, item, DEPENDENCY_KEYS, what);
    if (!fields) continue;
    const name = readString(src, fields, 'name', what);
    const schemaUrl = readString(src, fields, 'schema_url', what);
    const registryPath = readString(src, fields, 'registry_path', what) ?? schemaUrl;
    if (name === undefined && schemaUrl === undefined) {
      src.report('schema.missing-key', item, `${what} needs \`schema_url\` (or, in a v1 manifest, \`name\` and \`registry_path\`)`);
      continue;
    }
    if (registryPath === undefined) {
      src.report('schema.missing-key', item, `dependency \`${name}\` needs \`registry_path\``, 'a path, an archive such as `semconv.tar.gz[model]`, or a URL');
      continue;
    }
    const parsed = parseRegistryPath(registryPath);
    const at = fields.values.get('registry_path') ?? fields.values.get('schema_url') ?? item;
    if (!parsed.ok) {
      src.report('schema.invalid-value', at, `\`registry_path\` \`${registryPath}\`: ${parsed.reason}`);
      continue;
    }
    if (parsed.path.kind === 'git') {
      src.report('schema.unsupported', at, `unsupported: git repository dependency \`${registryPath}\``, 'point `registry_path` at a release archive (`.zip` / `.tar.gz`), a published resolved schema, or a local clone');
      continue;
    }
    const spec: DependencySpec = { registryPath, source: src.loc(item) };
    if (name !== undefined) spec.name = name;
    if (schemaUrl !== undefined) spec.schemaUrl = schemaUrl;
    out.push(spec);
  }
  return out;
}
