// The strategy file as written, validated: the JSON Schema (schema/strategy.schema.json), then
// what a schema cannot say (destinations that exist, CEL that compiles, one key source). The
// result is plain data, so it can be structured-cloned to the processing threads, which compile
// it (compile.ts); every problem names its path and file:line.
import ajvModule, { type ErrorObject } from 'ajv';
import { dirname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import schema from '../../schema/strategy.schema.json' with { type: 'json' };
import { didYouMean, relativeTo } from '../config/checks.js';
import type { ConfigPath } from '../config/env.js';
import { locator, toJsOrProblem, type Locate } from '../config/locate.js';
import { toProblem } from '../config/schema.js';
import type { ConfigProblem } from '../config/types.js';
import { compileCondition, RouteConditionError } from '../router/router.js';
import type { Sensitivity, UnknownMode } from './types.js';
import { samplingOf, type SamplingDocument } from '../stages/sample/config.js';
import { checkTailSection, type TailConfig } from '../stages/tail/config.js';

const Ajv = ajvModule.default;
export const validateStrategySchema = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);

/** An action as written: `allow`, `hash`, `mask`, `drop` or `{ truncate: N }`. */
export type RawAction = 'allow' | 'hash' | 'mask' | 'drop' | { truncate: number };
export const ACTION_NAMES = ['allow', 'hash', 'mask', 'drop', 'truncate'] as const;

export interface KeyDeclaration {
  id: string;
  env?: string;
  /** Absolute: resolved against the strategy file's folder. */
  file?: string;
  /** Dotted path of the declaration, e.g. `destinations.eu.keys.default`, and where it is. */
  path: string;
  location?: string;
}

export interface RawPolicy {
  sensitivity?: Partial<Record<Sensitivity, RawAction>>;
  unknown?: UnknownMode;
  overrides?: Record<string, RawAction>;
}

export interface DestinationDocument extends RawPolicy {
  key?: KeyDeclaration;
  jurisdictions: (RawPolicy & { when: string })[];
  /** Volume (stages/sample): traces only. */
  sampling?: SamplingDocument;
  /** `sampling.tail`, validated (stages/tail). */
  tail?: TailConfig;
  /** Dotted path of the entry (`destinations.eu` or `strategy.destinations.eu` when inline) and where it is. */
  path: string;
  location?: string;
}

/** A validated strategy: plain data (no functions), safe to send to a worker thread. */
export interface StrategyDocument {
  /** The strategy file, or `<cairn.yaml>#strategy` when inline. */
  source: string;
  destinations: Record<string, DestinationDocument>;
}

export interface StrategyParse {
  document?: StrategyDocument;
  problems: ConfigProblem[];
}

export interface ParseOptions {
  /** Where the mapping sits in its YAML document: `[]` for a file, `['strategy']` inline. */
  prefix: ConfigPath;
  locate: Locate;
  source: string;
  /** Key files resolve against this folder. */
  base: string;
  /** The destinations of cairn.yaml; a strategy entry for another name is an error. */
  destinations?: readonly string[];
}

