// file:line:col of a path in a parsed YAML document, shared by cairn.yaml and the strategy file.
import { isMap, isScalar, type Document, type LineCounter, type Node } from 'yaml';
import type { ConfigPath } from './env.js';

export type Locate = (path: ConfigPath, atKey?: boolean) => string | undefined;

/**
 * Finds the node at `path` (or the deepest ancestor that exists) and returns `source:line:col`;
 * with `atKey`, points at the mapping key itself (an unknown or misspelt key).
 */
export function locator(doc: Document, lines: LineCounter, source: string): Locate {
  return (path, atKey = false) => {
    if (atKey && path.length > 0) {
      const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1])) : undefined;
      const offset = (pair?.key as Node | undefined)?.range?.[0];
      if (offset !== undefined) {
        const pos = lines.linePos(offset);
        return `${source}:${pos.line}:${pos.col}`;
      }
    }
    let node: unknown = doc.contents;
    for (let i = path.length; i >= 0; i--) {
      node = i === 0 ? doc.contents : doc.getIn(path.slice(0, i), true);
      if (node && typeof node === 'object' && 'range' in node) break;
    }
    const offset = (node as Node | undefined)?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = lines.linePos(offset);
    return `${source}:${pos.line}:${pos.col}`;
  };
}

/**
 * `doc.toJS()`, whose errors (an alias used before its anchor, too many alias expansions) the
 * parser does not report in `doc.errors`: returned as a message at the alias's line when found.
 */
export function toJsOrProblem(doc: Document, lines: LineCounter, source: string, text: string): { value: unknown } | { message: string; location: string } {
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    const alias = /alias[^:]*: (\S+)$/.exec(message)?.[1];
    const at = alias === undefined ? -1 : text.indexOf(`*${alias}`);
    const pos = lines.linePos(Math.max(0, at));
    return { message, location: `${source}:${pos.line}:${pos.col}` };
  }
}
