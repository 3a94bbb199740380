import type { SourceLocation } from './model.js';

export type FindingLevel = 'error' | 'warning' | 'info';

/**
 * One thing `cairn check` (or the loader) has to say. `id` is stable: scripts and policy
 * overrides in the manifest refer to it.
 */
export interface Finding {
  id: string;
  level: FindingLevel;
  message: string;
  location?: SourceLocation;
  /** What to do about it. */
  hint?: string;
  /** The attribute the finding is about, when there is one. */
  attribute?: string;
}

/** Thrown when input cannot be used at all (a missing directory, an unreadable file). */
export class ConventionsError extends Error {
  readonly code: string;
  readonly location?: SourceLocation;
  readonly hint?: string;
  constructor(code: string, message: string, options: { location?: SourceLocation; hint?: string } = {}) {
    super(message);
    this.name = 'ConventionsError';
    this.code = code;
    if (options.location) this.location = options.location;
    if (options.hint) this.hint = options.hint;
  }
}

export function formatLocation(location: SourceLocation | undefined): string {
  return location ? `${location.file}:${location.line}:${location.col}` : '<registry>';
}

/** `file:line:col: level id: message` plus an indented hint, as compilers print. */
export function formatFinding(finding: Finding): string {
  const head = `${formatLocation(finding.location)}: ${finding.level} ${finding.id}: ${finding.message}`;
  return finding.hint ? `${head}\n    hint: ${finding.hint}` : head;
}

const LEVEL_ORDER: Record<FindingLevel, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then by file, line and column, so output is stable. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
      (a.location?.file ?? '').localeCompare(b.location?.file ?? '') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.col ?? 0) - (b.location?.col ?? 0) ||
      a.id.localeCompare(b.id),
  );
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

/**
 * Edit distance counting a swap of two neighbours as one edit (optimal string alignment), so
 * `breif` is nearer `brief` than `ref`. didYouMean
 * filters candidates by length first, so the full table is cheap.
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        value = Math.min(value, before[j - 2]! + 1);
      }
      current[j] = value;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}
