import type { DiffChange, DiffLevel, SchemaChangeType, SignalKind } from './diff.js';
import { signalName } from './dependencies/imports.js';
import type { Attribute, Group, GroupAttributeRef, ResolvedRegistry } from './model.js';

/**
 * Metric, event, span and entity changes, with Weaver's schema-change categories (added,
 * removed, renamed, obsoleted, uncategorized, updated) and the rules semantic-conventions'
 * compatibility policy enforces with Weaver: metrics, events and entities are deprecated,
 * never removed (spans are not enforced yet, as upstream); a stable signal stays stable; a
 * stable metric keeps its unit, instrument and required/recommended attributes; a stable
 * event or entity keeps its stable attributes. An entity's identity never changes: an
 * identifying attribute demoted, promoted or added, or one removed, breaks every consumer
 * that recognizes the entity by it.
 */
export function diffSignals(old: ResolvedRegistry, next: ResolvedRegistry): DiffChange[] {
  const before = signalsOf(old);
  const after = signalsOf(next);
  const oldAttributes = new Map(old.attributes.map((a) => [a.key, a]));
  const newAttributes = new Map(next.attributes.map((a) => [a.key, a]));
  const changes: DiffChange[] = [];
  for (const [id, group] of before) {
    if (group.origin !== 'org') continue;
    const kind = kindOf(group)!;
    const name = signalName(group);
    const now = after.get(id);
    if (!now) {
      const enforced = kind !== 'span';
      const why = enforced ? `; ${kind}s must be deprecated, not removed` : ' (Weaver does not enforce span removals yet)';
      const already = group.deprecated ? ' (it was already deprecated in OLD; keep it deprecated instead)' : '';
      changes.push(signalChange(kind, 'removed', enforced ? 'error' : 'info', group, `${kind} \`${name}\` was removed${why}${already}`, 'removed'));
      continue;
    }
    changes.push(...compareSignal(kind, group, now, { old: oldAttributes, next: newAttributes }));
  }
  for (const [id, group] of after) {
    if (group.origin !== 'org' || before.has(id)) continue;
    const kind = kindOf(group)!;
    changes.push(signalChange(kind, 'added', 'info', group, `${kind} \`${signalName(group)}\` was added`, 'added'));
  }
  return changes;
}

interface AttributeTables {
  old: Map<string, Attribute>;
  next: Map<string, Attribute>;
}

function compareSignal(kind: SignalKind, before: Group, after: Group, tables: AttributeTables): DiffChange[] {
  const changes: DiffChange[] = [];
  const name = signalName(after);
  const stable = before.stability === 'stable';
  if (after.deprecated && !before.deprecated) {
    const reason = after.deprecated.reason;
    const message = reason === 'renamed'
      ? `${kind} \`${name}\` is now deprecated, renamed to \`${after.deprecated.renamedTo}\``
      : `${kind} \`${name}\` is now deprecated (${reason})`;
    const note = after.deprecated.note !== undefined ? { note: after.deprecated.note } : {};
    changes.push(signalChange(kind, reason, 'info', after, message, reason, reason === 'renamed' ? { new: after.deprecated.renamedTo, ...note } : note));
  }
  if (stable && after.stability !== 'stable') {
    const now = after.stability ?? 'unset';
    changes.push(signalChange(kind, 'stability-downgraded', 'error', after, `${kind} \`${name}\` was stable and is now ${now}; a stable ${kind} stays stable (deprecate it instead)`, 'updated', { old: 'stable', new: now }));
  }
  if (kind === 'metric' && stable) {
    for (const field of ['unit', 'instrument'] as const) {
      if ((before[field] ?? '') !== (after[field] ?? '')) {
        changes.push(signalChange(kind, `${field}-changed`, 'error', after, `stable metric \`${name}\` changed ${field} from \`${before[field] ?? ''}\` to \`${after[field] ?? ''}\``, 'updated', { old: before[field] ?? '', new: after[field] ?? '' }));
      }
    }
  }
  if (stable && kind !== 'span') changes.push(...compareAttributeSets(kind, before, after, tables));
  if (kind === 'entity') changes.push(...compareIdentity(before, after));
  return changes;
}

