import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { didYouMean } from '../findings.js';
import {
  PRIMITIVE_TYPES, SENSITIVITIES, STABILITIES,
  type AttributeRole, type AttributeType, type Deprecation, type EnumMember, type PrimitiveType, type RequirementLevel,
  type Sensitivity, type SourceLocation, type Stability,
} from '../model.js';
import {
  ATTRIBUTE_KEYS, CAIRN_KEYS, V2_ATTRIBUTE_KEYS, DEPRECATED_KEYS, DEPRECATION_REASONS, ENUM_TYPE_KEYS, MEMBER_KEYS,
  REQUIREMENT_LEVEL_KEYS, REQUIREMENT_LEVELS, ROLES, TYPE_NAMES, UNSUPPORTED_ATTRIBUTE_KEYS,
} from './schema.js';
import { describe, readBoolean, readFields, readOneOf, readPlain, readString, readStringList, type YamlSource } from './yaml.js';

/** Cairn's extension block, `annotations.cairn`. */
export interface CairnAnnotations {
  owner?: string;
  sensitivity?: Sensitivity;
  aliases?: string[];
  propagate?: boolean;
  source: SourceLocation;
}

/** An attribute as written in a file: either a definition (`id`) or a reference (`ref`). */
export interface SourceAttribute {
  id?: string;
  ref?: string;
  type?: AttributeType;
  brief?: string;
  note?: string;
  examples?: unknown[];
  stability?: Stability;
  deprecated?: Deprecation;
  requirementLevel?: RequirementLevel;
  /** The condition of `conditionally_required`, or the text given with another level. */
  requirementText?: string;
  samplingRelevant?: boolean;
  tag?: string;
  role?: AttributeRole;
  cairn?: CairnAnnotations;
  source: SourceLocation;
  /** Positions of enum members, for duplicate-member findings. */
  memberSources?: SourceLocation[];
}

const TYPE_SPELLINGS: readonly string[] = [...TYPE_NAMES, ...TYPE_NAMES.map((t) => `template[${t}]`)];

/**
 * Reads one attribute. Weaver's v1 files name a definition `id`; `definition/2` files name it
 * `key` and list definitions apart from the groups that `ref` them.
 */
export function readAttribute(src: YamlSource, node: Node | null, groupId: string, format: 1 | 2 = 1): SourceAttribute | undefined {
  const what = `an attribute of ${groupId}`;
  const fields = readFields(src, node, format === 1 ? ATTRIBUTE_KEYS : V2_ATTRIBUTE_KEYS, what);
  if (!fields) return undefined;
  const attribute: SourceAttribute = { source: src.loc(node) };
  const id = readString(src, fields, format === 1 ? 'id' : 'key', what);
  const ref = readString(src, fields, 'ref', what);
  if (id === undefined && ref === undefined) {
    if (format === 2 && fields.values.has('ref_group')) return undefined;
    src.report('schema.missing-key', node, `${what} needs an \`${format === 1 ? 'id' : 'key'}\` (to define it) or a \`ref\` (to use one defined elsewhere)`);
    return undefined;
  }
  if (id !== undefined && ref !== undefined) {
    src.report('schema.conflict', fields.keys.get('ref'), `${what} has both \`id\` and \`ref\``, 'keep `id` to define the attribute here, or `ref` to reuse it');
  }
  const name = id ?? ref!;
  const self = `attribute \`${name}\``;
  if (id !== undefined) attribute.id = id;
  else attribute.ref = ref!;

  if (fields.values.has('type')) {
    const type = readType(src, fields.values.get('type') ?? null, self, attribute);
    if (type) attribute.type = type;
  } else if (id !== undefined) {
    src.report('schema.missing-key', node, `${self} needs a \`type\``, 'for example `type: string`');
  }
  const brief = readString(src, fields, 'brief', self);
  if (brief !== undefined) attribute.brief = brief.trim();
  const note = readString(src, fields, 'note', self);
  if (note !== undefined) attribute.note = note.trim();
  const examples = readPlain(fields, 'examples');
  if (examples !== undefined) attribute.examples = Array.isArray(examples) ? examples : [examples];
  const stability = readStability(src, fields.values.get('stability'), self);
  if (stability) attribute.stability = stability;
  if (fields.values.has('deprecated')) {
    const deprecated = readDeprecation(src, fields.values.get('deprecated') ?? null, self);
    if (deprecated) attribute.deprecated = deprecated;
  }
  if (fields.values.has('requirement_level')) {
    const level = readRequirementLevel(src, fields.values.get('requirement_level') ?? null, self);
    if (level) {
      attribute.requirementLevel = level.level;
      if (level.text !== undefined) attribute.requirementText = level.text;
    }
  }
  const samplingRelevant = readBoolean(src, fields, 'sampling_relevant', self);
  if (samplingRelevant !== undefined) attribute.samplingRelevant = samplingRelevant;
  const tag = readString(src, fields, 'tag', self);
  if (tag !== undefined) attribute.tag = tag;
  const role = readOneOf(src, fields, 'role', self, ROLES);
  if (role) attribute.role = role;
  refuseUnsupported(src, fields, UNSUPPORTED_ATTRIBUTE_KEYS, self);
  const annotations = fields.values.get('annotations');
  if (annotations !== undefined) {
    const cairn = readCairn(src, annotations, self);
    if (cairn) attribute.cairn = cairn;
  }
  return attribute;
}

