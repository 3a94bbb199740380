import type { Node } from 'yaml';
import type { Finding } from '../findings.js';
import {
  RESOLVED_GROUP_TYPES, SENSITIVITIES, STABILITIES, type Attribute, type Sensitivity, type GroupType, type AttributeType, type Deprecation, type EnumMember, type Group, type GroupAttributeRef,
  type RequirementLevel, type Stability,
} from '../model.js';
import { parseTypeName } from '../source/attribute.js';
import { YamlSource } from '../source/yaml.js';

/** A published registry read from Weaver's resolved form: its attributes and groups, and what was wrong. */
export interface ResolvedDependency {
  attributes: Attribute[];
  groups: Group[];
  findings: Finding[];
}

type Plain = Record<string, unknown>;

/**
 * Reads Weaver's resolved schema (`resolved_schema.yaml`: a `catalog` of attributes that
 * groups name by index) or the output of `weaver registry resolve` (groups with their
 * attributes inline). Everything it defines is upstream to the registry that depends on it.
 */
export function readResolvedSchema(path: string, text: string): ResolvedDependency {
  const src = new YamlSource(path, text);
  const out: ResolvedDependency = { attributes: [], groups: [], findings: src.findings };
  if (!src.usable) return out;
  const root = toPlain(src.document.contents as Node | null);
  const fail = (message: string, hint?: string): ResolvedDependency => {
    out.findings.push({ id: 'schema.not-a-registry', level: 'error', message, location: { file: path, line: 1, col: 1 }, ...(hint ? { hint } : {}) });
    return out;
  };
  if (!isPlain(root)) return fail(`${path} is not a resolved registry: expected a mapping`);
  const format = root.file_format;
  if (typeof format === 'string' && !/^1\./.test(format)) {
    out.findings.push({ id: 'schema.unsupported', level: 'error', message: `unsupported: resolved schema file_format \`${format}\``, location: { file: path, line: 1, col: 1 }, hint: 'Cairn reads resolved schemas of file_format 1.x (and `weaver registry resolve` output)' });
    return out;
  }
  const catalog = isPlain(root.catalog) && Array.isArray(root.catalog.attributes) ? root.catalog.attributes : [];
  const registry = isPlain(root.registry) ? root.registry : isPlain(root.registries) ? Object.values(root.registries).find(isPlain) : root;
  const groups = isPlain(registry) && Array.isArray(registry.groups) ? registry.groups : undefined;
  if (!groups) return fail(`${path} is not a resolved registry: it has no \`registry.groups\` (nor top-level \`groups\`)`, 'publish it with `weaver registry resolve` or `cairn resolve --format weaver`');
  const byKey = new Map<string, Attribute>();
  for (const raw of groups) {
    if (!isPlain(raw) || typeof raw.id !== 'string') continue;
    const type = raw.type === 'resource' ? 'entity' : (RESOLVED_GROUP_TYPES as readonly unknown[]).includes(raw.type) ? (raw.type as GroupType) : 'undefined';
    const group: Group = { id: raw.id, type, brief: text_(raw.brief), origin: 'upstream', attributes: [] };
    copyText(raw, group);
    const stability = stabilityOf(raw.stability);
    if (stability) group.stability = stability;
    const deprecated = deprecationOf(raw.deprecated);
    if (deprecated) group.deprecated = deprecated;
    for (const entry of Array.isArray(raw.attributes) ? raw.attributes : []) {
      const plain = typeof entry === 'number' ? catalog[entry] : entry;
      if (!isPlain(plain) || typeof plain.name !== 'string') continue;
      const ref: GroupAttributeRef = { key: plain.name };
      const level = requirementOf(plain.requirement_level);
      if (level) ref.requirementLevel = level;
      if (plain.role === 'identifying' || plain.role === 'descriptive') ref.role = plain.role;
      group.attributes.push(ref);
      // A `registry.*` group holds the definition; elsewhere the attribute may be refined.
      const existing = byKey.get(plain.name);
      if (!existing || (group.type === 'attribute_group' && group.id.startsWith('registry.') && !existing.group.startsWith('registry.'))) {
        byKey.set(plain.name, toAttribute(plain, plain.name, group.id));
      }
    }
    out.groups.push(group);
  }
  out.attributes = [...byKey.values()];
  return out;
}

