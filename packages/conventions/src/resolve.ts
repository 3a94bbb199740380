import { formatLocation, type Finding } from './findings.js';
import { attributeKey, resolveGroups } from './groups.js';
import { byKey, type Attribute, type Group, type Manifest, type Origin, type ResolvedRegistry } from './model.js';
import type { SourceAttribute } from './source/attribute.js';
import type { SourceRegistry } from './source/load.js';
import type { UpstreamRegistry } from './upstream/index.js';

export interface Definitions {
  attributes: Map<string, Attribute>;
  groups: Group[];
  findings: Finding[];
}

/**
 * The attributes a registry defines (`id`, with its group's v1 `prefix`), with duplicates and
 * conflicts reported: Weaver's attribute catalog.
 */
export function catalogOf(source: SourceRegistry, origin: Origin): { attributes: Map<string, Attribute>; findings: Finding[] } {
  const attributes = new Map<string, Attribute>();
  const findings: Finding[] = [];
  for (const group of source.groups) {
    for (const sourceAttribute of group.attributes) {
      if (sourceAttribute.id === undefined) continue;
      const key = attributeKey(group, sourceAttribute);
      findings.push(...duplicateMembers(sourceAttribute));
      const attribute = toAttribute(sourceAttribute, key, origin, group.id);
      const existing = attributes.get(key);
      if (!existing) {
        attributes.set(key, attribute);
        continue;
      }
      const differs = definitionText(existing) !== definitionText(attribute);
      findings.push(differs
        ? {
          id: 'attribute.conflict', level: 'error', attribute: key, location: sourceAttribute.source,
          message: `attribute \`${key}\` is defined differently in groups \`${existing.group}\` and \`${group.id}\``,
          hint: `the first definition is at ${where(existing.source)}; define it once and use \`ref: ${key}\` elsewhere`,
        }
        : {
          id: 'duplicate.attribute', level: 'error', attribute: key, location: sourceAttribute.source,
          message: `attribute \`${key}\` is defined twice`,
          hint: `the first definition is at ${where(existing.source)}; keep one and use \`ref: ${key}\` elsewhere`,
        });
    }
  }
  return { attributes, findings };
}

/** What makes two definitions of one key the same definition. */
function definitionText(a: Attribute): string {
  return JSON.stringify([a.type, a.brief, a.note, a.examples, a.stability, a.deprecated, a.requirementLevel]);
}

/** The groups a registry declares, twice-declared ids reported. */
function duplicateGroups(source: SourceRegistry, external: ReadonlyMap<string, Group>): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, Group['source']>();
  for (const group of external.values()) seen.set(group.id, group.source);
  for (const group of source.groups) {
    if (seen.has(group.id)) {
      findings.push({
        id: 'duplicate.group', level: 'error', message: `group \`${group.id}\` is defined twice`,
        location: group.source, hint: `the first definition is at ${where(seen.get(group.id))}; rename or merge one`,
      });
      continue;
    }
    seen.set(group.id, group.source);
  }
  return findings;
}

/** A registry resolved on its own: its catalog and its groups. The upstream model is one. */
export function definitionsOf(source: SourceRegistry, origin: Origin): Definitions {
  const catalog = catalogOf(source, origin);
  const resolved = resolveGroups(source.groups, catalog.attributes, origin);
  return {
    attributes: catalog.attributes,
    groups: resolved.groups,
    findings: [...duplicateGroups(source, new Map()), ...catalog.findings, ...resolved.findings],
  };
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
  if (source.requirementText !== undefined) attribute.requirementText = source.requirementText;
  if (source.samplingRelevant !== undefined) attribute.samplingRelevant = source.samplingRelevant;
  if (source.tag !== undefined) attribute.tag = source.tag;
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
  const definitions = catalogOf(org, 'org');
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

  const upstreamGroups = new Map(upstream.groups.map((g) => [g.id, g]));
  findings.push(...duplicateGroups(org, upstreamGroups));
  const resolved = resolveGroups(org.groups, merged, 'org', upstreamGroups);
  findings.push(...resolved.findings);
  for (const group of org.groups) {
    for (const attribute of group.attributes) {
      if (attribute.ref === undefined || !attribute.cairn) continue;
      const target = merged.get(attribute.ref);
      if (target) findings.push(...refine(target, attribute));
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
      groups: [...resolved.groups, ...upstream.groups],
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
