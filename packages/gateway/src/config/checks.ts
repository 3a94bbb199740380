// Checks on a config that a JSON Schema cannot express: files that must exist, anonymous ingest
// only on loopback, and a did-you-mean for a misspelt key.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigPath, Problem } from './env.js';

/**
 * Relative paths in a config resolve against the config file's folder, so a config means the
 * same whatever the working directory (`cairn up -c deploy/cairn.yaml` from anywhere).
 */
export function relativeTo(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/** A file the gateway will read at startup: a problem now rather than a crash later. */
export function requireFile(file: string, path: ConfigPath, problems: Problem[], kind: 'file' | 'directory' = 'file'): void {
  if (!existsSync(file)) {
    problems.push({ path, message: `${kind} ${file} does not exist (relative paths resolve against the config file's folder)` });
    return;
  }
  const isDirectory = statSync(file).isDirectory();
  if (isDirectory !== (kind === 'directory')) problems.push({ path, message: `${file} is ${isDirectory ? 'a directory' : 'not a directory'}; expected a ${kind}` });
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The closest of `candidates` to a misspelt `key`, when close enough to be a typo. */
export function didYouMean(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // One edit in four characters: `concurency` → `concurrency`, but `foo` is not `log`.
  const allowed = Math.max(1, Math.floor(key.length / 4));
  return bestDistance <= allowed ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}
