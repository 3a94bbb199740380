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
