import { isMap, type Node } from 'yaml';
import type { Group, SourceLocation } from '../model.js';
import { readFields, readStringList, type YamlSource } from '../source/yaml.js';

/** The signal kinds a registry file may import from its dependencies (Weaver's `imports`). */
export const IMPORT_KINDS = ['metrics', 'events', 'entities'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportPattern {
  kind: ImportKind;
  /** A signal name, or a name with `*` wildcards (`http.*`). */
  pattern: string;
  source: SourceLocation;
}

/** Reads a file's top-level `imports:` (v1 and v2 files alike), appending to `into`. */
export function readImports(src: YamlSource, into: ImportPattern[]): void {
  const root = src.document.contents as Node | null;
  if (!isMap(root) || !root.has('imports')) return;
  const node = src.deref(root.get('imports', true) as Node | null);
  const fields = readFields(src, node, IMPORT_KINDS, '`imports`');
  if (!fields) return;
  for (const kind of IMPORT_KINDS) {
    const list = readStringList(src, fields, kind, '`imports`') ?? [];
    const items = (fields.values.get(kind) as { items?: Node[] } | null | undefined)?.items ?? [];
    list.forEach((pattern, index) => {
      if (pattern.trim() === '') src.report('schema.invalid-value', items[index], `an empty pattern in \`imports.${kind}\``);
      else into.push({ kind, pattern, source: src.loc(items[index]) });
    });
  }
}

/** Which import kind brings a group of this type in; other groups are never imported. */
export function importKindOf(type: string): ImportKind | undefined {
  if (type === 'metric') return 'metrics';
  if (type === 'event') return 'events';
  if (type === 'entity' || type === 'resource') return 'entities';
  return undefined;
}

/**
 * The name imports match against: a metric's `metric_name`, an event's or entity's `name`, and
 * failing those the group id without its type prefix (`metric.http.server.duration`).
 */
export function signalName(group: Group): string {
  if (group.type === 'metric' && group.metricName) return group.metricName;
  if (group.type !== 'metric' && group.name) return group.name;
  return group.id.replace(/^(metric|event|entity|resource)\./, '');
}

/** Compiles `*` wildcards (any run of characters, dots included); everything else is literal. */
export function compilePattern(pattern: string): RegExp {
  const body = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 's');
}

/** True when some import of the group's kind names it. */
export function isImported(group: Group, imports: readonly ImportPattern[], compiled = new Map<string, RegExp>()): boolean {
  const kind = importKindOf(group.type);
  if (!kind) return false;
  const name = signalName(group);
  return imports.some((entry) => {
    if (entry.kind !== kind) return false;
    let regex = compiled.get(entry.pattern);
    if (!regex) compiled.set(entry.pattern, (regex = compilePattern(entry.pattern)));
    return regex.test(name) || regex.test(group.id);
  });
}
