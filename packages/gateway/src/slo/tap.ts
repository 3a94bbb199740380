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
import { ABSENT, FALLBACK, FALSE, FastSpans, TRUE, type Tri } from './fast.js';
import { buildKernel, celKernel, type Kernel, type KernelHost } from './kernel.js';

/** `arrival`: the minute the gateway received the batch; `event`: each span's end time (replay). */
export type SloClock = 'arrival' | 'event';

interface TapSlo {
  name: string;
  where: SpanExpression;
  good: SpanExpression;
  /** Slots of the `good` keys in FastSpans (-1: a scope key, checked on the CEL context). */
  goodSlots: number[];
  /** Keys `good` reads, checked on each matching span for insufficient instrumentation. */
  goodKeys: { place: 'resource' | 'scope' | 'span'; key: string; label: string }[];
  /** This batch's counts by minute (one minute on the arrival clock), and the row used last. */
  counts: Map<number, SloCounts>;
  last: SloCounts | undefined;
  /** On the arrival clock: this batch's weight of matching spans lacking each `good` key. */
  missing: Float64Array;
}

// Read so that SpanContexts decodes it: the upstream weight needs it on every matching span.
const SAMPLE_RATE = compileSpanExpression('has(span.attributes.SampleRate)', 'slo.weight');

export class SloTap implements KernelHost {
  private readonly slos: TapSlo[] = [];
  /** Per SLO: 1 once its expression failed at run time (the kernel skips it). */
  private readonly disabled: Uint8Array;
  private readonly kernel: Kernel;
  /** The arrival clock's counts of a batch, 3 per SLO (bad, good, unjudgeable), filled by the kernel. */
  private readonly arrivalCounts: Float64Array;
  /** Per SLO, its `missing` (the kernel adds to them). */
  private readonly arrivalMissing: Float64Array[];
  /** Minute of this batch on the arrival clock. */
  private arrival = 0;
  private readonly contexts: SpanContexts | undefined;
  private readonly fast = new FastSpans();
  private readonly sampleRateSlot: number;
  private errors: SloDelta['errors'] = [];
  /** The span the CEL context is at (-1: none yet in this batch): it moves only when needed. */
  private ctxAt = -1;
  private ctx: SpanContext | undefined;

  /** `defs` compiled here; one that does not compile is left out (the main thread reports it). */
  constructor(defs: readonly SloDefinition[], private readonly clock: SloClock = 'arrival') {
    for (const def of defs) {
      try {
        const { where, good } = compileIndicator(def);
        const goodKeys = readLabels(good);
        const goodSlots = goodKeys.map((k) => (k.place === 'span' ? this.fast.spanSlot(k.key) : k.place === 'resource' ? -2 - this.fast.resourceSlot(k.key) : -1));
        this.slos.push({ name: def.name, where, good, goodKeys, goodSlots, counts: new Map(), last: undefined, missing: new Float64Array(goodKeys.length) });
      } catch {
        continue;
      }
    }
    this.disabled = new Uint8Array(this.slos.length);
    this.arrivalCounts = new Float64Array(3 * this.slos.length);
    this.arrivalMissing = this.slos.map((slo) => slo.missing);
    try {
      this.kernel = buildKernel(this.slos.map((slo) => ({ where: slo.where.expression, good: slo.good.expression, watch: slo.goodSlots })), this.fast);
    } catch {
      this.kernel = celKernel(this.slos.length);
    }
    this.sampleRateSlot = this.fast.spanSlot('SampleRate');
    if (this.slos.length > 0) this.contexts = new SpanContexts([SAMPLE_RATE, ...this.slos.flatMap((s) => [s.where, s.good])]);
  }

  /** The CEL context of span `i`, positioned on first use for that span. */
  private context(i: number): SpanContext {
    if (this.ctxAt !== i) {
      this.ctx = this.contexts!.at(i);
      this.ctxAt = i;
    }
    return this.ctx!;
  }

  /** CEL's verdict (the kernel asks when the fast path cannot decide); a run-time error disables the SLO, reported once. */
  slow(k: number, which: 0 | 1, i: number): Tri {
    const slo = this.slos[k]!;
    try {
      const r = (which === 0 ? slo.where : slo.good).evaluate(this.context(i));
      return r === true ? TRUE : r === false ? FALSE : ABSENT;
    } catch (error) {
      if (!(error instanceof CelRuntimeError)) throw error;
      this.disabled[k] = 1;
      this.errors.push({ slo: slo.name, message: `${error.code}: ${error.message}` });
      return FALLBACK;
    }
  }

