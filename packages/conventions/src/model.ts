/**
 * The resolved registry: plain, JSON-serializable data. Everything downstream (check, diff,
 * generate, the SDK, the ESLint rules, the gateway) reads this structure and never re-parses YAML.
 */

export type Sensitivity = 'public' | 'internal' | 'pii' | 'secret';
export const SENSITIVITIES: readonly Sensitivity[] = ['public', 'internal', 'pii', 'secret'];

export type Stability = 'stable' | 'development' | 'alpha' | 'beta' | 'release_candidate' | 'deprecated';
export const STABILITIES: readonly Stability[] = ['stable', 'development', 'alpha', 'beta', 'release_candidate', 'deprecated'];

export type PrimitiveType = 'string' | 'int' | 'double' | 'boolean';
export const PRIMITIVE_TYPES: readonly PrimitiveType[] = ['string', 'int', 'double', 'boolean'];

export interface EnumMember {
  id: string;
  value: string | number;
  brief?: string;
  stability?: Stability;
  deprecated?: Deprecation;
}

/** The value type of an attribute, as Weaver spells it, made a discriminated union. */
export type AttributeType =
  | { kind: 'primitive'; name: PrimitiveType }
  | { kind: 'array'; element: PrimitiveType }
  | { kind: 'any' }
  | { kind: 'enum'; base: 'string' | 'int' | 'double'; members: EnumMember[] }
  | { kind: 'template'; inner: AttributeType }
  /** The built-in upstream knows a name but not its type. */
  | { kind: 'unknown' };

export type Deprecation =
  | { reason: 'renamed'; renamedTo: string; note?: string }
  | { reason: 'obsoleted'; note?: string }
  | { reason: 'uncategorized'; note?: string };

export type RequirementLevel = 'required' | 'conditionally_required' | 'recommended' | 'opt_in';

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** Where an attribute's definition comes from. */
export type Origin = 'upstream' | 'org';

/** How sure the registry is about an attribute's type. */
export type TypeSource = 'declared' | 'inferred' | 'unknown';

export interface Attribute {
  key: string;
  type: AttributeType;
  typeSource: TypeSource;
  brief: string;
  note?: string;
  examples?: unknown[];
  stability?: Stability;
  deprecated?: Deprecation;
  requirementLevel?: RequirementLevel;
  /** The condition of `conditionally_required`, or the text given with another level. */
  requirementText?: string;
  samplingRelevant?: boolean;
  tag?: string;
  origin: Origin;
  /** The `registry.*` group that defines it. */
  group: string;
  /** Cairn's annotations; on upstream attributes they come from org `ref`s that refine them. */
  owner?: string;
  sensitivity?: Sensitivity;
  aliases: string[];
  propagate: boolean;
  source?: SourceLocation;
  /** Where the org refined an upstream attribute with Cairn annotations. */
  refinedAt?: SourceLocation;
}

/** An entity's attribute: part of its identity, or describing it (Weaver's `role`). */
export type AttributeRole = 'identifying' | 'descriptive';
export const ATTRIBUTE_ROLES: readonly AttributeRole[] = ['identifying', 'descriptive'];

/**
 * One attribute of a resolved group, with the values that hold in this group: the registry
 * attribute's, overridden by the group's `ref` (brief, note, examples, requirement level and
 * its text, stability, deprecation, sampling_relevant, tag), as Weaver resolves them. The type
 * is the registry attribute's (look it up by `key`).
 */
export interface GroupAttributeRef {
  key: string;
  /** `recommended` when the group says nothing, as Weaver defaults it. */
  requirementLevel?: RequirementLevel;
  /** The condition of `conditionally_required`, or the text of `recommended`/`opt_in`/`required` when given as a mapping. */
  requirementText?: string;
  brief?: string;
  note?: string;
  examples?: unknown[];
  stability?: Stability;
  deprecated?: Deprecation;
  samplingRelevant?: boolean;
  tag?: string;
  /** Entities only: identity or description. */
  role?: AttributeRole;
  /** Set when the attribute came from another group (`extends` or `ref_group`): that group's id. */
  inheritedFrom?: string;
  source?: SourceLocation;
}

/** Weaver's group types; v1 `resource` resolves as `entity`, as Weaver does. */
export type GroupType = 'attribute_group' | 'span' | 'event' | 'metric' | 'metric_group' | 'scope' | 'entity' | 'undefined';
export const RESOLVED_GROUP_TYPES: readonly GroupType[] = ['attribute_group', 'span', 'event', 'metric', 'metric_group', 'scope', 'entity', 'undefined'];

