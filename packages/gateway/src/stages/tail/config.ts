// `destinations.<name>.sampling.tail` of the strategy file: validated here, as plain data (it is
// structured-cloned to the processing threads with the rest of the strategy document). The
// sampling section's parser (stages/sample) hands the raw `tail` value to `parseTailConfig`.
import { parseDuration, parseSize } from '../../exporters/durations.js';
import { ExporterConfigError } from '../../exporters/config-fields.js';
import type { ConfigProblem } from '../../config/types.js';
import { compileTraceExpression } from '../../cel/index.js';

/** What a rule does to the traces it matches. */
export type TailAction = { kind: 'keep' } | { kind: 'drop' } | { kind: 'sample'; rate: number };

export interface TailRuleConfig {
  /** The rule's name: the `rule` label of its counts. */
  name: string;
  /** CEL over `trace` (absent: matches every trace). */
  when?: string;
  action: TailAction;
  /** `<path>.rules[i]`, for errors. */
  path: string;
}

export interface TailConfig {
  decisionWaitMs: number;
  rules: TailRuleConfig[];
  /** A trace with more spans is decided at once; later spans follow the decision. */
  maxSpansPerTrace: number;
  maxBytesPerTrace: number;
  /** Bytes of buffered spans for the destination; past it the oldest trace is decided early. */
  bufferMaxBytes: number;
  /** Decisions remembered for late spans (trace ids). */
  decisionCacheSize: number;
}

export const TAIL_DEFAULTS = {
  decisionWaitMs: 10_000,
  maxSpansPerTrace: 1000,
  maxBytesPerTrace: 1024 * 1024,
  bufferMaxBytes: 256 * 1024 * 1024,
  decisionCacheSize: 100_000,
} as const;

/** JSON Schema of the section, for the strategy file's schema (`sampling.tail`). */
export const TAIL_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    decision_wait: { type: ['string', 'number'] },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1 }, when: { type: 'string' }, sample_rate: { type: 'integer', minimum: 1 }, keep: { type: 'boolean' }, drop: { type: 'boolean' } },
      },
    },
    max_spans_per_trace: { type: 'integer', minimum: 1 },
    max_bytes_per_trace: { type: ['string', 'integer'] },
    buffer_max_bytes: { type: ['string', 'integer'] },
    decision_cache_size: { type: 'integer', minimum: 1 },
  },
} as const;

const KEYS = new Set(['decision_wait', 'rules', 'max_spans_per_trace', 'max_bytes_per_trace', 'buffer_max_bytes', 'decision_cache_size']);
const RULE_KEYS = new Set(['name', 'when', 'sample_rate', 'keep', 'drop']);
/** A decision wait longer than this holds acknowledged data for too long to be a sampling choice. */
const MAX_WAIT_MS = 10 * 60_000;

/**
 * Validates the section. Never throws: problems name `path.<key>` (the caller adds file:line).
 * Rule expressions are compiled separately (rules.ts), where the CEL environment lives.
 */
