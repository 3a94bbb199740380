import type { Attribute, AttributeType, ResolvedRegistry, SourceLocation } from './model.js';
import { diffSignals } from './diff-signals.js';
import { enumOf, typeName } from './generate/md.js';

/**
 * What `cairn diff` reports. The breaking rules follow the backward-compatibility policy
 * OpenTelemetry enforces with Weaver (semantic-conventions' `policies/compatibility.rego`):
 * attributes and enum members are deprecated, never removed; a stable attribute keeps its
 * stability, its type and its members' values.
 */
export type DiffChangeId =
  | 'diff.attribute-removed'
  | 'diff.type-changed'
  | 'diff.stability-downgraded'
  | 'diff.enum-member-removed'
  | 'diff.enum-value-changed'
  | 'diff.enum-member-stability-downgraded'
  | 'diff.attribute-added'
  | 'diff.attribute-deprecated'
  | 'diff.attribute-moved-upstream'
  | 'diff.enum-member-added'
  /** Signal changes: `diff.metric-removed`, `diff.entity-identity-demoted`, … (see diff-signals.ts). */
  | `diff.${SignalKind}-${string}`;

export type SignalKind = 'metric' | 'event' | 'span' | 'entity';

/** Weaver's schema-change types (its `weaver registry diff`), one per change. */
export type SchemaChangeType = 'added' | 'removed' | 'renamed' | 'obsoleted' | 'uncategorized' | 'updated';

/** `error` breaks consumers of the old registry; `info` is worth knowing in a review. */
export type DiffLevel = 'error' | 'info';

export interface DiffChange {
  id: DiffChangeId;
  level: DiffLevel;
  /** Weaver's category for the change. */
  category: SchemaChangeType;
  /** The attribute key: of an attribute change, or the attribute a signal change is about. */
  attribute?: string;
  /** The metric, event, span or entity, for signal changes. */
  signal?: { kind: SignalKind; name: string; group: string };
  message: string;
  /** The enum member id, for member changes. */
  member?: string;
  /** A deprecation's note, for `renamed`, `obsoleted` and `uncategorized` changes. */
  note?: string;
  /** What OLD had and NEW has (a type, a stability, a member value), as text. */
  old?: string;
  new?: string;
  /** Where NEW defines the attribute (OLD's location for removals). */
  location?: SourceLocation;
}

export interface DiffReport {
  old: { name: string };
  new: { name: string };
  /** Breaking changes first, then by attribute and id. */
  changes: DiffChange[];
  /** How many changes are breaking: `cairn diff` fails when it is not 0. */
  breaking: number;
}

/**
 * Compares OLD's org attributes against NEW (wherever NEW defines them, upstream included),
 * and OLD's org metrics, events, spans and entities against NEW's (diff-signals.ts).
 */
export function diffRegistries(old: ResolvedRegistry, next: ResolvedRegistry): DiffReport {
  const nextByKey = new Map(next.attributes.map((a) => [a.key, a]));
  const oldKeys = new Set(old.attributes.map((a) => a.key));
  const changes: DiffChange[] = [];
  for (const before of old.attributes) {
    if (before.origin !== 'org') continue;
    const after = nextByKey.get(before.key);
    if (!after) {
      changes.push(removed(before, next));
      continue;
    }
    if (after.origin === 'upstream') {
      changes.push(change('diff.attribute-moved-upstream', 'info', after, `\`${after.key}\` is now defined by the upstream conventions, no longer by the org`, {}));
    }
    changes.push(...compareAttribute(before, after));
  }
  for (const after of next.attributes) {
    // Not new if OLD had it, as an org attribute or as an upstream one the org now defines itself.
    if (after.origin !== 'org' || oldKeys.has(after.key)) continue;
    changes.push(change('diff.attribute-added', 'info', after, `\`${after.key}\` was added`, { new: typeName(after.type) }));
  }
  changes.push(...diffSignals(old, next));
  changes.sort(byLevelThenKey);
  return { old: { name: old.manifest.name }, new: { name: next.manifest.name }, changes, breaking: changes.filter((c) => c.level === 'error').length };
}

function removed(before: Attribute, next: ResolvedRegistry): DiffChange {
  const parts = [`\`${before.key}\` was removed; attributes must be deprecated, not removed`];
  if (before.deprecated) parts.push('(it was already deprecated in OLD; keep it deprecated instead)');
  const canonical = next.aliases[before.key];
  if (canonical !== undefined) parts.push(`(NEW lists it as an alias of \`${canonical}\`)`);
  return change('diff.attribute-removed', 'error', before, parts.join(' '), { old: typeName(before.type) });
}

function compareAttribute(before: Attribute, after: Attribute): DiffChange[] {
  const changes: DiffChange[] = [];
  const stable = before.stability === 'stable';
  if (stable && after.stability !== 'stable') {
    const now = after.stability ?? 'unset';
    const fix = after.deprecated ? 'a deprecated attribute keeps `stability: stable`; `deprecated` says the rest' : 'deprecate it instead';
    changes.push(change('diff.stability-downgraded', 'error', after, `\`${after.key}\` was stable and is now ${now}; a stable attribute stays stable (${fix})`, { old: 'stable', new: now }));
  }
  if (!sameType(before.type, after.type)) {
    const was = typeName(before.type);
    const now = typeName(after.type);
    // Weaver holds only stable attributes to their type; an unstable one may still change.
    const message = stable
      ? `\`${after.key}\` was \`${was}\` and is now \`${now}\`; a stable attribute keeps its type`
      : `\`${after.key}\` changed type from \`${was}\` to \`${now}\` (allowed while it is ${before.stability ?? 'not stable'})`;
    changes.push(change('diff.type-changed', stable ? 'error' : 'info', after, message, { old: was, new: now }));
  }
  changes.push(...compareMembers(before, after, stable));
  if (after.deprecated && !before.deprecated) {
    const to = after.deprecated.reason === 'renamed' ? `, renamed to \`${after.deprecated.renamedTo}\`` : ` (${after.deprecated.reason})`;
    const note = after.deprecated.note !== undefined ? { note: after.deprecated.note } : {};
    changes.push(change('diff.attribute-deprecated', 'info', after, `\`${after.key}\` is now deprecated${to}`,
      after.deprecated.reason === 'renamed' ? { new: after.deprecated.renamedTo, ...note } : note, after.deprecated.reason));
  }
  return changes;
}