export function readStability(src: YamlSource, node: Node | null | undefined, what: string): Stability | undefined {
  if (node === undefined) return undefined;
  if (isScalar(node) && node.value === 'experimental') return 'development';
  if (isScalar(node) && typeof node.value === 'string' && (STABILITIES as readonly string[]).includes(node.value)) {
    return node.value as Stability;
  }
  const spelled = isScalar(node) ? String(node.value) : describe(node);
  const suggestion = didYouMean(spelled, STABILITIES);
  src.report(
    'schema.invalid-value',
    node,
    `\`stability\` of ${what} is \`${spelled}\`; it must be one of ${STABILITIES.join(', ')}`,
    suggestion ? `did you mean \`${suggestion}\`?` : undefined,
  );
  return undefined;
}

function readType(src: YamlSource, node: Node | null, what: string, attribute: SourceAttribute): AttributeType | undefined {
  if (isScalar(node) && typeof node.value === 'string') {
    const parsed = parseTypeName(node.value);
    if (parsed) return parsed;
    const suggestion = didYouMean(node.value, TYPE_SPELLINGS) ?? TYPE_ALIASES[node.value];
    src.report(
      'schema.wrong-type',
      node,
      `\`type\` of ${what} is \`${node.value}\`, which is not a type`,
      suggestion ? `did you mean \`${suggestion}\`?` : `use one of ${TYPE_NAMES.join(', ')}, template[...], or an enum with \`members\``,
    );
    return undefined;
  }
  const fields = readFields(src, node, ENUM_TYPE_KEYS, `the enum type of ${what}`);
  if (!fields) return undefined;
  const membersNode = fields.values.get('members');
  if (!isSeq(membersNode)) {
    src.report('schema.missing-key', membersNode ?? node, `the enum type of ${what} needs a list of \`members\``);
    return undefined;
  }
  const members: EnumMember[] = [];
  const memberSources: SourceLocation[] = [];
  for (const item of src.items(membersNode)) {
    const member = readMember(src, item, what);
    if (member) {
      members.push(member);
      memberSources.push(src.loc(item));
    }
  }
  attribute.memberSources = memberSources;
  const base = members.every((m) => typeof m.value === 'string')
    ? 'string'
    : members.every((m) => Number.isInteger(m.value)) ? 'int' : members.every((m) => typeof m.value === 'number') ? 'double' : undefined;
  if (!base) {
    src.report('schema.wrong-type', membersNode, `members of ${what} mix strings and numbers`, 'give every member a value of the same type');
    return undefined;
  }
  return { kind: 'enum', base, members };
}

/** Common misspellings that edit distance does not catch. */
const TYPE_ALIASES: Record<string, string> = {
  integer: 'int', bool: 'boolean', float: 'double', number: 'double', long: 'int', str: 'string', text: 'string',
};

export function parseTypeName(name: string): AttributeType | undefined {
  const template = /^template\[(.+)\]$/.exec(name);
  if (template) {
    const inner = parseTypeName(template[1]!);
    return inner && inner.kind !== 'template' && inner.kind !== 'enum' ? { kind: 'template', inner } : undefined;
  }
  if (name === 'any') return { kind: 'any' };
  if (name.endsWith('[]')) {
    const element = name.slice(0, -2);
    return (PRIMITIVE_TYPES as readonly string[]).includes(element) ? { kind: 'array', element: element as PrimitiveType } : undefined;
  }
  return (PRIMITIVE_TYPES as readonly string[]).includes(name) ? { kind: 'primitive', name: name as PrimitiveType } : undefined;
}

function readMember(src: YamlSource, node: Node | null, what: string): EnumMember | undefined {
  const fields = readFields(src, node, MEMBER_KEYS, `an enum member of ${what}`);
  if (!fields) return undefined;
  const id = readString(src, fields, 'id', `an enum member of ${what}`, true);
  const valueNode = fields.values.get('value');
  if (id === undefined) return undefined;
  if (!isScalar(valueNode) || (typeof valueNode.value !== 'string' && typeof valueNode.value !== 'number')) {
    src.report('schema.wrong-type', valueNode ?? node, `member \`${id}\` of ${what} needs a string or number \`value\`, found ${describe(valueNode)}`);
    return undefined;
  }
  const member: EnumMember = { id, value: valueNode.value };
  const brief = readString(src, fields, 'brief', `member \`${id}\``);
  if (brief !== undefined) member.brief = brief.trim();
  const stability = readStability(src, fields.values.get('stability'), `member \`${id}\``);
  if (stability) member.stability = stability;
  if (fields.values.has('deprecated')) {
    const deprecated = readDeprecation(src, fields.values.get('deprecated') ?? null, `member \`${id}\``);
    if (deprecated) member.deprecated = deprecated;
  }
  return member;
}