/** Stable attributes dropped from a stable signal; on a stable metric, required/recommended ones added too. */
function compareAttributeSets(kind: SignalKind, before: Group, after: Group, tables: AttributeTables): DiffChange[] {
  const changes: DiffChange[] = [];
  const name = signalName(after);
  const stableIn = (group: Group, table: Map<string, Attribute>): Set<string> =>
    new Set(group.attributes.filter((ref) => (ref.stability ?? table.get(ref.key)?.stability) === 'stable').map((ref) => ref.key));
  const kept = stableIn(after, tables.next);
  for (const key of stableIn(before, tables.old)) {
    if (kept.has(key)) continue;
    changes.push(signalChange(kind, 'attribute-dropped', 'error', after, `stable ${kind} \`${name}\` no longer has stable attribute \`${key}\``, 'updated', { attribute: key }));
  }
  if (kind === 'metric') {
    const had = new Set(before.attributes.filter(notOptIn).map((ref) => ref.key));
    for (const ref of after.attributes.filter(notOptIn)) {
      if (had.has(ref.key)) continue;
      changes.push(signalChange(kind, 'attribute-added', 'error', after, `stable metric \`${name}\` gained ${ref.requirementLevel ?? 'recommended'} attribute \`${ref.key}\`; new attributes of a stable metric are opt_in`, 'updated', { attribute: ref.key }));
    }
  }
  return changes;
}

function notOptIn(ref: GroupAttributeRef): boolean {
  return ref.requirementLevel !== 'opt_in';
}

function compareIdentity(before: Group, after: Group): DiffChange[] {
  const changes: DiffChange[] = [];
  const name = signalName(after);
  // An entity attribute without a role does not identify the entity: it describes it.
  const roles = (group: Group): Map<string, GroupAttributeRef['role']> => new Map(group.attributes.map((ref) => [ref.key, ref.role ?? 'descriptive']));
  const was = roles(before);
  const now = roles(after);
  for (const [key, role] of now) {
    const previous = was.get(key);
    if (role === 'identifying' && previous === 'descriptive') {
      changes.push(signalChange('entity', 'identity-promoted', 'error', after, `entity \`${name}\`: \`${key}\` was descriptive and is now identifying; the entity's identity changed`, 'updated', { attribute: key, old: 'descriptive', new: 'identifying' }));
    } else if (role === 'identifying' && !was.has(key)) {
      changes.push(signalChange('entity', 'identity-added', 'error', after, `entity \`${name}\` gained identifying attribute \`${key}\`; the entity's identity changed`, 'updated', { attribute: key, new: 'identifying' }));
    } else if (role === 'descriptive' && previous === 'identifying') {
      changes.push(signalChange('entity', 'identity-demoted', 'error', after, `entity \`${name}\`: \`${key}\` was identifying and is now descriptive; the entity's identity changed`, 'updated', { attribute: key, old: 'identifying', new: 'descriptive' }));
    }
  }
  for (const [key, role] of was) {
    if (role === 'identifying' && !now.has(key)) {
      changes.push(signalChange('entity', 'identity-removed', 'error', after, `entity \`${name}\` lost identifying attribute \`${key}\`; the entity's identity changed`, 'updated', { attribute: key, old: 'identifying' }));
    }
  }
  return changes;
}

/** Signals by kind and name (see signalName): a metric is its `metric_name`, an event or entity its `name`, a span its id. */
function signalsOf(registry: ResolvedRegistry): Map<string, Group> {
  const out = new Map<string, Group>();
  for (const group of registry.groups) {
    const kind = kindOf(group);
    if (!kind) continue;
    const key = `${kind}:${signalName(group)}`;
    // A refinement (v2) shares its signal's name: the signal itself stands for it.
    if (out.has(key) && group.extends !== undefined) continue;
    out.set(key, group);
  }
  return out;
}

function kindOf(group: Group): SignalKind | undefined {
  const type: string = group.type;
  if (type === 'metric' || type === 'event' || type === 'span' || type === 'entity') return type;
  return type === 'resource' ? 'entity' : undefined;
}

function signalChange(
  kind: SignalKind, what: string, level: DiffLevel, group: Group, message: string, category: SchemaChangeType,
  fields: Partial<Pick<DiffChange, 'attribute' | 'old' | 'new' | 'note'>> = {},
): DiffChange {
  const change: DiffChange = { id: `diff.${kind}-${what}` as DiffChange['id'], level, category, signal: { kind, name: signalName(group), group: group.id }, message, ...fields };
  if (group.source) change.location = group.source;
  return change;
}
