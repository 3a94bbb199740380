import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isMap, isScalar, type Node } from 'yaml';
import { didYouMean, type Finding } from '../findings.js';
import type { Manifest, PolicyLevel } from '../model.js';
import { displayPath, MANIFEST_FILES } from './load.js';
import { MANIFEST_CAIRN_KEYS, MANIFEST_KEYS } from './schema.js';
import { describe, readFields, readString, readStringList, YamlSource } from './yaml.js';

const POLICY_LEVELS: readonly PolicyLevel[] = ['error', 'warning', 'info', 'off'];

/**
 * Reads `registry_manifest.yaml` (Weaver's manifest; Cairn's settings live under its `cairn`
 * key, which Weaver ignores). Without a manifest: the directory's name, no org namespaces,
 * the built-in upstream and default policy levels.
 */
export function loadManifest(dir: string, findings: Finding[], displayRoot?: string): Manifest {
  const path = MANIFEST_FILES.map((name) => join(dir, name)).find((candidate) => existsSync(candidate));
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
  const fields = readFields(src, root, MANIFEST_KEYS, 'the registry manifest');
  if (!fields) return undefined;
  const manifest: Manifest = {
    name: readString(src, fields, 'name', 'the registry manifest') ?? basename(dir),
    namespaces: [],
    upstream: { kind: 'builtin' },
    policies: {},
    source: src.loc(root),
  };
  const description = readString(src, fields, 'description', 'the registry manifest');
  if (description !== undefined) manifest.description = description.trim();
  const version = readString(src, fields, 'semconv_version', 'the registry manifest');
  if (version !== undefined) manifest.semconvVersion = version;
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
  } else if (isMap(upstream)) {
    const upstreamFields = readFields(src, upstream, ['path'], '`cairn.upstream`');
    const relativePath = upstreamFields && readString(src, upstreamFields, 'path', '`cairn.upstream`', true);
    if (relativePath) manifest.upstream = { kind: 'dir', path: resolve(dir, relativePath) };
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
