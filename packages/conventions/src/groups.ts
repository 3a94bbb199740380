import { didYouMean, formatLocation, type Finding } from './findings.js';
import { GROUP_FIELDS, type Attribute, type Group, type GroupAttributeRef, type GroupType, type Origin, type SourceLocation } from './model.js';
import type { SourceAttribute } from './source/attribute.js';
import type { SourceGroup } from './source/load.js';

/** The key an attribute of a group names: a definition's id (with the group's v1 `prefix`) or a ref. */
export function attributeKey(group: SourceGroup, attribute: SourceAttribute): string {
  if (attribute.id === undefined) return attribute.ref!;
  return group.prefix ? `${group.prefix}.${attribute.id}` : attribute.id;
}

/**
 * Resolves groups as Weaver does. A group's attributes are, in this order: those of the group it
 * `extends` (whole chains, resolved first), those of its `ref_group`s, then its own. Its own
 * `ref`s override what it inherited field by field (a field the ref leaves out keeps the
 * inherited value), and a field no group sets comes from the registry attribute; the
 * requirement level defaults to `recommended`. `external` holds already resolved groups (the
 * upstream's) that `extends` and `ref_group` may name.
 */
export function resolveGroups(
  sources: SourceGroup[],
  catalog: ReadonlyMap<string, Attribute>,
  origin: Origin,
  external: ReadonlyMap<string, Group> = new Map(),
): { groups: Group[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const byId = new Map<string, SourceGroup>();
  for (const source of sources) if (!byId.has(source.id)) byId.set(source.id, source);
  const resolved = new Map<SourceGroup, Group>();
  const visiting = new Set<SourceGroup>();
  const path: SourceGroup[] = [];

  const parentOf = (id: string, from: SourceGroup, source: SourceLocation, how: string): Group | undefined => {
    const local = byId.get(id);
    if (local) {
      if (visiting.has(local)) {
        const cycle = [...path.slice(path.indexOf(local)).map((g) => g.id), id].join(' → ');
        findings.push({
          id: 'extends.cycle', level: 'error', location: source,
          message: `group \`${from.id}\` ${how} \`${id}\`, which leads back to it: ${cycle}`,
          hint: 'break the cycle: a group cannot inherit from itself',
        });
        return undefined;
      }
      return resolve(local);
    }
    const outside = external.get(id);
    if (outside) return outside;
    const suggestion = didYouMean(id, [...byId.keys(), ...external.keys()]);
    findings.push({
      id: 'ref.unknown-group', level: 'error', location: source,
      message: `group \`${from.id}\` ${how} \`${id}\`, which no registry defines`,
      hint: suggestion ? `did you mean \`${suggestion}\`?` : 'name a group id from this registry or the upstream one',
    });
    return undefined;
  };

  const resolve = (source: SourceGroup): Group => {
    const done = resolved.get(source);
    if (done) return done;
    visiting.add(source);
    path.push(source);
    const members = new Map<string, GroupAttributeRef>();
    // What a group extends comes first; a `ref_group` adds only keys not there yet.
    const inherit = (parent: Group | undefined): void => {
      if (!parent) return;
      for (const ref of parent.attributes) if (!members.has(ref.key)) members.set(ref.key, { ...ref, inheritedFrom: parent.id });
    };
    if (source.extends !== undefined) inherit(parentOf(source.extends, source, source.source, 'extends'));
    for (const include of source.includeGroups) inherit(parentOf(include.id, source, include.source, 'takes in (`ref_group`)'));
    for (const attribute of source.attributes) {
      const key = attributeKey(source, attribute);
      const target = catalog.get(key);
      if (!target) {
        if (attribute.ref !== undefined) findings.push(unknownRef(attribute, catalog));
        continue;
      }
      // A definition replaces what was inherited; a ref refines it.
      const inherited = attribute.id === undefined ? members.get(key) : undefined;
      members.set(key, overlay(inherited ?? base(target), attribute));
    }
    const group = toGroup(source, origin, [...members.values()]);
    path.pop();
    visiting.delete(source);
    resolved.set(source, group);
    return group;
  };

  const groups = sources.map(resolve);
  findings.push(...emptyGroups(groups), ...duplicateMetrics(sources, external));
  return { groups, findings };
}

/** The group-level view of a registry attribute, before any group overrides it. */
function base(attribute: Attribute): GroupAttributeRef {
  const ref: GroupAttributeRef = { key: attribute.key, requirementLevel: attribute.requirementLevel ?? 'recommended', brief: attribute.brief };
  if (attribute.note !== undefined) ref.note = attribute.note;
  if (attribute.examples !== undefined) ref.examples = attribute.examples;
  if (attribute.stability) ref.stability = attribute.stability;
  if (attribute.deprecated) ref.deprecated = attribute.deprecated;
  if (attribute.requirementText !== undefined) ref.requirementText = attribute.requirementText;
  if (attribute.samplingRelevant !== undefined) ref.samplingRelevant = attribute.samplingRelevant;
  if (attribute.tag !== undefined) ref.tag = attribute.tag;
  if (attribute.source) ref.source = attribute.source;
  return ref;
}

/** `under` with every field that `spec` sets replaced: Weaver's ref override. */
function overlay(under: GroupAttributeRef, spec: SourceAttribute): GroupAttributeRef {
  const ref: GroupAttributeRef = { ...under, source: spec.source };
  delete ref.inheritedFrom;
  if (spec.brief !== undefined) ref.brief = spec.brief;
  if (spec.note !== undefined) ref.note = spec.note;
  if (spec.examples !== undefined) ref.examples = spec.examples;
  if (spec.requirementLevel !== undefined) {
    ref.requirementLevel = spec.requirementLevel;
    // The text belongs to the level it came with.
    if (spec.requirementText !== undefined) ref.requirementText = spec.requirementText;
    else delete ref.requirementText;
  }
  if (spec.stability !== undefined) ref.stability = spec.stability;
  if (spec.deprecated !== undefined) ref.deprecated = spec.deprecated;
  if (spec.samplingRelevant !== undefined) ref.samplingRelevant = spec.samplingRelevant;
  if (spec.tag !== undefined) ref.tag = spec.tag;
  if (spec.role !== undefined) ref.role = spec.role;
  return ref;
}

function toGroup(source: SourceGroup, origin: Origin, attributes: GroupAttributeRef[]): Group {
  // Weaver resolves v1 `resource` groups as entities.
  const type = (source.type === 'resource' ? 'entity' : source.type) as GroupType;
  const group: Group = { id: source.id, type, brief: source.brief, origin, attributes, source: source.source };
  const fields = group as unknown as Record<string, unknown>;
  for (const field of GROUP_FIELDS) if (source[field] !== undefined) fields[field] = source[field];
  return group;
}

function unknownRef(attribute: SourceAttribute, catalog: ReadonlyMap<string, Attribute>): Finding {
  const suggestion = didYouMean(attribute.ref!, catalog.keys());
  return {
    id: 'ref.unknown', level: 'error', location: attribute.source, attribute: attribute.ref!,
    message: `\`ref: ${attribute.ref}\` names an attribute that neither this registry nor upstream defines`,
    hint: suggestion ? `did you mean \`${suggestion}\`?` : `define it with \`id: ${attribute.ref}\` in a registry group`,
  };
}

/** Weaver refuses a group that says nothing: no brief and no attributes. */
function emptyGroups(groups: Group[]): Finding[] {
  return groups
    .filter((g) => g.brief === '' && g.attributes.length === 0)
    .map((g) => ({
      id: 'group.empty', level: 'error' as const, location: g.source,
      message: `group \`${g.id}\` has neither a brief nor attributes`,
      hint: 'give it a `brief`, or attributes, or remove it',
    }));
}

/** Two metric groups may not declare one metric name. */
function duplicateMetrics(sources: SourceGroup[], external: ReadonlyMap<string, Group>): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, SourceLocation | undefined>();
  for (const group of external.values()) if (group.type === 'metric' && group.metricName !== undefined && group.extends === undefined) seen.set(group.metricName, group.source);
  for (const source of sources) {
    // A refinement (v2) names itself by id, which duplicate.group already covers.
    if (source.type !== 'metric' || source.metricName === undefined || (source.format === 2 && source.extends !== undefined)) continue;
    if (seen.has(source.metricName)) {
      const first = seen.get(source.metricName);
      findings.push({
        id: 'duplicate.metric', level: 'error', location: source.source,
        message: `metric \`${source.metricName}\` (group \`${source.id}\`) is defined twice`,
        hint: `the first definition is at ${first ? formatLocation(first) : 'the upstream registry'}; a metric name belongs to one group`,
      });
      continue;
    }
    seen.set(source.metricName, source.source);
  }
  return findings;
}
