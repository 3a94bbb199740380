import type { ResolvedRegistry } from '@cairn/conventions';

/** How a suggestion was found: the same words written differently, or a close spelling. */
export type SuggestionKind = 'normalized' | 'edit_distance';

export interface Suggestion {
  key: string;
  kind: SuggestionKind;
  /** Edits between the normalized forms (0 for `normalized`). */
  distance: number;
}

/**
 * The words of a key, lowercased and joined by dots: `userId`, `user_id`, `User-ID` and `user.id`
 * all become `user.id`. Acronym runs stay one word (`HTTPStatus` → `http.status`).
 */
export function normalizeKey(key: string): string {
  const spaced = key
    .replace(/([a-z0-9])([A-Z])/g, '$1.$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1.$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.');
  return spaced.replace(/^\.+|\.+$/g, '');
}

/** One plural `s` off each word longer than three letters: `user.ids` and `user.id` meet. */
function singular(normalized: string): string {
  return normalized
    .split('.')
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w))
    .join('.');
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), giving up early
 * once every entry of a row exceeds `max`: the caller only wants close matches.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) d = Math.min(d, prev2[j - 2]! + 1);
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return Math.min(prev[b.length]!, max + 1);
}

/** Edits allowed for a normalized name of this length: short names tolerate fewer. */
function allowedEdits(length: number): number {
  return length <= 4 ? 0 : length <= 8 ? 1 : length <= 16 ? 2 : 3;
}

/** A bounded cache: unknown keys come from telemetry, so their number is not ours to choose. */
const CACHE_LIMIT = 10_000;

/**
 * Suggests the registry key that an unknown key most likely meant. Built once per registry.
 * It answers only when one canonical key is the clear best: a tie between two keys is no answer,
 * because a wrong suggestion costs more than none.
 */
export class Suggester {
  /** Normalized (and singular) form → canonical keys written that way. */
  private readonly full = new Map<string, Set<string>>();
  /** The same without the org namespace (`acme.cart.total` → `cart.total`). */
  private readonly bare = new Map<string, Set<string>>();
  private readonly forms: { form: string; key: string }[] = [];
  private readonly cache = new Map<string, Suggestion | undefined>();

  constructor(registry: ResolvedRegistry) {
    const namespaces = new Set(registry.manifest.namespaces);
    const add = (map: Map<string, Set<string>>, form: string, key: string): void => {
      if (!form) return;
      let set = map.get(form);
      if (!set) map.set(form, (set = new Set()));
      set.add(key);
    };
    for (const attribute of registry.attributes) {
      if (attribute.type.kind === 'template') continue;
      const key = attribute.deprecated?.reason === 'renamed' ? attribute.deprecated.renamedTo : attribute.deprecated ? undefined : attribute.key;
      if (key === undefined) continue;
      const names = [attribute.key, ...attribute.aliases];
      for (const name of names) {
        const form = singular(normalizeKey(name));
        add(this.full, form, key);
        this.forms.push({ form, key });
        const dot = form.indexOf('.');
        if (dot > 0 && namespaces.has(form.slice(0, dot))) {
          add(this.bare, form.slice(dot + 1), key);
          this.forms.push({ form: form.slice(dot + 1), key });
        }
      }
    }
    for (const [alias, canonical] of Object.entries(registry.aliases)) add(this.full, singular(normalizeKey(alias)), canonical);
  }

  suggest(key: string): Suggestion | undefined {
    if (this.cache.has(key)) return this.cache.get(key);
    const found = this.compute(key);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, found);
    return found;
  }

  private compute(key: string): Suggestion | undefined {
    const form = singular(normalizeKey(key));
    if (!form) return undefined;
    const exact = only(this.full.get(form)) ?? only(this.bare.get(form));
    if (exact !== undefined) return exact === key ? undefined : { key: exact, kind: 'normalized', distance: 0 };
    const max = allowedEdits(form.length);
    if (max === 0) return undefined;
    let best = max + 1;
    let winners = new Set<string>();
    for (const candidate of this.forms) {
      const d = editDistance(form, candidate.form, Math.min(max, best));
      if (d < best) {
        best = d;
        winners = new Set([candidate.key]);
      } else if (d === best && d <= max) winners.add(candidate.key);
    }
    const winner = best <= max ? only(winners) : undefined;
    return winner === undefined ? undefined : { key: winner, kind: 'edit_distance', distance: best };
  }
}

function only(set: Set<string> | undefined): string | undefined {
  if (!set || set.size !== 1) return undefined;
  return set.values().next().value;
}
