import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { readImports, type ImportPattern } from '../dependencies/imports.js';
import { ConventionsError, type Finding } from '../findings.js';
import { INSTRUMENTS, SPAN_KINDS, type GroupFields, type SourceLocation } from '../model.js';
import { readAttribute, readDeprecation, readStability, refuseUnsupported, type SourceAttribute } from './attribute.js';
import { FILE_KEYS, GROUP_KEYS, GROUP_TYPES, UNSUPPORTED_GROUP_KEYS, V2_FILE_KEYS, V2_SECTION_KEYS, V2_SPAN_NAME_KEYS } from './schema.js';
import { describe, readFields, readOneOf, readPlain, readString, readStringList, YamlSource, type Fields } from './yaml.js';

/** A group as written, v1 `groups` item or a `definition/2` section item made into one. */
export interface SourceGroup extends GroupFields {
  id: string;
  type: string;
  brief: string;
  attributes: SourceAttribute[];
  /** v2 `ref_group`s: attribute groups whose attributes this group takes in. */
  includeGroups: { id: string; source: SourceLocation }[];
  /** Which syntax the group was written in. */
  format: 1 | 2;
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
    const src = parseRegistryFile(display, readFileSync(file, 'utf8'), registry.groups, relative(dir, file));
    if (src.usable) readImports(src, registry.imports!);
    registry.findings.push(...src.findings);
  }
  return registry;
}