export function readDeprecation(src: YamlSource, node: Node | null, what: string): Deprecation | undefined {
  // Weaver's older form: `deprecated: "Replaced by x."`.
  if (isScalar(node) && typeof node.value === 'string') return { reason: 'uncategorized', note: node.value };
  // `deprecated: true` says only that it is; `false` that it is not.
  if (isScalar(node) && typeof node.value === 'boolean') return node.value ? { reason: 'uncategorized' } : undefined;
  const fields = readFields(src, node, DEPRECATED_KEYS, `\`deprecated\` of ${what}`);
  if (!fields) return undefined;
  const reason = fields.values.has('reason')
    ? readOneOf(src, fields, 'reason', `\`deprecated\` of ${what}`, DEPRECATION_REASONS)
    : (src.report('schema.missing-key', node, `\`deprecated\` of ${what} needs a \`reason\``, `one of ${DEPRECATION_REASONS.join(', ')}`), undefined);
  if (!reason) return undefined;
  const note = readString(src, fields, 'note', `\`deprecated\` of ${what}`)?.trim();
  if (reason === 'renamed') {
    const renamedTo = readString(src, fields, 'renamed_to', `\`deprecated\` of ${what}`, true);
    if (renamedTo === undefined) return undefined;
    return note ? { reason, renamedTo, note } : { reason, renamedTo };
  }
  return note ? { reason, note } : { reason };
}

/**
 * `required`, or a one-key mapping whose value is the text: the condition of
 * `conditionally_required`, or why an attribute is `recommended`/`opt_in`.
 */
function readRequirementLevel(src: YamlSource, node: Node | null, what: string): { level: RequirementLevel; text?: string } | undefined {
  if (isScalar(node) && typeof node.value === 'string' && (REQUIREMENT_LEVELS as readonly string[]).includes(node.value)) {
    return { level: node.value as RequirementLevel };
  }
  const scope = `\`requirement_level\` of ${what}`;
  if (isMap(node) && node.items.length === 1) {
    const fields = readFields(src, node, REQUIREMENT_LEVEL_KEYS, scope);
    const [first] = fields ? [...fields.values.keys()] : [];
    if (first) {
      const text = readString(src, fields!, first, scope);
      return text === undefined ? { level: first as RequirementLevel } : { level: first as RequirementLevel, text: text.trim() };
    }
    return undefined;
  }
  src.report('schema.invalid-value', node, `\`requirement_level\` of ${what} must be one of ${REQUIREMENT_LEVEL_KEYS.join(', ')} (conditionally_required takes a condition), found ${describe(node)}`);
  return undefined;
}

/** Reports each key of `fields` that Weaver knows and Cairn does not resolve. */
export function refuseUnsupported(src: YamlSource, fields: { keys: Map<string, Node> }, keys: readonly string[], what: string): void {
  for (const key of keys) {
    const node = fields.keys.get(key);
    if (node === undefined) continue;
    const at = src.loc(node);
    src.report('schema.unsupported', node, `unsupported: ${key} at ${at.file}:${at.line} (in ${what})`, 'Cairn refuses what it cannot resolve; see the construct table in docs/conventions.md');
  }
}

function readCairn(src: YamlSource, annotations: Node | null, what: string): CairnAnnotations | undefined {
  // Other tools' annotations are theirs: only `cairn` is read, and only when it is there.
  if (!isMap(annotations)) {
    src.report('schema.wrong-type', annotations, `\`annotations\` of ${what} must be a mapping, found ${describe(annotations)}`);
    return undefined;
  }
  const cairnNode = annotations.get('cairn', true) as Node | undefined;
  if (cairnNode === undefined) return undefined;
  const scope = `\`annotations.cairn\` of ${what}`;
  const fields = readFields(src, cairnNode, CAIRN_KEYS, scope);
  if (!fields) return undefined;
  const cairn: CairnAnnotations = { source: src.loc(cairnNode) };
  const owner = readString(src, fields, 'owner', scope);
  if (owner !== undefined) cairn.owner = owner;
  const sensitivity = readOneOf(src, fields, 'sensitivity', scope, SENSITIVITIES);
  if (sensitivity) cairn.sensitivity = sensitivity;
  const aliases = readStringList(src, fields, 'aliases', scope);
  if (aliases) cairn.aliases = aliases;
  const propagate = readBoolean(src, fields, 'propagate', scope);
  if (propagate !== undefined) cairn.propagate = propagate;
  return cairn;
}
