import { didYouMean, formatLocation, type Finding } from './findings.js';
import { byKey, type Attribute, type Group, type Manifest, type Origin, type ResolvedRegistry } from './model.js';
import type { SourceAttribute } from './source/attribute.js';
import type { SourceRegistry } from './source/load.js';
import type { UpstreamRegistry } from './upstream/index.js';

export interface Definitions {
  attributes: Map<string, Attribute>;
  groups: Group[];
  findings: Finding[];
}

/** The attributes a registry defines (`id`) and its groups, with duplicates reported. */
export function definitionsOf(source: SourceRegistry, origin: Origin): Definitions {
  const attributes = new Map<string, Attribute>();
  const groups: Group[] = [];
  const findings: Finding[] = [];
  const groupIds = new Map<string, Group>();
  for (const sourceGroup of source.groups) {
    const group: Group = {
      id: sourceGroup.id,
      type: (sourceGroup.type === 'resource' ? 'entity' : sourceGroup.type) as Group['type'],
      brief: sourceGroup.brief,
      origin,
      attributes: [],
      source: sourceGroup.source,
    };
    if (sourceGroup.stability) group.stability = sourceGroup.stability;
    if (sourceGroup.deprecated) group.deprecated = sourceGroup.deprecated;
    const first = groupIds.get(group.id);
    if (first) {
      findings.push({
        id: 'duplicate.group', level: 'error', message: `group \`${group.id}\` is defined twice`,
        location: sourceGroup.source, hint: `the first definition is at ${where(first.source)}; rename or merge one`,
      });
    } else {
      groupIds.set(group.id, group);
    }
    groups.push(group);
    for (const sourceAttribute of sourceGroup.attributes) {
      const key = sourceAttribute.id ?? sourceAttribute.ref!;
      const ref = { key, source: sourceAttribute.source, ...(sourceAttribute.requirementLevel ? { requirementLevel: sourceAttribute.requirementLevel } : {}) };
      group.attributes.push(ref);
      if (sourceAttribute.id === undefined) continue;
      findings.push(...duplicateMembers(sourceAttribute));
      const existing = attributes.get(key);
      if (existing) {
        findings.push({
          id: 'duplicate.attribute', level: 'error', message: `attribute \`${key}\` is defined twice`,
          location: sourceAttribute.source, attribute: key,
          hint: `the first definition is at ${where(existing.source)}; keep one and use \`ref: ${key}\` elsewhere`,
        });
        continue;
      }
      attributes.set(key, toAttribute(sourceAttribute, key, origin, group.id));
    }
  }
  return { attributes, groups, findings };
}

function toAttribute(source: SourceAttribute, key: string, origin: Origin, group: string): Attribute {
  const attribute: Attribute = {
    key,
    type: source.type ?? { kind: 'unknown' },
    typeSource: source.type ? 'declared' : 'unknown',
    brief: source.brief ?? '',
    origin,
    group,
    aliases: source.cairn?.aliases ?? [],
    propagate: source.cairn?.propagate ?? false,
    source: source.source,
  };
  if (source.note !== undefined) attribute.note = source.note;
  if (source.examples !== undefined) attribute.examples = source.examples;
  if (source.stability) attribute.stability = source.stability;
  if (source.deprecated) attribute.deprecated = source.deprecated;
  if (source.requirementLevel) attribute.requirementLevel = source.requirementLevel;
  if (source.cairn?.owner !== undefined) attribute.owner = source.cairn.owner;
  if (source.cairn?.sensitivity) attribute.sensitivity = source.cairn.sensitivity;
  return attribute;
}

function duplicateMembers(attribute: SourceAttribute): Finding[] {
  if (attribute.type?.kind !== 'enum') return [];
  const findings: Finding[] = [];
  const ids = new Set<string>();
  const values = new Set<string | number>();
  // A deprecated member may share its value with its replacement (a renamed member id).
  attribute.type.members.forEach((member, index) => {
    const location = attribute.memberSources?.[index] ?? attribute.source;
    if (ids.has(member.id)) {
      findings.push({ id: 'duplicate.enum-member', level: 'error', message: `enum member id \`${member.id}\` of \`${attribute.id}\` appears twice`, location, attribute: attribute.id!, hint: 'give each member a unique id' });
    }
    if (values.has(member.value) && !member.deprecated) {
      findings.push({ id: 'duplicate.enum-member', level: 'error', message: `enum value ${JSON.stringify(member.value)} of \`${attribute.id}\` appears twice`, location, attribute: attribute.id!, hint: 'give each member a unique value' });
    }
    ids.add(member.id);
    if (!member.deprecated) values.add(member.value);
  });
  return findings;
}

