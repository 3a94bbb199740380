// `slos:` in cairn.yaml: one path, or a list of paths and globs (`slos/*.yaml`, `teams/**/slo.yaml`),
// relative to the config file's folder. Node 20 has no fs.glob: `*` matches within a path
// segment, `**` any number of segments; only the part after the first wildcard is walked.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { relativeTo } from '../config/checks.js';

/** At most this many files are read: a glob of `/**` must not walk the disk. */
const MAX_FILES = 1000;

export interface ExpandedFiles {
  files: string[];
  /** Patterns that matched nothing, or paths that do not exist. */
  missing: { pattern: string; index: number }[];
}

export function expandSloPaths(patterns: readonly string[], base: string): ExpandedFiles {
  const files = new Set<string>();
  const missing: ExpandedFiles['missing'] = [];
  patterns.forEach((pattern, index) => {
    const before = files.size;
    if (!/[*?]/.test(pattern)) {
      const file = relativeTo(base, pattern);
      if (isFile(file)) files.add(file);
      else missing.push({ pattern, index });
      return;
    }
    const parts = relativeTo(base, pattern).split(sep);
    const first = parts.findIndex((p) => /[*?]/.test(p));
    const root = parts.slice(0, first).join(sep) || sep;
    const re = globRegExp(parts.slice(first).join('/'));
    walk(root, root, re, files, 0);
    if (files.size === before) missing.push({ pattern, index });
  });
  return { files: [...files].sort().slice(0, MAX_FILES), missing };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function walk(root: string, dir: string, re: RegExp, out: Set<string>, depth: number): void {
  if (depth > 16 || out.size >= MAX_FILES) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(root, path, re, out, depth + 1);
    else if (e.isFile() && re.test(relative(root, path).split(sep).join('/'))) out.add(path);
  }
}

/** `*` within a segment, `**` across segments, `?` one character. */
export function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