/** Reads and validates a strategy file. Never throws: a problem list or a document. */
export function parseStrategyFile(file: string, destinations?: readonly string[]): StrategyParse {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problems: [{ path: '', message: `cannot read strategy file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, location: file }] };
  }
  return parseStrategyText(text, file, destinations);
}

export function parseStrategyText(text: string, source: string, destinations?: readonly string[]): StrategyParse {
  const lines = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    return { problems: [{ path: '', message: `not YAML: ${(error as Error).message.split('\n')[0]}`, location: `${source}:1:1` }] };
  }
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { path: '', message: e.message.split('\n')[0]!, location: `${source}:${pos.line}:${pos.col}` };
      }),
    };
  }
  const js = toJsOrProblem(doc, lines, source, text);
  if (!('value' in js)) return { problems: [{ path: '', message: js.message, location: js.location }] };
  return parseStrategyValue(js.value, { prefix: [], locate: locator(doc, lines, source), source, base: dirname(resolve(source)), ...(destinations ? { destinations } : {}) });
}

/**
 * `strategy:` of cairn.yaml: a path (relative to the config file's folder) or the mapping inline,
 * whose problems then carry cairn.yaml's lines under `strategy.…`. `unentered`: the config's
 * destinations the strategy has no entry for (left unchanged; `cairn validate` warns).
 */
export function strategyInConfig(raw: unknown, config: { locate: Locate; source: string; base: string; destinations: readonly string[] }): StrategyParse & { unentered: string[] } {
  let parsed: StrategyParse;
  if (typeof raw === 'string') {
    const file = relativeTo(config.base, raw);
    parsed = parseStrategyFile(file, config.destinations);
    for (const p of parsed.problems) if (!p.location) p.location = file;
  } else if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    parsed = parseStrategyValue(raw, { prefix: ['strategy'], locate: config.locate, source: `${config.source}#strategy`, base: config.base, destinations: config.destinations });
  } else {
    return { problems: [], unentered: [] };
  }
  const entered = parsed.document?.destinations ?? {};
  return { ...parsed, unentered: parsed.document ? config.destinations.filter((name) => !(name in entered)) : [] };
}

export function unenteredWarning(names: readonly string[]): string {
  const one = names.length === 1;
  return `has no entry for destination${one ? '' : 's'} ${names.join(', ')}: ${one ? 'its' : 'their'} data is sent unchanged (no classification, redaction or hashing); add an entry to make that a decision`;
}

/** Validates a parsed strategy mapping (from its own file or inline in cairn.yaml). */
export function parseStrategyValue(value: unknown, options: ParseOptions): StrategyParse {
  const raw: { path: ConfigPath; message: string; atKey?: boolean }[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    raw.push({ path: [], message: 'a strategy is a mapping with `destinations:` (see docs/strategy.md)' });
    return { problems: located(raw, options) };
  }
  if (!validateStrategySchema(value)) raw.push(...schemaProblems(validateStrategySchema.errors ?? [], value));
  const destinations: Record<string, DestinationDocument> = {};
  const entries = (value as { destinations?: unknown }).destinations;
  if (entries && typeof entries === 'object' && !Array.isArray(entries)) {
    for (const [name, entry] of Object.entries(entries as Record<string, unknown>)) {
      const path: ConfigPath = ['destinations', name];
      if (options.destinations && !options.destinations.includes(name)) {
        const guess = didYouMean(name, options.destinations);
        raw.push({ path, atKey: true, message: `is not a destination of cairn.yaml${guess ? `; did you mean \`${guess}\`?` : ''} (destinations: ${options.destinations.join(', ') || 'none'})` });
      }
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) continue;
      destinations[name] = destinationOf(entry as RawEntry, path, options, raw);
    }
  }
  if (raw.length > 0) return { problems: located(raw, options) };
  return { document: { source: options.source, destinations }, problems: [] };
}

interface RawEntry extends RawPolicy {
  keys?: { default?: { id: string; env?: string; file?: string } };
  jurisdictions?: (RawPolicy & { when: string })[];
  sampling?: unknown;
}

function destinationOf(entry: RawEntry, path: ConfigPath, options: ParseOptions, raw: { path: ConfigPath; message: string }[]): DestinationDocument {
  const out: DestinationDocument = { ...policyOf(entry), jurisdictions: [], path: dotted([...options.prefix, ...path]) };
  const location = options.locate([...options.prefix, ...path]);
  if (location) out.location = location;
  const key = entry.keys?.default;
  if (key && typeof key === 'object') {
    const keyPath: ConfigPath = [...path, 'keys', 'default'];
    if ((key.env === undefined) === (key.file === undefined)) raw.push({ path: keyPath, message: 'give exactly one of `env` (an environment variable) or `file` (a path) for the key' });
    const declaration: KeyDeclaration = { id: key.id, path: dotted([...options.prefix, ...keyPath]) };
    if (typeof key.env === 'string') declaration.env = key.env;
    if (typeof key.file === 'string') declaration.file = relativeTo(options.base, key.file);
    const at = options.locate([...options.prefix, ...keyPath]);
    if (at) declaration.location = at;
    out.key = declaration;
  }
  if (Array.isArray(entry.jurisdictions)) {
    entry.jurisdictions.forEach((j, i) => {
      if (!j || typeof j !== 'object') return;
      if (typeof j.when === 'string') {
        const whenPath = [...path, 'jurisdictions', i, 'when'];
        try {
          compileCondition(j.when, dotted([...options.prefix, ...whenPath]));
        } catch (error) {
          if (!(error instanceof RouteConditionError)) throw error;
          raw.push({ path: whenPath, message: error.message.slice(error.path.length + 2) });
        }
      }
      out.jurisdictions.push({ ...policyOf(j), when: j.when });
    });
  }
  const sampling = samplingOf(entry.sampling, path, (p) => dotted([...options.prefix, ...p]), raw);
  if (sampling) out.sampling = sampling;
  const tailSection = entry.sampling && typeof entry.sampling === 'object' ? (entry.sampling as { tail?: unknown }).tail : undefined;
  if (tailSection !== undefined) {
    const tail = checkTailSection(tailSection, [...path, 'sampling', 'tail'], dotted);
    raw.push(...tail.problems);
    if (tail.config) out.tail = tail.config;
  }
  return out;
}

function policyOf(p: RawPolicy): RawPolicy {
  const out: RawPolicy = {};
  if (p.sensitivity && typeof p.sensitivity === 'object') out.sensitivity = { ...p.sensitivity };
  if (typeof p.unknown === 'string') out.unknown = p.unknown;
  if (p.overrides && typeof p.overrides === 'object') out.overrides = { ...p.overrides };
  return out;
}

/**
 * Ajv's errors as problems. An action is `oneOf` a word and `{ truncate: N }`, for which Ajv
 * reports every branch; those are replaced by one sentence per value, with a did-you-mean.
 */
function schemaProblems(errors: ErrorObject[], value: unknown): { path: ConfigPath; message: string; atKey?: boolean }[] {
  const out: { path: ConfigPath; message: string; atKey?: boolean }[] = [];
  const actions = new Set<string>();
  for (const error of errors) {
    if (error.schemaPath.startsWith('#/definitions/action')) {
      actions.add(error.instancePath);
      continue;
    }
    const problem = toProblem(error);
    if (error.keyword === 'pattern' && problem.path[problem.path.length - 1] === 'id') problem.message = 'must be 1–32 characters of [A-Za-z0-9_.-]: it is written into every pseudonym as hmac:<id>:…';
    out.push(problem);
  }
  for (const instancePath of actions) {
    const path: ConfigPath = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    out.push(actionProblem(valueAt(value, path), path));
  }
  return out;
}

function actionProblem(action: unknown, path: ConfigPath): { path: ConfigPath; message: string; atKey?: boolean } {
  const expected = 'must be allow, hash, mask, drop or { truncate: N }';
  if (typeof action === 'string') {
    const guess = didYouMean(action, ACTION_NAMES);
    return { path, message: `${expected}, not ${JSON.stringify(action)}${guess ? `; did you mean \`${guess === 'truncate' ? '{ truncate: N }' : guess}\`?` : ''}` };
  }
  if (action && typeof action === 'object' && !Array.isArray(action)) {
    const keys = Object.keys(action);
    const other = keys.find((k) => k !== 'truncate');
    if (other !== undefined) {
      const guess = didYouMean(other, ['truncate']);
      return { path: [...path, other], atKey: true, message: `is not a known setting of an action${guess ? `; did you mean \`${guess}\`?` : ''} (${expected})` };
    }
    const n = (action as { truncate?: unknown }).truncate;
    if (n === undefined) return { path, message: `${expected}` };
    return { path: [...path, 'truncate'], message: 'must be a whole number of bytes between 0 and 1048576' };
  }
  return { path, message: `${expected}, not ${action === null ? 'null' : Array.isArray(action) ? 'a list' : typeof action}` };
}

function valueAt(value: unknown, path: ConfigPath): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function dotted(path: ConfigPath): string {
  return path.map(String).join('.');
}

function located(list: { path: ConfigPath; message: string; atKey?: boolean }[], options: ParseOptions): ConfigProblem[] {
  const seen = new Set<string>();
  const out: ConfigProblem[] = [];
  for (const p of list) {
    const full = [...options.prefix, ...p.path];
    const key = `${dotted(full)}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const location = options.locate(full, p.atKey);
    out.push({ path: dotted(full), message: p.message, ...(location ? { location } : {}) });
  }
  return out;
}

