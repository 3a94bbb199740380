import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isSeq, type Node } from 'yaml';
import { readImports, type ImportPattern } from '../dependencies/imports.js';
import { ConventionsError, type Finding } from '../findings.js';
import type { Deprecation, SourceLocation, Stability } from '../model.js';
import { readAttribute, readDeprecation, readStability, type SourceAttribute } from './attribute.js';
import { FILE_KEYS, GROUP_KEYS, GROUP_TYPES, V2_FILE_KEYS } from './schema.js';
import { describe, readFields, readOneOf, readString, YamlSource } from './yaml.js';

export interface SourceGroup {
  id: string;
  type: string;
  brief: string;
  stability?: Stability;
  deprecated?: Deprecation;
  extends?: string;
  attributes: SourceAttribute[];
  source: SourceLocation;
}

/** A registry as written: groups from every file, and what was wrong with them. */
export interface SourceRegistry {
  root: string;
  files: string[];
  groups: SourceGroup[];
  findings: Finding[];
  /** Every file's `imports:`: which signals of the dependencies this registry brings in. */
  imports?: ImportPattern[];
}

export const MANIFEST_FILES = ['registry_manifest.yaml', 'manifest.yaml'];

/** Every `.yaml`/`.yml` file under `dir`, manifests excepted, in a stable order. */
export function listRegistryFiles(dir: string): string[] {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    throw new ConventionsError('CAIRN_REGISTRY_NOT_FOUND', `registry directory ${dir} does not exist`, {
      hint: 'pass the directory that holds your registry YAML files',
    });
  }
  if (!stat.isDirectory()) {
    throw new ConventionsError('CAIRN_REGISTRY_NOT_A_DIRECTORY', `${dir} is not a directory`, {
      hint: 'a registry is a directory of YAML files',
    });
  }
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name) && !(current === dir && MANIFEST_FILES.includes(name))) files.push(path);
    }
  };
  walk(dir);
  return files;
}

/** How findings name a file: relative to `displayRoot` when one is given. */
export function displayPath(file: string, displayRoot: string | undefined): string {
  return displayRoot !== undefined ? relative(displayRoot, file) || file : file;
}

/** Loads every registry file under `dir`. Bad input becomes findings, never an exception. */
export function loadSourceRegistry(dir: string, options: { displayRoot?: string } = {}): SourceRegistry {
  const files = listRegistryFiles(dir);
  const registry: SourceRegistry = { root: dir, files: [], groups: [], findings: [], imports: [] };
  for (const file of files) {
    const display = displayPath(file, options.displayRoot);
    registry.files.push(display);
    const src = parseRegistryFile(display, readFileSync(file, 'utf8'), registry.groups);
    if (src.usable) readImports(src, registry.imports!);
    registry.findings.push(...src.findings);
  }
  return registry;
}

/** Parses one file's text, appending its groups to `into`. */
export function parseRegistryFile(path: string, text: string, into: SourceGroup[]): YamlSource {
  const src = new YamlSource(path, text);
  if (!src.usable) return src;
  const root = src.document.contents as Node | null;
  if (isMap(root) && root.has('file_format')) {
    readDefinition2(src, root, into);
    return src;
  }
  if (!isMap(root) || !root.has('groups')) {
    src.report(
      'schema.not-a-registry',
      root,
      `${path} is not a registry file: expected a mapping with a \`groups\` list, found ${describe(root)}`,
      'registry files start with `groups:`; move other YAML out of the registry directory',
    );
    return src;
  }
  const fields = readFields(src, root, FILE_KEYS, 'a registry file');
  const groups = fields?.values.get('groups');
  if (!isSeq(groups)) {
    src.report('schema.wrong-type', groups ?? root, `\`groups\` must be a list, found ${describe(groups)}`);
    return src;
  }
  for (const item of src.items(groups)) {
    const group = readGroup(src, item);
    if (group) into.push(group);
  }
  return src;
}

