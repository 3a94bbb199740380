/** The keys Weaver v1 accepts, per object, plus Cairn's under `annotations.cairn`. */

export const FILE_KEYS = ['groups', 'imports'] as const;

export const GROUP_KEYS = [
  'id', 'type', 'brief', 'note', 'prefix', 'extends', 'stability', 'deprecated', 'attributes',
  'constraints', 'span_kind', 'events', 'metric_name', 'instrument', 'unit', 'name', 'display_name',
  'annotations', 'entity_associations', 'body',
] as const;

export const GROUP_TYPES = [
  'attribute_group', 'span', 'event', 'metric', 'metric_group', 'resource', 'scope', 'entity', 'undefined',
] as const;

export const ATTRIBUTE_KEYS = [
  'id', 'ref', 'type', 'brief', 'examples', 'tag', 'requirement_level', 'sampling_relevant', 'note',
  'stability', 'deprecated', 'prefix', 'annotations', 'role', 'display_name',
] as const;

/**
 * Keys Weaver accepts that Cairn does not resolve: each is refused by name
 * (`schema.unsupported`), never read half-way or ignored.
 */
export const UNSUPPORTED_GROUP_KEYS = ['constraints'] as const;
export const UNSUPPORTED_ATTRIBUTE_KEYS = ['prefix'] as const;

export const MEMBER_KEYS = ['id', 'value', 'brief', 'note', 'stability', 'deprecated', 'annotations'] as const;

export const ENUM_TYPE_KEYS = ['members', 'allow_custom_values'] as const;

export const DEPRECATED_KEYS = ['reason', 'renamed_to', 'note'] as const;
export const DEPRECATION_REASONS = ['renamed', 'obsoleted', 'uncategorized'] as const;

export const REQUIREMENT_LEVELS = ['required', 'recommended', 'opt_in'] as const;
export const ROLES = ['identifying', 'descriptive'] as const;
export const REQUIREMENT_LEVEL_KEYS = ['required', 'recommended', 'opt_in', 'conditionally_required'] as const;

export const CAIRN_KEYS = ['owner', 'sensitivity', 'aliases', 'propagate'] as const;

/** Every spelling of a type Weaver accepts, besides enums and templates. */
export const TYPE_NAMES = [
  'string', 'int', 'double', 'boolean', 'any', 'string[]', 'int[]', 'double[]', 'boolean[]',
] as const;

export const MANIFEST_KEYS = [
  'name', 'description', 'semconv_version', 'schema_base_url', 'schema_url', 'stability', 'dependencies', 'cairn',
  'file_format', 'resolved_registry_uri', 'resolved_schema_uri',
] as const;
/** Keys Weaver's documents show in manifests but its manifest reader ignores: Cairn refuses them by name. */
export const MANIFEST_UNSUPPORTED_KEYS: Record<string, string> = {
  version: 'write `schema_url` (or `semconv_version` with `schema_base_url`)',
  repository_url: 'write `schema_url` (or `schema_base_url`)',
  resolved_schema_url: 'a published manifest names its resolved schema with `resolved_registry_uri`',
};
export const MANIFEST_FILE_FORMATS = ['definition_manifest/2.0', 'manifest/2.0'] as const;
export const DEPENDENCY_KEYS = ['name', 'schema_url', 'registry_path'] as const;
export const MANIFEST_CAIRN_KEYS = ['namespaces', 'upstream', 'policies'] as const;

/** `file_format: definition/2` (Weaver's v2 syntax, which upstream has begun to use). */
export const V2_FILE_KEYS = [
  'file_format', 'attributes', 'attribute_groups', 'spans', 'span_refinements', 'events', 'event_refinements',
  'metrics', 'metric_refinements', 'entities', 'entity_refinements', 'imports',
] as const;
export const V2_ATTRIBUTE_KEYS = [
  'key', 'ref', 'ref_group', 'type', 'brief', 'examples', 'requirement_level', 'sampling_relevant', 'note',
  'stability', 'deprecated', 'annotations', 'visibility',
] as const;

const V2_COMMON = ['brief', 'note', 'stability', 'deprecated', 'annotations'] as const;
const V2_SIGNAL = ['attributes', 'entity_associations', ...V2_COMMON] as const;

/** The keys of each `definition/2` section's items. */
export const V2_SECTION_KEYS: Record<string, readonly string[]> = {
  attribute_groups: ['id', 'visibility', 'attributes', ...V2_COMMON],
  spans: ['type', 'kind', 'name', 'requirement_level', ...V2_SIGNAL],
  span_refinements: ['id', 'ref', ...V2_SIGNAL],
  metrics: ['name', 'instrument', 'unit', 'requirement_level', ...V2_SIGNAL],
  metric_refinements: ['id', 'ref', ...V2_SIGNAL],
  events: ['name', 'body', 'requirement_level', ...V2_SIGNAL],
  event_refinements: ['id', 'ref', 'body', ...V2_SIGNAL],
  entities: ['type', 'identity', 'description', ...V2_COMMON],
  entity_refinements: ['id', 'ref', 'description', ...V2_COMMON],
};
export const V2_SPAN_NAME_KEYS = ['note'] as const;