function where(location: Attribute['source']): string {
  return location ? formatLocation(location) : 'the upstream registry';
}

export interface Resolution {
  registry: ResolvedRegistry;
  findings: Finding[];
}

/**
 * Resolves an org registry on top of its upstream: org definitions join the upstream ones,
 * `ref`s are checked, and Cairn annotations on `ref`s refine the attribute they name (this is
 * how an org gives an upstream attribute such as `user.email` an owner and a sensitivity).
 */
export function resolveRegistry(org: SourceRegistry, manifest: Manifest, upstream: UpstreamRegistry): Resolution {
  const definitions = definitionsOf(org, 'org');
  const findings: Finding[] = [...definitions.findings];
  const merged = new Map<string, Attribute>();
  for (const attribute of upstream.attributes) merged.set(attribute.key, { ...attribute, aliases: [...attribute.aliases] });
  for (const [key, attribute] of definitions.attributes) {
    if (merged.has(key)) {
      findings.push({
        id: 'upstream.redefinition', level: 'error', attribute: key, location: attribute.source,
        message: `\`${key}\` is already defined by OpenTelemetry; the registry must not redefine it`,
        hint: `use \`ref: ${key}\` and put Cairn annotations (owner, sensitivity, aliases) on the ref`,
      });
      continue;
    }
    merged.set(key, attribute);
  }

  const groupIds = new Set([...upstream.groups, ...definitions.groups].map((g) => g.id));
  for (const group of org.groups) {
    if (group.extends !== undefined && !groupIds.has(group.extends)) {
      const suggestion = didYouMean(group.extends, groupIds);
      findings.push({
        id: 'ref.unknown-group', level: 'error', location: group.source,
        message: `group \`${group.id}\` extends \`${group.extends}\`, which no registry defines`,
        hint: suggestion ? `did you mean \`${suggestion}\`?` : 'name a group id from this registry or the upstream one',
      });
    }
    for (const attribute of group.attributes) {
      if (attribute.ref === undefined) continue;
      const target = merged.get(attribute.ref);
      if (!target) {
        const suggestion = didYouMean(attribute.ref, merged.keys());
        findings.push({
          id: 'ref.unknown', level: 'error', location: attribute.source, attribute: attribute.ref,
          message: `\`ref: ${attribute.ref}\` names an attribute that neither this registry nor upstream defines`,
          hint: suggestion ? `did you mean \`${suggestion}\`?` : `define it with \`id: ${attribute.ref}\` in a registry group`,
        });
        continue;
      }
      if (attribute.cairn) findings.push(...refine(target, attribute));
    }
  }

  const attributes = [...merged.values()].sort(byKey);
  const aliases: Record<string, string> = {};
  for (const attribute of attributes) {
    for (const alias of attribute.aliases) {
      const taken = aliases[alias];
      if (taken !== undefined && taken !== attribute.key) {
        findings.push({
          id: 'alias.duplicate', level: 'error', attribute: attribute.key, location: attribute.refinedAt ?? attribute.source,
          message: `alias \`${alias}\` is claimed by both \`${taken}\` and \`${attribute.key}\``,
          hint: 'an old name can lead to one attribute only; remove it from one of them',
        });
        continue;
      }
      aliases[alias] = attribute.key;
    }
  }
  return {
    registry: {
      manifest,
      upstream: upstream.info,
      attributes,
      groups: [...definitions.groups, ...upstream.groups],
      aliases,
    },
    findings,
  };
}

function refine(target: Attribute, ref: SourceAttribute): Finding[] {
  const cairn = ref.cairn!;
  const findings: Finding[] = [];
  const conflict = (field: string, was: unknown, now: unknown): void => {
    findings.push({
      id: 'refine.conflict', level: 'warning', attribute: target.key, location: cairn.source,
      message: `\`${target.key}\` already has ${field} ${JSON.stringify(was)}; this ref sets ${JSON.stringify(now)}`,
      hint: 'declare Cairn annotations for an attribute in one place',
    });
  };
  if (cairn.owner !== undefined) {
    if (target.owner !== undefined && target.owner !== cairn.owner) conflict('owner', target.owner, cairn.owner);
    else target.owner = cairn.owner;
  }
  if (cairn.sensitivity !== undefined) {
    if (target.sensitivity !== undefined && target.sensitivity !== cairn.sensitivity) conflict('sensitivity', target.sensitivity, cairn.sensitivity);
    else target.sensitivity = cairn.sensitivity;
  }
  if (cairn.propagate !== undefined) target.propagate = cairn.propagate;
  for (const alias of cairn.aliases ?? []) if (!target.aliases.includes(alias)) target.aliases.push(alias);
  target.refinedAt = cairn.source;
  return findings;
}
