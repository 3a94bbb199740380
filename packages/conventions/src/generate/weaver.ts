import type { Attribute, AttributeType, Deprecation, Group, GroupAttributeRef, ResolvedRegistry } from '../model.js';

/**
 * Weaver's resolved-registry shape (what `weaver registry resolve` writes and its templates
 * read): `registry_url` and `groups`, each group with its attributes resolved in full, in
 * Weaver's snake_case field names. Cairn's own fields (owner, sensitivity, aliases) travel as
 * `annotations.cairn`, where Weaver keeps tool-specific data.
 */
export interface WeaverRegistry {
  registry_url: string;
  groups: WeaverGroup[];
}

export type WeaverGroup = Record<string, unknown> & { id: string; type: string; brief: string; attributes: WeaverAttribute[] };
export type WeaverAttribute = Record<string, unknown> & { name: string; type: unknown };

export function toWeaverRegistry(registry: ResolvedRegistry, registryUrl: string): WeaverRegistry {
  const byKey = new Map(registry.attributes.map((a) => [a.key, a]));
  return { registry_url: registryUrl, groups: registry.groups.map((group) => weaverGroup(group, byKey)) };
}

function weaverGroup(group: Group, byKey: ReadonlyMap<string, Attribute>): WeaverGroup {
  const out: WeaverGroup = { id: group.id, type: group.type, brief: group.brief, attributes: [] };
  put(out, 'note', group.note);
  put(out, 'prefix', group.prefix);
  put(out, 'extends', group.extends);
  put(out, 'stability', group.stability);
  put(out, 'deprecated', group.deprecated && weaverDeprecation(group.deprecated));
  put(out, 'span_kind', group.spanKind);
  put(out, 'events', group.events);
  put(out, 'metric_name', group.metricName);
  put(out, 'instrument', group.instrument);
  put(out, 'unit', group.unit);
  put(out, 'name', group.name);
  put(out, 'display_name', group.displayName);
  put(out, 'visibility', group.visibility);
  put(out, 'entity_associations', group.entityAssociations);
  put(out, 'body', group.body);
  for (const ref of group.attributes) {
    const attribute = byKey.get(ref.key);
    if (attribute) out.attributes.push(weaverAttribute(attribute, ref));
  }
  return out;
}

function weaverAttribute(attribute: Attribute, ref: GroupAttributeRef): WeaverAttribute {
  const out: WeaverAttribute = { name: attribute.key, type: weaverType(attribute.type) };
  put(out, 'brief', ref.brief ?? attribute.brief);
  put(out, 'examples', ref.examples ?? attribute.examples);
  put(out, 'tag', ref.tag);
  const level = ref.requirementLevel ?? 'recommended';
  out.requirement_level = ref.requirementText !== undefined ? { [level]: ref.requirementText } : level;
  put(out, 'sampling_relevant', ref.samplingRelevant);
  put(out, 'note', ref.note ?? attribute.note);
  put(out, 'stability', ref.stability ?? attribute.stability);
  const deprecated = ref.deprecated ?? attribute.deprecated;
  put(out, 'deprecated', deprecated && weaverDeprecation(deprecated));
  put(out, 'role', ref.role);
  const cairn: Record<string, unknown> = {};
  put(cairn, 'owner', attribute.owner);
  put(cairn, 'sensitivity', attribute.sensitivity);
  if (attribute.aliases.length) cairn.aliases = attribute.aliases;
  if (attribute.propagate) cairn.propagate = true;
  if (Object.keys(cairn).length) out.annotations = { cairn };
  return out;
}

/** Weaver spells types as strings (`string[]`, `template[int]`) and enums as `{ members }`. */
export function weaverType(type: AttributeType): unknown {
  switch (type.kind) {
    case 'primitive': return type.name;
    case 'array': return `${type.element}[]`;
    case 'any': return 'any';
    case 'template': return `template[${String(weaverType(type.inner))}]`;
    case 'unknown': return 'any';
    case 'enum': return {
      members: type.members.map((m) => {
        const member: Record<string, unknown> = { id: m.id, value: m.value };
        put(member, 'brief', m.brief);
        put(member, 'stability', m.stability);
        put(member, 'deprecated', m.deprecated && weaverDeprecation(m.deprecated));
        return member;
      }),
    };
  }
}

function weaverDeprecation(deprecation: Deprecation): Record<string, unknown> {
  const out: Record<string, unknown> = { reason: deprecation.reason };
  if (deprecation.reason === 'renamed') out.renamed_to = deprecation.renamedTo;
  put(out, 'note', deprecation.note);
  return out;
}

function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}