/** The signal fields Weaver's resolved groups carry: names that imports and diffs read. */
function copyText(raw: Plain, group: Group): void {
  if (typeof raw.metric_name === 'string') group.metricName = raw.metric_name;
  if (typeof raw.name === 'string') group.name = raw.name;
  if (typeof raw.unit === 'string') group.unit = raw.unit;
  if (typeof raw.note === 'string' && raw.note.trim()) group.note = raw.note.trim();
  if (raw.instrument === 'counter' || raw.instrument === 'updowncounter' || raw.instrument === 'gauge' || raw.instrument === 'histogram') group.instrument = raw.instrument;
}

function toAttribute(raw: Plain, key: string, group: string): Attribute {
  const type = typeOf(raw.type);
  const attribute: Attribute = {
    key, type: type ?? { kind: 'unknown' }, typeSource: type ? 'declared' : 'unknown', brief: text_(raw.brief),
    origin: 'upstream', group, aliases: [], propagate: false,
  };
  if (typeof raw.note === 'string' && raw.note.trim()) attribute.note = raw.note.trim();
  if (raw.examples !== undefined && raw.examples !== null) attribute.examples = Array.isArray(raw.examples) ? raw.examples : [raw.examples];
  const stability = stabilityOf(raw.stability);
  if (stability) attribute.stability = stability;
  const deprecated = deprecationOf(raw.deprecated);
  if (deprecated) attribute.deprecated = deprecated;
  const level = requirementOf(raw.requirement_level);
  if (level) attribute.requirementLevel = level;
  // A registry Cairn published (`cairn resolve --format weaver`) keeps its annotations.
  const cairn = isPlain(raw.annotations) && isPlain(raw.annotations.cairn) ? raw.annotations.cairn : {};
  if (typeof cairn.owner === 'string') attribute.owner = cairn.owner;
  if ((SENSITIVITIES as readonly unknown[]).includes(cairn.sensitivity)) attribute.sensitivity = cairn.sensitivity as Sensitivity;
  if (Array.isArray(cairn.aliases)) attribute.aliases = cairn.aliases.filter((a): a is string => typeof a === 'string');
  if (cairn.propagate === true) attribute.propagate = true;
  return attribute;
}

function typeOf(raw: unknown): AttributeType | undefined {
  if (typeof raw === 'string') return parseTypeName(raw);
  if (!isPlain(raw) || !Array.isArray(raw.members)) return undefined;
  const members: EnumMember[] = [];
  for (const m of raw.members) {
    if (!isPlain(m) || typeof m.id !== 'string' || (typeof m.value !== 'string' && typeof m.value !== 'number')) continue;
    const member: EnumMember = { id: m.id, value: m.value };
    if (typeof m.brief === 'string' && m.brief.trim()) member.brief = m.brief.trim();
    const stability = stabilityOf(m.stability);
    if (stability) member.stability = stability;
    const deprecated = deprecationOf(m.deprecated);
    if (deprecated) member.deprecated = deprecated;
    members.push(member);
  }
  const values = members.map((m) => m.value);
  const base = values.every((v) => typeof v === 'string') ? 'string' : values.every((v) => Number.isInteger(v)) ? 'int' : 'double';
  return { kind: 'enum', base, members };
}

function stabilityOf(raw: unknown): Stability | undefined {
  if (raw === 'experimental') return 'development';
  return typeof raw === 'string' && (STABILITIES as readonly string[]).includes(raw) ? (raw as Stability) : undefined;
}

function deprecationOf(raw: unknown): Deprecation | undefined {
  if (typeof raw === 'string') return { reason: 'uncategorized', note: raw };
  if (raw === true) return { reason: 'uncategorized' };
  if (!isPlain(raw)) return undefined;
  const note = typeof raw.note === 'string' ? { note: raw.note } : {};
  if (raw.reason === 'renamed' && typeof raw.renamed_to === 'string') return { reason: 'renamed', renamedTo: raw.renamed_to, ...note };
  if (raw.reason === 'obsoleted') return { reason: 'obsoleted', ...note };
  return { reason: 'uncategorized', ...note };
}

function requirementOf(raw: unknown): RequirementLevel | undefined {
  if (raw === 'required' || raw === 'recommended' || raw === 'opt_in' || raw === 'conditionally_required') return raw;
  if (isPlain(raw)) {
    for (const level of ['required', 'recommended', 'opt_in', 'conditionally_required'] as const) if (level in raw) return level;
  }
  return undefined;
}

function text_(raw: unknown): string {
  return typeof raw === 'string' ? raw.trim() : '';
}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toPlain(node: Node | null): unknown {
  try {
    return node?.toJSON() ?? null;
  } catch {
    return null;
  }
}
