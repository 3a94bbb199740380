import type { DiffChange, DiffReport } from './diff.js';
import type { ResolvedRegistry } from './model.js';

/** One entry of Weaver's schema-changes report. */
export interface WeaverSchemaChange {
  name: string;
  type: 'added' | 'removed' | 'renamed' | 'obsoleted' | 'uncategorized';
  new_name?: string;
  note?: string;
}

/** Weaver's `weaver registry diff` report: the two versions, and the changes per kind of item. */
export interface WeaverSchemaChanges {
  head: { semconv_version: string };
  baseline: { semconv_version: string };
  changes: Partial<Record<'registry_attributes' | 'metrics' | 'events' | 'spans' | 'resources', WeaverSchemaChange[]>>;
}

const SECTIONS = { metric: 'metrics', event: 'events', span: 'spans', entity: 'resources' } as const;

/**
 * The diff in Weaver's schema-changes shape (docs/schema-changes.md in Weaver): only what
 * Weaver reports, top-level items added, removed, renamed, obsoleted or uncategorized, with
 * Weaver's default notes. Field-level changes (Cairn's `updated`) are left out, as Weaver has
 * no such entries yet; `--format json` keeps them.
 */
export function toWeaverSchemaChanges(report: DiffReport, old: ResolvedRegistry, next: ResolvedRegistry): WeaverSchemaChanges {
  const out: WeaverSchemaChanges = { head: { semconv_version: versionOf(next) }, baseline: { semconv_version: versionOf(old) }, changes: {} };
  for (const change of report.changes) {
    const entry = entryOf(change);
    if (!entry) continue;
    const section = change.signal ? SECTIONS[change.signal.kind] : 'registry_attributes';
    (out.changes[section] ??= []).push(entry);
  }
  return out;
}

function entryOf(change: DiffChange): WeaverSchemaChange | undefined {
  const topLevel = change.signal ? !change.attribute : change.id === 'diff.attribute-added' || change.id === 'diff.attribute-removed' || change.id === 'diff.attribute-deprecated';
  if (!topLevel || change.category === 'updated') return undefined;
  const name = change.signal?.name ?? change.attribute!;
  switch (change.category) {
    case 'added':
    case 'removed':
      return { name, type: change.category };
    case 'renamed':
      return { name, type: 'renamed', new_name: change.new!, note: change.note ?? `Replaced by \`${change.new}\`.` };
    case 'obsoleted':
      return { name, type: 'obsoleted', note: change.note ?? 'Obsoleted.' };
    case 'uncategorized':
      return { name, type: 'uncategorized', note: change.note ?? 'Uncategorized.' };
  }
}

/** `semconv_version`, else the last segment of `schema_url`, else `unknown`. */
function versionOf(registry: ResolvedRegistry): string {
  const manifest = registry.manifest;
  if (manifest.semconvVersion) return manifest.semconvVersion;
  const last = manifest.schemaUrl?.replace(/\/+$/, '').split('/').pop();
  return last || 'unknown';
}
