// `destinations.<name>.sampling` of the strategy file: the plain, validated form (structured-
// cloned to every processing thread, which compiles its samplers from it). The JSON Schema part
// lives in schema/strategy.schema.json (#/definitions/sampling); this adds what a schema cannot
// say: CEL that compiles, one goal, durations, and the tail hook.
import type { ConfigPath } from '../../config/env.js';
import { parseDuration } from '../../exporters/durations.js';
import { CelExpressionError, compileSpanExpression } from '../../cel/index.js';

export interface DynamicDocument {
  /** Attribute keys (span, else resource) or `span.name`, `span.kind`, `span.status.code`. */
  key: string[];
  goal_sample_rate?: number;
  goal_throughput_per_sec?: number;
  interval_ms: number;
  /** Weight of the newest interval in the moving average. */
  weight: number;
  max_keys: number;
}

export interface BudgetDocument {
  /** `tenant`, or a resource attribute key. */
  per: string;
  spans_per_sec?: number;
  bytes_per_sec?: number;
  interval_ms: number;
  max_keys: number;
}

export interface LimitsDocument {
  max_attribute_value_length?: number;
  max_attributes_per_span?: number;
  max_events_per_span?: number;
}

export interface SamplingDocument {
  head?: { sample_rate: number };
  dynamic?: DynamicDocument;
  keep: string[];
  drop: string[];
  budgets?: BudgetDocument;
  limits?: LimitsDocument;
  dry_run: boolean;
  /** Tail sampling's own settings (stages/tail), passed through. */
  tail?: Record<string, unknown>;
}

/**
 * Whether the section asks anything of the per-span samplers (head, dynamic, rules, budgets,
 * limits, dry run): a section with only `tail` is tail sampling's alone, and its spans are not
 * re-encoded with a weight of 1 on the way to the trace buffer.
 */
export function samplesSpans(doc: SamplingDocument): boolean {
  return doc.head !== undefined || doc.dynamic !== undefined || doc.keep.length > 0 || doc.drop.length > 0 || doc.budgets !== undefined || doc.limits !== undefined || doc.dry_run;
}

export const SAMPLING_DEFAULTS = { interval_ms: 15_000, weight: 0.5, max_keys: 500, budget_interval_ms: 1_000, budget_max_keys: 1_000 } as const;

interface Problem {
  path: ConfigPath;
  message: string;
}

type Raw = Record<string, unknown>;

function isMap(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function duration(v: unknown, fallback: number, path: ConfigPath, problems: Problem[]): number {
  if (v === undefined) return fallback;
  try {
    const ms = parseDuration(v, path.join('.'));
    if (ms >= 100 && ms <= 3_600_000) return ms;
    problems.push({ path, message: 'must be between 100ms and 1h' });
  } catch (error) {
    problems.push({ path, message: (error as Error).message.replace(/^[^:]*: /, '') });
  }
  return fallback;
}

/**
 * The sampling section of one destination entry. `at` is the entry's path in the strategy
 * (`['destinations', name]`), `full` turns a path into the dotted form users see (with the
 * `strategy.` prefix when inline). Problems are pushed with paths relative to the strategy root.
 */
export function samplingOf(raw: unknown, at: ConfigPath, full: (path: ConfigPath) => string, problems: Problem[]): SamplingDocument | undefined {
  if (!isMap(raw)) return undefined;
  const base: ConfigPath = [...at, 'sampling'];
  const out: SamplingDocument = { keep: [], drop: [], dry_run: raw.dry_run === true };
  for (const kind of ['keep', 'drop'] as const) {
    const list = raw[kind];
    if (!Array.isArray(list)) continue;
    list.forEach((expression, i) => {
      if (typeof expression !== 'string') return;
      const path: ConfigPath = [...base, kind, i];
      try {
        compileSpanExpression(expression, full(path));
        out[kind].push(expression);
      } catch (error) {
        if (!(error instanceof CelExpressionError)) throw error;
        problems.push({ path, message: error.message.slice(error.path.length + 2) });
      }
    });
  }
  const head = raw.head;
  if (isMap(head) && num(head.sample_rate) !== undefined) out.head = { sample_rate: num(head.sample_rate)! };
  const dynamic = raw.dynamic;
  if (isMap(dynamic)) {
    const path: ConfigPath = [...base, 'dynamic'];
    const key = typeof dynamic.key === 'string' ? [dynamic.key] : Array.isArray(dynamic.key) ? dynamic.key.filter((k): k is string => typeof k === 'string') : [];
    const rate = num(dynamic.goal_sample_rate);
    const throughput = num(dynamic.goal_throughput_per_sec);
    if ((rate === undefined) === (throughput === undefined)) problems.push({ path, message: 'give exactly one of goal_sample_rate (keep 1 in N on average) or goal_throughput_per_sec (spans per second to keep)' });
    if (out.head) problems.push({ path: [...base, 'head'], message: 'choose head or dynamic sampling, not both: dynamic already decides by trace id, per key' });
    out.dynamic = {
      key,
      ...(rate !== undefined ? { goal_sample_rate: rate } : {}),
      ...(throughput !== undefined ? { goal_throughput_per_sec: throughput } : {}),
      interval_ms: duration(dynamic.interval, SAMPLING_DEFAULTS.interval_ms, [...path, 'interval'], problems),
      weight: num(dynamic.weight) ?? SAMPLING_DEFAULTS.weight,
      max_keys: num(dynamic.max_keys) ?? SAMPLING_DEFAULTS.max_keys,
    };
  }
  const budgets = raw.budgets;
  if (isMap(budgets) && typeof budgets.per === 'string') {
    const path: ConfigPath = [...base, 'budgets'];
    const spans = num(budgets.spans_per_sec);
    const bytes = num(budgets.bytes_per_sec);
    if ((spans === undefined) === (bytes === undefined)) problems.push({ path, message: 'give exactly one of spans_per_sec or bytes_per_sec' });
    out.budgets = {
      per: budgets.per,
      ...(spans !== undefined ? { spans_per_sec: spans } : {}),
      ...(bytes !== undefined ? { bytes_per_sec: bytes } : {}),
      interval_ms: duration(budgets.interval, SAMPLING_DEFAULTS.budget_interval_ms, [...path, 'interval'], problems),
      max_keys: num(budgets.max_keys) ?? SAMPLING_DEFAULTS.budget_max_keys,
    };
  }
  const limits = raw.limits;
  if (isMap(limits)) {
    const l: LimitsDocument = {};
    for (const k of ['max_attribute_value_length', 'max_attributes_per_span', 'max_events_per_span'] as const) {
      const n = num(limits[k]);
      if (n !== undefined) l[k] = n;
    }
    out.limits = l;
  }
  // `tail` is tail sampling's (stages/tail/config.ts): strategy/document.ts checks it with
  // checkTailSection; here it is passed through.
  if (isMap(raw.tail)) out.tail = raw.tail;
  return out;
}