/** Parses one file's text, appending its groups to `into`. */
export function parseRegistryFile(path: string, text: string, into: SourceGroup[], relativePath = path): YamlSource {
  const src = new YamlSource(path, text);
  if (!src.usable) return src;
  const root = src.document.contents as Node | null;
  if (isMap(root) && root.has('file_format')) {
    readDefinition2(src, root, into, relativePath);
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
  const group = newGroup(id, type ?? 'undefined', 1, src.loc(node));
  readCommon(src, fields, what, group);
  for (const [key, field] of V1_STRING_FIELDS) {
    const value = readString(src, fields, key, what);
    if (value !== undefined) group[field] = value;
  }
  const instrument = readOneOf(src, fields, 'instrument', what, INSTRUMENTS);
  if (instrument) group.instrument = instrument;
  const spanKind = readOneOf(src, fields, 'span_kind', what, SPAN_KINDS);
  if (spanKind) group.spanKind = spanKind;
  const events = readStringList(src, fields, 'events', what);
  if (events) group.events = events;
  const associations = readStringList(src, fields, 'entity_associations', what);
  if (associations) group.entityAssociations = associations;
  const body = readPlain(fields, 'body');
  if (body !== undefined) group.body = body;
  refuseUnsupported(src, fields, UNSUPPORTED_GROUP_KEYS, what);
  const attributes = fields.values.get('attributes');
  // `attributes:` with nothing after it is a group without attributes (a metric often is).
  if (attributes !== undefined && attributes !== null && !(isScalar(attributes) && attributes.value === null)) {
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

/** v1 group keys whose string value a resolved group carries as is. */
const V1_STRING_FIELDS = [
  ['extends', 'extends'], ['prefix', 'prefix'], ['metric_name', 'metricName'], ['unit', 'unit'], ['name', 'name'], ['display_name', 'displayName'],
] as const;

function newGroup(id: string, type: string, format: 1 | 2, source: SourceLocation): SourceGroup {
  return { id, type, brief: '', attributes: [], includeGroups: [], format, source };
}

/** `brief`, `note`, `stability` and `deprecated`: every group and v2 item has them. */
function readCommon(src: YamlSource, fields: Fields, what: string, group: SourceGroup): void {
  group.brief = readString(src, fields, 'brief', what)?.trim() ?? '';
  const note = readString(src, fields, 'note', what)?.trim();
  if (note) group.note = note;
  const stability = readStability(src, fields.values.get('stability'), what);
  if (stability) group.stability = stability;
  if (fields.values.has('deprecated')) {
    const deprecated = readDeprecation(src, fields.values.get('deprecated') ?? null, what);
    if (deprecated) group.deprecated = deprecated;
  }
}

/** Where each `definition/2` section's items go: their group type and the id Weaver gives them. */
const V2_SECTIONS: Record<string, { type: string; idKey: string; prefix?: string; refines?: string }> = {
  attribute_groups: { type: 'attribute_group', idKey: 'id' },
  entities: { type: 'entity', idKey: 'type', prefix: 'entity.' },
  events: { type: 'event', idKey: 'name', prefix: 'event.' },
  metrics: { type: 'metric', idKey: 'name', prefix: 'metric.' },
  spans: { type: 'span', idKey: 'type', prefix: 'span.' },
  entity_refinements: { type: 'entity', idKey: 'id', refines: 'entity.' },
  event_refinements: { type: 'event', idKey: 'id', refines: 'event.' },
  metric_refinements: { type: 'metric', idKey: 'id', refines: 'metric.' },
  span_refinements: { type: 'span', idKey: 'id', refines: 'span.' },
};

/**
 * Weaver's `definition/2` files, read as Weaver converts them to v1 groups: top-level
 * `attributes` become the group `registry.<file>`; a metric `m` becomes `metric.m`, a span type
 * `t` `span.t`, an event `e` `event.e`, an entity type `t` `entity.t`; a refinement keeps its
 * `id` and extends the group it refines; `ref_group` takes in an attribute group's attributes.
 */
function readDefinition2(src: YamlSource, root: Node, into: SourceGroup[], relativePath: string): void {
  const fields = readFields(src, root, V2_FILE_KEYS, 'a definition/2 file');
  if (!fields) return;
  const format = readString(src, fields, 'file_format', 'a definition/2 file');
  if (format !== 'definition/2') {
    src.report('schema.invalid-value', fields.values.get('file_format'), `file_format \`${format}\` is not supported`, 'use `definition/2`, or Weaver v1 `groups:`');
    return;
  }
  const definitions = fields.values.get('attributes');
  if (definitions !== undefined) {
    // Weaver names the group after the file; the path inside the registry keeps it the same on every machine.
    const id = `registry.${relativePath.replace(/\\/g, '/').replace(/\.ya?ml$/, '')}`;
    const group = newGroup(id, 'attribute_group', 2, src.loc(definitions));
    group.brief = '<synthetic v2>';
    for (const item of listItems(src, definitions, '`attributes`')) {
      const attribute = readAttribute(src, item, `\`attributes\` in ${src.path}`, 2);
      if (attribute) group.attributes.push(attribute);
    }
    into.push(group);
  }
  for (const [section, shape] of Object.entries(V2_SECTIONS)) {
    const items = fields.values.get(section);
    if (items === undefined) continue;
    for (const item of listItems(src, items, `\`${section}\``)) {
      const group = readV2Item(src, item, section, shape);
      if (group) into.push(group);
    }
  }
}

function readV2Item(src: YamlSource, node: Node | null, section: string, shape: (typeof V2_SECTIONS)[string]): SourceGroup | undefined {
  const what = `an item of \`${section}\``;
  const fields = readFields(src, node, V2_SECTION_KEYS[section]!, what);
  if (!fields) return undefined;
  const named = readString(src, fields, shape.idKey, what, true);
  if (named === undefined) return undefined;
  const group = newGroup(`${shape.prefix ?? ''}${named}`, shape.type, 2, src.loc(node));
  const self = `${shape.type} \`${group.id}\``;
  readCommon(src, fields, self, group);
  if (shape.refines) {
    const ref = readString(src, fields, 'ref', self, true);
    if (ref !== undefined) group.extends = `${shape.refines}${ref}`;
  }
  if (section === 'attribute_groups') {
    if (!group.brief) group.brief = named;
    const visibility = readOneOf(src, fields, 'visibility', self, ['public', 'internal'] as const);
    if (visibility) group.visibility = visibility;
  }
  if (shape.type === 'metric') group.metricName = named;
  if (section === 'metrics') {
    const instrument = readOneOf(src, fields, 'instrument', self, INSTRUMENTS);
    if (instrument) group.instrument = instrument;
    const unit = readString(src, fields, 'unit', self, true);
    if (unit !== undefined) group.unit = unit;
  }
  if (section === 'spans') {
    const kind = readOneOf(src, fields, 'kind', self, SPAN_KINDS);
    if (kind) group.spanKind = kind;
    readFields(src, fields.values.get('name'), V2_SPAN_NAME_KEYS, `\`name\` of ${self}`);
  }
  if (shape.type !== 'metric') group.name = named;
  const associations = readStringList(src, fields, 'entity_associations', self);
  if (associations?.length) group.entityAssociations = associations;
  const body = readPlain(fields, 'body');
  if (body !== undefined) group.body = body;
  if (shape.type === 'entity') {
    readRefs(src, fields.values.get('identity'), self, group, 'identifying');
    readRefs(src, fields.values.get('description'), self, group, 'descriptive');
  } else {
    readRefs(src, fields.values.get('attributes'), self, group);
  }
  return group;
}

/** A v2 item's attribute list: `ref`s with their overrides, and `ref_group`s. */
function readRefs(src: YamlSource, raw: Node | null | undefined, what: string, group: SourceGroup, role?: 'identifying' | 'descriptive'): void {
  if (raw === undefined || raw === null || (isScalar(raw) && raw.value === null)) return;
  for (const entry of listItems(src, raw, `attributes of ${what}`)) {
    if (isMap(entry) && entry.has('ref_group')) {
      const fields = readFields(src, entry, ['ref_group'], `a \`ref_group\` of ${what}`);
      const id = fields && readString(src, fields, 'ref_group', what);
      if (id !== undefined && id !== null) group.includeGroups.push({ id, source: src.loc(entry) });
      continue;
    }
    const attribute = readAttribute(src, entry, what, 2);
    if (!attribute) continue;
    if (attribute.id !== undefined) {
      src.report('schema.unknown-key', entry, `${what} defines \`${attribute.id}\` with \`key\`; in definition/2 only top-level \`attributes\` define, groups \`ref\``);
      continue;
    }
    if (role) attribute.role = role;
    group.attributes.push(attribute);
  }
}
function listItems(src: YamlSource, raw: Node | null, what: string): (Node | null)[] {
  const node = src.deref(raw);
  if (isSeq(node)) return src.items(node);
  src.report('schema.wrong-type', node, `${what} must be a list, found ${describe(node)}`);
  return [];
}