function compareMembers(before: Attribute, after: Attribute, stable: boolean): DiffChange[] {
  const oldMembers = enumOf(before.type)?.members;
  const afterMembers = enumOf(after.type)?.members;
  // An enum that became another type already has its `diff.type-changed`; its members went with it.
  if (!oldMembers || !afterMembers) return [];
  const newMembers = new Map(afterMembers.map((m) => [m.id, m]));
  const changes: DiffChange[] = [];
  for (const member of oldMembers) {
    const now = newMembers.get(member.id);
    const about = { member: member.id, old: String(member.value) };
    if (!now) {
      const hint = member.deprecated ? ' (it was already deprecated; keep it deprecated instead)' : '; deprecate enum members instead of removing them';
      changes.push(change('diff.enum-member-removed', 'error', after, `\`${after.key}\` lost member \`${member.id}\`${hint}`, about));
      continue;
    }
    if (now.value !== member.value) {
      const message = stable
        ? `member \`${member.id}\` of stable \`${after.key}\` changed value from ${show(member.value)} to ${show(now.value)}`
        : `member \`${member.id}\` of \`${after.key}\` changed value from ${show(member.value)} to ${show(now.value)} (allowed while the attribute is not stable)`;
      changes.push(change('diff.enum-value-changed', stable ? 'error' : 'info', after, message, { ...about, new: String(now.value) }));
    }
    if (stable && member.stability === 'stable' && now.stability !== 'stable') {
      changes.push(change('diff.enum-member-stability-downgraded', 'error', after,
        `member \`${member.id}\` of \`${after.key}\` was stable and is now ${now.stability ?? 'unset'}`,
        { member: member.id, old: 'stable', new: now.stability ?? 'unset' }));
    }
  }
  const known = new Set(oldMembers.map((m) => m.id));
  for (const member of newMembers.values()) {
    if (known.has(member.id)) continue;
    changes.push(change('diff.enum-member-added', 'info', after, `\`${after.key}\` gained member \`${member.id}\` (${show(member.value)})`, { member: member.id, new: String(member.value) }));
  }
  return changes;
}

/** Same shape of value; enum members are compared one by one, not here. */
function sameType(a: AttributeType, b: AttributeType): boolean {
  // The built-in upstream does not know some types: no evidence of a change.
  if (a.kind === 'unknown' || b.kind === 'unknown') return true;
  switch (a.kind) {
    case 'primitive': return b.kind === 'primitive' && a.name === b.name;
    case 'array': return b.kind === 'array' && a.element === b.element;
    case 'enum': return b.kind === 'enum' && a.base === b.base;
    case 'template': return b.kind === 'template' && sameType(a.inner, b.inner);
    case 'any': return b.kind === 'any';
  }
}

function show(value: string | number): string {
  return JSON.stringify(value);
}

const CATEGORIES: Partial<Record<DiffChangeId, SchemaChangeType>> = { 'diff.attribute-added': 'added', 'diff.attribute-removed': 'removed' };

function change(
  id: DiffChangeId, level: DiffLevel, attribute: Attribute, message: string, fields: Partial<Pick<DiffChange, 'member' | 'old' | 'new' | 'note'>>,
  category: SchemaChangeType = CATEGORIES[id] ?? 'updated',
): DiffChange {
  const result: DiffChange = { id, level, category, attribute: attribute.key, message, ...fields };
  if (attribute.source) result.location = attribute.source;
  return result;
}

/** Attribute changes sort by key; signal changes after them, by kind and name, then the attribute concerned. */
function subject(change: DiffChange): string {
  return change.signal ? `\u{10FFFF}${change.signal.kind}:${change.signal.name}` : change.attribute ?? '';
}

function byLevelThenKey(a: DiffChange, b: DiffChange): number {
  const [x, y] = [subject(a), subject(b)];
  return (a.level === b.level ? 0 : a.level === 'error' ? -1 : 1)
    || (x < y ? -1 : x > y ? 1 : 0)
    || ((a.attribute ?? '') < (b.attribute ?? '') ? -1 : (a.attribute ?? '') > (b.attribute ?? '') ? 1 : 0)
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
    || (a.member ?? '').localeCompare(b.member ?? '');
}

/** A review-ready summary: breaking changes, then the rest. */
export function formatDiffMarkdown(report: DiffReport): string {
  const lines = [`# Registry diff: \`${report.old.name}\` → \`${report.new.name}\``, ''];
  if (report.changes.length === 0) return `${[...lines, 'No changes to org attributes, metrics, events, spans or entities.'].join('\n')}\n`;
  const breaking = report.changes.filter((c) => c.level === 'error');
  const info = report.changes.filter((c) => c.level === 'info');
  lines.push(`${report.breaking} breaking, ${info.length} informational.`);
  for (const [title, list] of [['Breaking changes', breaking], ['Other changes', info]] as const) {
    if (list.length === 0) continue;
    lines.push('', `## ${title}`, '');
    for (const c of list) {
      const where = c.location ? ` (${c.location.file}:${c.location.line})` : '';
      lines.push(`- **${c.id}** ${c.message.replace(/\r?\n/g, ' ')}${where}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