  weight(i: number): number {
    const sr = this.fast.spanNumber(this.sampleRateSlot);
    return upstreamWeight(sr === 'odd' ? this.context(i).span.attributes.get('SampleRate') : sr, this.fast.traceState());
  }

  count(k: number, tri: number, weight: number, i: number): void {
    const slo = this.slos[k]!;
    const minute = this.clock === 'arrival' ? this.arrival : Math.floor(this.fast.cursor!.endTimeUnixMs / MINUTE_MS);
    let row = slo.last;
    if (row === undefined || row.minute !== minute) {
      row = slo.counts.get(minute);
      if (!row) slo.counts.set(minute, (row = { slo: slo.name, minute, good: 0, bad: 0, unjudgeable: 0, missing: {} }));
      slo.last = row;
    }
    if (tri === TRUE) row.good += weight;
    else if (tri === FALSE) row.bad += weight;
    else row.unjudgeable += weight;
    for (let k = 0; k < slo.goodKeys.length; k++) {
      if (this.lacks(slo, k, i)) row.missing[slo.goodKeys[k]!.label] = (row.missing[slo.goodKeys[k]!.label] ?? 0) + weight;
    }
  }

  missing(k: number, weight: number, i: number): void {
    const slo = this.slos[k]!;
    for (let j = 0; j < slo.goodKeys.length; j++) if (this.lacks(slo, j, i)) slo.missing[j] = slo.missing[j]! + weight;
  }

  get size(): number {
    return this.slos.length;
  }

  /** Counts one batch; `now` (ms) is the arrival clock. Returns undefined when nothing counted. */
  run(view: TracesView, now: number): SloDelta | undefined {
    const contexts = this.contexts;
    if (!contexts || view.spanCount === 0) return undefined;
    contexts.reset(view);
    this.fast.reset(view);
    this.ctxAt = -1;
    this.arrival = Math.floor(now / MINUTE_MS);
    if (this.clock === 'event') this.kernel(this.fast, this, this.disabled, view.spanCount, undefined, this.arrivalMissing);
    else {
      this.arrivalCounts.fill(0);
      for (const slo of this.slos) slo.missing.fill(0);
      this.kernel(this.fast, this, this.disabled, view.spanCount, this.arrivalCounts, this.arrivalMissing);
      this.addArrival();
    }
    return this.take();
  }

  /** Insufficient instrumentation: whether span `i` lacks the `k`th key `good` reads. */
  private lacks(slo: TapSlo, k: number, i: number): boolean {
    const slot = slo.goodSlots[k]!;
    return !(slot >= 0 ? this.fast.spanHas(slot)
      : slot <= -2 ? this.fast.resourceHas(-2 - slot)
        : (this.context(i).scope as { attributes: Map<string, unknown> }).attributes.has(slo.goodKeys[k]!.key));
  }

  /** The arrival clock's counts of the batch, from the kernel's array to each SLO's row. */
  private addArrival(): void {
    const C = this.arrivalCounts;
    this.slos.forEach((slo, k) => {
      if (C[3 * k]! + C[3 * k + 1]! + C[3 * k + 2]! === 0) return;
      const row: SloCounts = { slo: slo.name, minute: this.arrival, good: C[3 * k + TRUE]!, bad: C[3 * k + FALSE]!, unjudgeable: C[3 * k + ABSENT]!, missing: {} };
      slo.goodKeys.forEach((key, j) => {
        if (slo.missing[j]! > 0) row.missing[key.label] = slo.missing[j]!;
      });
      slo.counts.set(this.arrival, row);
    });
  }

  private take(): SloDelta | undefined {
    const counts: SloCounts[] = [];
    for (const slo of this.slos) {
      for (const row of slo.counts.values()) counts.push(row);
      slo.counts.clear();
      slo.last = undefined;
    }
    const errors = this.errors;
    this.errors = [];
    return counts.length === 0 && errors.length === 0 ? undefined : { counts, errors };
  }
}