function readGroup(src: YamlSource, node: Node | null): SourceGroup | undefined {
  const fields = readFields(src, node, GROUP_KEYS, 'a group');
  if (!fields) return undefined;
  const id = readString(src, fields, 'id', 'a group', true);
  if (id === undefined) return undefined;
  const what = `group \`${id}\``;
  const type = fields.values.has('type') ? readOneOf(src, fields, 'type', what, GROUP_TYPES) : undefined;
  if (!fields.values.has('type')) src.report('schema.missing-key', node, `${what} needs a \`type\``, 'for example `type: attribute_group`');
  const group: SourceGroup = {
    id,
    type: type ?? 'undefined',
    brief: readString(src, fields, 'brief', what)?.trim() ?? '',
    attributes: [],
    source: src.loc(node),
  };
  const stability = readStability(src, fields.values.get('stability'), what);
  if (stability) group.stability = stability;
  if (fields.values.has('deprecated')) {
    const deprecated = readDeprecation(src, fields.values.get('deprecated') ?? null, what);
    if (deprecated) group.deprecated = deprecated;
  }
  const extendsId = readString(src, fields, 'extends', what);
  if (extendsId !== undefined) group.extends = extendsId;
  const attributes = fields.values.get('attributes');
  if (attributes !== undefined) {
    if (!isSeq(attributes)) {
      src.report('schema.wrong-type', attributes ?? fields.keys.get('attributes'), `\`attributes\` of ${what} must be a list, found ${describe(attributes)}`);
    } else {
      for (const item of src.items(attributes)) {
        const attribute = readAttribute(src, item, what);
        if (attribute) group.attributes.push(attribute);
      }
    }
  }
  return group;
}

const V2_SECTION_TYPES: Record<string, string> = {
  attribute_groups: 'attribute_group', spans: 'span', span_refinements: 'span', events: 'event',
  event_refinements: 'event', metrics: 'metric', metric_refinements: 'metric', entities: 'entity', entity_refinements: 'entity',
};

/**
 * Weaver's `definition/2` files: top-level `attributes` define, every other section refers.
 * Definitions land in one group per file (`file:<path>`); each other item becomes a group of refs.
 */
function readDefinition2(src: YamlSource, root: Node, into: SourceGroup[]): void {
  const fields = readFields(src, root, V2_FILE_KEYS, 'a definition/2 file');
  if (!fields) return;
  const format = readString(src, fields, 'file_format', 'a definition/2 file');
  if (format !== 'definition/2') {
    src.report('schema.invalid-value', fields.values.get('file_format'), `file_format \`${format}\` is not supported`, 'use `definition/2`, or Weaver v1 `groups:`');
    return;
  }
  const definitions = fields.values.get('attributes');
  if (definitions !== undefined) {
    const group: SourceGroup = { id: `file:${src.path}`, type: 'attribute_group', brief: '', attributes: [], source: src.loc(definitions) };
    for (const item of listItems(src, definitions, '`attributes`')) {
      const attribute = readAttribute(src, item, `\`attributes\` in ${src.path}`, 2);
      if (attribute) group.attributes.push(attribute);
    }
    into.push(group);
  }
  for (const [section, type] of Object.entries(V2_SECTION_TYPES)) {
    const items = fields.values.get(section);
    if (items === undefined) continue;
    listItems(src, items, `\`${section}\``).forEach((item, index) => {
      if (!isMap(item)) {
        src.report('schema.wrong-type', item, `items of \`${section}\` must be mappings, found ${describe(item)}`);
        return;
      }
      const named = [item.get('id'), item.get('ref'), item.get('type')].find((v): v is string => typeof v === 'string');
      const location = src.loc(item);
      // v2 spans are named by type, which several files may refine: the position keeps ids unique.
      const id = `${section}:${named ?? index}@${location.file}:${location.line}`;
      const group: SourceGroup = { id, type, brief: '', attributes: [], source: location };
      const attributes = src.deref(item.get('attributes', true) as Node | undefined);
      if (attributes !== null) {
        for (const entry of listItems(src, attributes, `\`attributes\` of ${group.id}`)) {
          const attribute = readAttribute(src, entry, group.id, 2);
          if (attribute) group.attributes.push(attribute);
        }
      }
      into.push(group);
    });
  }
}

function listItems(src: YamlSource, raw: Node | null, what: string): (Node | null)[] {
  const node = src.deref(raw);
  if (isSeq(node)) return src.items(node);
  src.report('schema.wrong-type', node, `${what} must be a list, found ${describe(node)}`);
  return [];
}