export type SpanKind = 'client' | 'server' | 'producer' | 'consumer' | 'internal';
export const SPAN_KINDS: readonly SpanKind[] = ['client', 'server', 'producer', 'consumer', 'internal'];

export type Instrument = 'counter' | 'updowncounter' | 'gauge' | 'histogram';
export const INSTRUMENTS: readonly Instrument[] = ['counter', 'updowncounter', 'gauge', 'histogram'];

/** What a group says besides its attributes, as written and as resolved (Weaver copies these through). */
export interface GroupFields {
  note?: string;
  stability?: Stability;
  deprecated?: Deprecation;
  /** The group this one extends (v1 `extends`, or the group a v2 refinement refines). */
  extends?: string;
  /** v1 `prefix`, already applied to the ids of the attributes this group defines. */
  prefix?: string;
  /** Metrics: the metric's name, instrument and unit. */
  metricName?: string;
  instrument?: Instrument;
  unit?: string;
  /** Spans: the span kind and the events it records. */
  spanKind?: SpanKind;
  events?: string[];
  /** Events: the event name; entities: the entity type; v2 spans: the span type. */
  name?: string;
  displayName?: string;
  /** v2 `visibility` of attribute groups (`internal` ones only serve `ref_group`). */
  visibility?: 'public' | 'internal';
  /** Entities a signal is associated with. */
  entityAssociations?: string[];
  /** Events: the body's definition, as written (Weaver's `body`). */
  body?: unknown;
}

export const GROUP_FIELDS: readonly (keyof GroupFields)[] = [
  'note', 'stability', 'deprecated', 'extends', 'prefix', 'metricName', 'instrument', 'unit', 'spanKind', 'events',
  'name', 'displayName', 'visibility', 'entityAssociations', 'body',
];

/**
 * A resolved group. Ids are Weaver's: v2 metrics are `metric.<name>`, spans `span.<type>`,
 * events `event.<name>`, entities `entity.<type>`, v2 attribute definitions
 * `registry.<file>`; refinements keep their own `id`.
 */
export interface Group extends GroupFields {
  id: string;
  type: GroupType;
  brief: string;
  origin: Origin;
  /** Every attribute, own and inherited (by `extends` chains and `ref_group`), one per key. */
  attributes: GroupAttributeRef[];
  source?: SourceLocation;
}

export type PolicyLevel = 'error' | 'warning' | 'info' | 'off';

/** One entry of the manifest's `dependencies`, as written (see docs/conventions.md). */
export interface DependencySpec {
  name?: string;
  schemaUrl?: string;
  /** Weaver's virtual-directory syntax: a path, an archive with `[sub/folder]`, or a URL. */
  registryPath: string;
  source?: SourceLocation;
}

export interface Manifest {
  name: string;
  description?: string;
  semconvVersion?: string;
  schemaUrl?: string;
  /** The registries this one resolves on (Weaver's `dependencies`), in order. */
  dependencies?: DependencySpec[];
  /** A published registry's manifest names its resolved schema (`resolved_registry_uri`). */
  resolvedRegistryUri?: string;
  /** True when `cairn.upstream` is written out; with dependencies and no explicit upstream, the dependencies are the upstream. */
  upstreamExplicit?: boolean;
  /** The org's own namespaces, e.g. `acme`. */
  namespaces: string[];
  /** `builtin` (the installed @opentelemetry/semantic-conventions) or a model directory. */
  upstream: { kind: 'builtin' } | { kind: 'dir'; path: string };
  /** Per-rule level overrides for `cairn check`. */
  policies: Record<string, PolicyLevel>;
  source?: SourceLocation;
}

export interface UpstreamInfo {
  /** `none`: the registry resolves on its declared dependencies only. */
  kind: 'builtin' | 'dir' | 'none';
  /** Package version or model directory. */
  version?: string;
  path?: string;
  attributeCount: number;
  /** The manifest's dependencies, resolved, in the order they were loaded (a chain's deepest last). */
  dependencies?: { name: string; location: string }[];
}

export interface ResolvedRegistry {
  manifest: Manifest;
  upstream: UpstreamInfo;
  /** Every attribute, upstream and org, sorted by key. */
  attributes: Attribute[];
  groups: Group[];
  /** Old name → canonical key. */
  aliases: Record<string, string>;
}

/** The top-level namespace of a key: what comes before its first dot (`http` for `http.route`), or the whole key. */
export function namespaceOf(key: string): string {
  const dot = key.indexOf('.');
  return dot === -1 ? key : key.slice(0, dot);
}

/** Orders anything keyed, attributes first of all, by key (code-unit order, as the registry sorts). */
export function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
