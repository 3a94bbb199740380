// The SLI tap: runs on a processing thread over the decoded traces view, after normalization and
// BEFORE routing and sampling, so an SLI counts 100% of what was accepted whatever each
// destination later keeps. Per span and SLO: `where` true → the span counts; then `good` true →
// good, false → bad, absent → unjudgeable. Counts are weighted by the span's upstream sampling
// (SampleRate, ot=th). One expression failing at run time disables its SLO alone.
import type { TracesView } from '@cairn/otlp';
import { CelRuntimeError, compileSpanExpression, SpanContexts, upstreamWeight, type SpanContext, type SpanExpression } from '../cel/index.js';
import { compileIndicator, readLabels } from './compile.js';
import type { SloDefinition } from './definition.js';
import type { SloCounts, SloDelta } from './delta.js';
import { MINUTE_MS } from './evaluate.js';

/** `arrival`: the minute the gateway received the batch; `event`: each span's end time (replay). */
export type SloClock = 'arrival' | 'event';

interface TapSlo {
  name: string;
  where: SpanExpression;
  good: SpanExpression;
  /** Keys `good` reads, checked on each matching span for insufficient instrumentation. */
  goodKeys: { place: 'resource' | 'scope' | 'span'; key: string; label: string }[];
  disabled: boolean;
  /** This batch's counts by minute (one minute on the arrival clock). */
  counts: Map<number, SloCounts>;
}

// Read so that SpanContexts decodes it: the upstream weight needs it on every matching span.
const SAMPLE_RATE = compileSpanExpression('has(span.attributes.SampleRate)', 'slo.weight');

export class SloTap {
  private readonly slos: TapSlo[] = [];
  private readonly contexts: SpanContexts | undefined;
  private errors: SloDelta['errors'] = [];

  /** `defs` compiled here; one that does not compile is left out (the main thread reports it). */
  constructor(defs: readonly SloDefinition[], private readonly clock: SloClock = 'arrival') {
    for (const def of defs) {
      try {
        const { where, good } = compileIndicator(def);
        this.slos.push({ name: def.name, where, good, goodKeys: readLabels(good), disabled: false, counts: new Map() });
      } catch {
        continue;
      }
    }
    if (this.slos.length > 0) this.contexts = new SpanContexts([SAMPLE_RATE, ...this.slos.flatMap((s) => [s.where, s.good])]);
  }

  get size(): number {
    return this.slos.length;
  }

  /** Counts one batch; `now` (ms) is the arrival clock. Returns undefined when nothing counted. */
  run(view: TracesView, now: number): SloDelta | undefined {
    const contexts = this.contexts;
    if (!contexts || view.spanCount === 0) return undefined;
    contexts.reset(view);
    const arrival = Math.floor(now / MINUTE_MS);
    const n = view.spanCount;
    for (let i = 0; i < n; i++) {
      const ctx = contexts.at(i);
      let weight = 0;
      for (const slo of this.slos) {
        if (slo.disabled) continue;
        let matched: boolean | 'absent';
        let good: boolean | 'absent';
        try {
          matched = slo.where.evaluate(ctx);
          if (matched !== true) continue;
          good = slo.good.evaluate(ctx);
        } catch (error) {
          if (!(error instanceof CelRuntimeError)) throw error;
          slo.disabled = true;
          this.errors.push({ slo: slo.name, message: `${error.code}: ${error.message}` });
          continue;
        }
        if (weight === 0) weight = upstreamWeight(ctx.span.attributes.get('SampleRate'), ctx.span.trace_state);
        const minute = this.clock === 'arrival' ? arrival : Math.floor(ctx.span.cursor.endTimeUnixMs / MINUTE_MS);
        let row = slo.counts.get(minute);
        if (!row) slo.counts.set(minute, (row = { slo: slo.name, minute, good: 0, bad: 0, unjudgeable: 0, missing: {} }));
        if (good === true) row.good += weight;
        else if (good === false) row.bad += weight;
        else row.unjudgeable += weight;
        if (slo.goodKeys.length > 0) countMissing(slo, ctx, row, weight);
      }
    }
    return this.take();
  }

  private take(): SloDelta | undefined {
    const counts: SloCounts[] = [];
    for (const slo of this.slos) {
      for (const row of slo.counts.values()) counts.push(row);
      slo.counts.clear();
    }
    const errors = this.errors;
    this.errors = [];
    return counts.length === 0 && errors.length === 0 ? undefined : { counts, errors };
  }
}

function countMissing(slo: TapSlo, ctx: SpanContext, row: SloCounts, weight: number): void {
  for (const k of slo.goodKeys) {
    const map = k.place === 'span' ? ctx.span.attributes : k.place === 'resource' ? ctx.resource : (ctx.scope as { attributes: Map<string, unknown> }).attributes;
    if (!map.has(k.key)) row.missing[k.label] = (row.missing[k.label] ?? 0) + weight;
  }
}
