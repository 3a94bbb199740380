// Tail rules, compiled: the first rule whose `when` holds for the whole trace decides it. The CEL
// side (the `trace` variable and its helpers) lives in ../../cel; this file only needs something
// that answers true / false / absent for a decoded trace, so it can be tested without CEL.
import type { TracesView } from '@cairn/otlp';
import { compileTraceExpression, keeps, thresholdForRate, traceOf, traceRandomness, type Threshold } from '../../cel/index.js';
import type { TailAction, TailRuleConfig } from './config.js';

/** A compiled `when`: true, false, or 'absent' (it read something the trace does not carry: no match). Throws on a run-time error. */
export interface TraceMatcher {
  evaluate(trace: TracesView): boolean | 'absent';
}

/** Compiles a trace expression; throws an error whose message starts with `path` when it cannot. */
export type TraceCompiler = (expression: string, path: string) => TraceMatcher;

export interface TailRule {
  readonly name: string;
  readonly action: TailAction;
  /** Undefined: matches every trace. */
  readonly matcher?: TraceMatcher;
  /** For `sample_rate`: the consistent-probability threshold (the same as head sampling's). */
  readonly threshold?: Threshold;
}

/** Tail rules' `when`, in the CEL trace environment (docs/cel.md): `trace.any(s, …)`, `trace.root`, … */
export const celTraceCompiler: TraceCompiler = (expression, path) => {
  const compiled = compileTraceExpression(expression, path);
  return { evaluate: (view) => compiled.evaluate({ trace: traceOf([{ view }]) }) };
};

export interface TailDecision {
  keep: boolean;
  /** The rule that decided, or null when none matched (kept at rate 1). */
  rule: string | null;
  /** The rule's sample rate: the SampleRate of a kept trace, 1 for keep/drop/no match. */
  rate: number;
}

const NO_MATCH: TailDecision = { keep: true, rule: null, rate: 1 };

export function compileTailRules(rules: readonly TailRuleConfig[], compile: TraceCompiler): TailRule[] {
  return rules.map((r) => ({
    name: r.name,
    action: r.action,
    ...(r.when !== undefined ? { matcher: compile(r.when, `${r.path}.when`) } : {}),
    ...(r.action.kind === 'sample' ? { threshold: thresholdForRate(r.action.rate) } : {}),
  }));
}

const randomness = { hi: 0, lo: 0 };

/** Keeps 1 trace in N by the trace id's random bits (OTel consistent probability): the same answer on every instance and after a restart. */
export function sampledIn(traceId: Uint8Array, threshold: Threshold): boolean {
  traceRandomness(traceId, randomness);
  return keeps(randomness, threshold);
}

/**
 * Runs `rules` in order over a whole trace; the first match wins. A rule that throws counts in
 * `errors` and does not match (the next rule is tried), so one bad rule never drops data silently.
 */
export function decideTrace(rules: readonly TailRule[], trace: TracesView, traceId: Uint8Array, errors: { count: number }): TailDecision {
  for (const rule of rules) {
    let matched: boolean | 'absent' = true;
    if (rule.matcher) {
      try {
        matched = rule.matcher.evaluate(trace);
      } catch {
        errors.count++;
        matched = false;
      }
    }
    if (matched !== true) continue;
    const a = rule.action;
    if (a.kind === 'keep') return { keep: true, rule: rule.name, rate: 1 };
    if (a.kind === 'drop') return { keep: false, rule: rule.name, rate: 1 };
    return { keep: sampledIn(traceId, rule.threshold ?? thresholdForRate(a.rate)), rule: rule.name, rate: a.rate };
  }
  return NO_MATCH;
}