export function parseTailConfig(raw: unknown, path: string): { config?: TailConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (at: string, message: string): void => void problems.push({ path: at, message });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problem(path, 'must be a mapping: { decision_wait, rules: [{ name, when, keep | drop | sample_rate }], ... }');
    return { problems };
  }
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!KEYS.has(key)) problem(`${path}.${key}`, `is not a setting of tail sampling (settings: ${[...KEYS].join(', ')})`);
  const measure = (fn: (v: unknown, p: string) => number, key: string, fallback: number, min: number): number => {
    if (r[key] === undefined) return fallback;
    try {
      const value = fn(r[key], `${path}.${key}`);
      if (value < min) problem(`${path}.${key}`, `must be at least ${min}`);
      return value;
    } catch (error) {
      if (!(error instanceof ExporterConfigError)) throw error;
      problem(`${path}.${key}`, error.message.slice(error.path.length + 2));
      return fallback;
    }
  };
  const count = (key: string, fallback: number): number => {
    const v = r[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      problem(`${path}.${key}`, `must be a whole number of at least 1; got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const config: TailConfig = {
    decisionWaitMs: measure(parseDuration, 'decision_wait', TAIL_DEFAULTS.decisionWaitMs, 0),
    rules: [],
    maxSpansPerTrace: count('max_spans_per_trace', TAIL_DEFAULTS.maxSpansPerTrace),
    maxBytesPerTrace: measure(parseSize, 'max_bytes_per_trace', TAIL_DEFAULTS.maxBytesPerTrace, 1),
    bufferMaxBytes: measure(parseSize, 'buffer_max_bytes', TAIL_DEFAULTS.bufferMaxBytes, 1),
    decisionCacheSize: count('decision_cache_size', TAIL_DEFAULTS.decisionCacheSize),
  };
  if (config.decisionWaitMs > MAX_WAIT_MS) problem(`${path}.decision_wait`, `must be at most 10m: the buffered spans were acknowledged and wait that long before delivery`);
  if (config.maxBytesPerTrace > config.bufferMaxBytes) problem(`${path}.max_bytes_per_trace`, `must not exceed buffer_max_bytes (${config.bufferMaxBytes})`);
  const rules = r.rules;
  if (rules !== undefined && !Array.isArray(rules)) problem(`${path}.rules`, 'must be a list of { name, when, keep | drop | sample_rate }');
  const names = new Set<string>();
  if (Array.isArray(rules)) {
    rules.forEach((rule: unknown, i) => {
      const at = `${path}.rules[${i}]`;
      if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return problem(at, 'must be a mapping { name, when, keep | drop | sample_rate }');
      const x = rule as Record<string, unknown>;
      for (const key of Object.keys(x)) if (!RULE_KEYS.has(key)) problem(`${at}.${key}`, `is not a setting of a tail rule (settings: ${[...RULE_KEYS].join(', ')})`);
      if (typeof x.name !== 'string' || x.name === '') return problem(`${at}.name`, 'must be a non-empty string: it labels the rule\'s counts');
      if (names.has(x.name)) problem(`${at}.name`, `repeats the name ${JSON.stringify(x.name)}: each rule's counts need their own label`);
      names.add(x.name);
      if (x.when !== undefined && typeof x.when !== 'string') problem(`${at}.when`, 'must be a CEL expression (a string)');
      const actions = (['keep', 'drop', 'sample_rate'] as const).filter((k) => x[k] !== undefined && x[k] !== false);
      if (actions.length !== 1) return problem(at, `must give exactly one of keep: true, drop: true or sample_rate: N (got ${actions.length === 0 ? 'none' : actions.join(', ')})`);
      let action: TailAction;
      if (actions[0] === 'sample_rate') {
        const n = x.sample_rate;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return problem(`${at}.sample_rate`, `must be a whole number of at least 1 (keep 1 trace in N); got ${JSON.stringify(n)}`);
        action = n === 1 ? { kind: 'keep' } : { kind: 'sample', rate: n };
      } else {
        if (x[actions[0]!] !== true) return problem(`${at}.${actions[0]}`, 'must be true');
        action = { kind: actions[0] as 'keep' | 'drop' };
      }
      config.rules.push({ name: x.name, ...(typeof x.when === 'string' ? { when: x.when } : {}), action, path: at });
    });
  }
  return problems.length > 0 ? { problems } : { config, problems };
}

/**
 * The strategy file's `sampling.tail` of one destination: the settings, then each rule's `when`
 * compiled. Problems carry the path as a list (the strategy parser locates them in the file).
 */
export function checkTailSection(raw: unknown, path: (string | number)[], dotted: (p: (string | number)[]) => string): { config?: TailConfig; problems: { path: (string | number)[]; message: string }[] } {
  const base = dotted(path);
  const parsed = parseTailConfig(raw, base);
  const toList = (p: string): (string | number)[] => [...path, ...p.slice(base.length).split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== '').map((x) => (/^\d+$/.test(x) ? Number(x) : x))];
  const problems = parsed.problems.map((p) => ({ path: toList(p.path), message: p.message }));
  if (parsed.config) {
    for (const rule of parsed.config.rules) {
      if (rule.when === undefined) continue;
      try {
        compileTraceExpression(rule.when, `${rule.path}.when`);
      } catch (error) {
        const message = (error as Error).message;
        const at = `${rule.path}.when`;
        problems.push({ path: toList(at), message: message.startsWith(at) ? message.slice(at.length).replace(/^:\s*/, '') : message });
      }
    }
  }
  return problems.length > 0 ? { problems } : { config: parsed.config!, problems };
}

/** Problems of a `sampling.tail` mapping, with paths relative to it. */
export function tailProblems(raw: Record<string, unknown>): { path: (string | number)[]; message: string }[] {
  return checkTailSection(raw, ['tail'], (p) => p.map(String).join('.')).problems.map((p) => ({ path: p.path.slice(1), message: p.message }));
}
