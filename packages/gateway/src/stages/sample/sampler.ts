// One destination's sampler in one processing thread: decides per span of a (redacted) traces
// request, keeps or drops it consistently by trace id, and writes the weight of what it keeps.
//
// Per span: keep rules (always kept), then drop rules, then the rate of the dynamic key or of
// head sampling, raised by the budget of the span's service or tenant (errors exempt). The
// decision is OpenTelemetry's consistent-probability one: keep when the trace's randomness (the
// `rv` of its tracestate, else the last 7 bytes of its id) reaches the rate's threshold, so every
// instance and every restart decide a trace alike, and spans of a trace at the same or a higher
// rate are kept together. Kept spans carry their weight twice: `SampleRate` (an int attribute)
// and `ot=th:` in tracestate, combined with what came from upstream (cel/weight.ts).
import { AttributeCursor, ValueType, type BatchEditor, type SpanCursor, type TracesView } from '@cairn/otlp';
import { CelRuntimeError, compileSpanExpression, SpanContexts, type SpanContext, type SpanExpression } from '../../cel/index.js';
import {
  ALWAYS, combinedSampleRate, combineThresholds, keeps, readOtSampling, sampleRateWeight, thresholdForRate, writeThreshold, type Threshold,
} from '../../cel/weight.js';
import { Budget } from './budget.js';
import type { LimitsDocument, SamplingDocument } from './config.js';
import { DecisionRecorder, type DecisionCount } from './counts.js';
import { DynamicSampler } from './dynamic.js';
import { applyLimits, type LimitCounts } from './limits.js';

export const SAMPLE_RATE = 'SampleRate';
export const KEPT_ATTRIBUTE = 'cairn.sampling.kept';
export const RATE_ATTRIBUTE = 'cairn.sampling.sample_rate';
const TRACE_STATE = 3;
const STATUS_ERROR = 2;
/** Joins the values of a multi-field dynamic key, as Refinery shows them. */
const KEY_SEPARATOR = '•';
const MAX_CACHED_THRESHOLDS = 4096;

/** Where a dynamic key field's value comes from. */
const enum Field { Name, Kind, Status, Attribute }

interface Rule {
  readonly expression: SpanExpression;
  readonly count: DecisionCount;
}

export interface SampleOutcome {
  /** The request to send: the input itself when nothing was dropped or written. */
  bytes: Uint8Array;
  kept: number;
}

export class DestinationSampler {
  readonly recorder: DecisionRecorder;
  private readonly keepRules: Rule[];
  private readonly dropRules: Rule[];
  private readonly contexts: SpanContexts | undefined;
  private readonly dynamic: DynamicSampler | undefined;
  private readonly fields: Field[] = [];
  /** Per key field: the attribute slot it reads (Attribute fields), else -1. */
  private readonly fieldSlots: number[] = [];
  /** Span attribute keys read per span: SampleRate (slot 0) and the dynamic key's attributes. */
  private readonly slots = new Map<string, number>([[SAMPLE_RATE, 0]]);
  private readonly slotKeys: string[] = [SAMPLE_RATE];
  private readonly slotValues: (string | undefined)[];
  private upstreamRate = 1;
  private readonly head: DecisionCount;
  private readonly headRate: number;
  private readonly budget: Budget | undefined;
  private readonly limits: LimitsDocument | undefined;
  private readonly limitCounts: LimitCounts | undefined;
  private readonly dryRun: boolean;
  private readonly attrs = new AttributeCursor();
  private readonly randomness = { hi: 0, lo: 0 };
  private readonly thresholds = new Map<number, Threshold>();
  /** Per resource of the current batch: the key fields' values there, and the budget key. */
  private resourceValues: (string[] | undefined)[] = [];
  private budgetKeys: (string | undefined)[] = [];

  constructor(readonly destination: string, readonly doc: SamplingDocument, threads: number, path = `destinations.${destination}.sampling`) {
    this.dryRun = doc.dry_run;
    this.recorder = new DecisionRecorder(destination, doc.dry_run);
    const rules = (kind: 'keep' | 'drop'): Rule[] => doc[kind].map((e, i) => ({
      expression: compileSpanExpression(e, `${path}.${kind}[${i}]`),
      count: this.recorder.fixedCount(kind, `${kind}[${i}]`),
    }));
    this.keepRules = rules('keep');
    this.dropRules = rules('drop');
    const all = [...this.keepRules, ...this.dropRules].map((r) => r.expression);
    this.contexts = all.length > 0 ? new SpanContexts(all) : undefined;
    if (doc.dynamic) {
      this.dynamic = new DynamicSampler(doc.dynamic, threads);
      for (const field of doc.dynamic.key) {
        const kind = field === 'span.name' ? Field.Name : field === 'span.kind' ? Field.Kind : field === 'span.status.code' ? Field.Status : Field.Attribute;
        this.fields.push(kind);
        if (kind !== Field.Attribute) {
          this.fieldSlots.push(-1);
          continue;
        }
        let slot = this.slots.get(field);
        if (slot === undefined) {
          slot = this.slotKeys.length;
          this.slots.set(field, slot);
          this.slotKeys.push(field);
        }
        this.fieldSlots.push(slot);
      }
    }
    this.slotValues = new Array<string | undefined>(this.slotKeys.length);
    this.headRate = doc.head?.sample_rate ?? 1;
    this.head = this.recorder.fixedCount('head', null);
    if (doc.budgets) this.budget = new Budget(doc.budgets, threads);
    if (doc.limits && Object.keys(doc.limits).length > 0) {
      this.limits = doc.limits;
      this.limitCounts = {
        length: this.recorder.fixedCount('limit', 'max_attribute_value_length'),
        attributes: this.recorder.fixedCount('limit', 'max_attributes_per_span'),
        events: this.recorder.fixedCount('limit', 'max_events_per_span'),
      };
    }
  }

  /** Samples one traces request; `now` is a monotonic clock in ms (intervals), `tenant` the sender. */
  sample(view: TracesView, tenant: string, now: number): SampleOutcome {
    this.dynamic?.tick(now);
    this.budget?.tick(now);
    this.contexts?.reset(view);
    this.resourceValues.length = 0;
    this.budgetKeys.length = 0;
    const spans = view.spans();
    const n = view.spanCount;
    const rec = this.recorder;
    let editor: BatchEditor<'span'> | undefined;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      spans.seek(i);
      rec.seen++;
      const traceState = spans.traceState;
      let upstream: Threshold | undefined;
      let rv: Threshold | undefined;
      if (traceState !== '') {
        const ot = readOtSampling(traceState);
        upstream = ot.th;
        rv = ot.rv;
      }
      const random = this.randomness;
      if (rv !== undefined) {
        random.hi = rv.hi;
        random.lo = rv.lo;
      } else {
        traceRandomness(spans, random);
      }
      // A threshold the trace's own randomness contradicts was not written by a consistent sampler.
      if (upstream !== undefined && !keeps(random, upstream)) upstream = undefined;
      this.readAttributes(spans);

      let decision: DecisionCount | undefined;
      let threshold: Threshold = ALWAYS;
      let rate = 1;
      let keep = true;
      if (this.contexts !== undefined) {
        const ctx = this.contexts.at(i);
        decision = this.firstMatch(this.keepRules, ctx);
        if (decision === undefined) {
          decision = this.firstMatch(this.dropRules, ctx);
          if (decision !== undefined) keep = false;
        }
      }
      if (decision === undefined) {
        if (this.dynamic !== undefined) {
          const key = this.dynamic.admit(this.keyOf(view, spans));
          rate = this.dynamic.rateOf(key);
          decision = rec.keyedCount('dynamic', key);
        } else {
          rate = this.headRate;
          decision = this.head;
        }
        if (this.budget !== undefined) {
          const budget = this.budget;
          const key = budget.admit(this.budgetKey(view, spans, tenant));
          const factor = budget.account(key, (budget.bytes ? spans.byteLength : 1) / rate);
          if (factor > 1 && spans.statusCode !== STATUS_ERROR) {
            const raised = Math.max(1, Math.round(rate * factor));
            if (raised > rate) {
              rate = raised;
              decision = rec.keyedCount('budget', key);
            }
          }
        }
        threshold = this.thresholdOf(rate);
        keep = keeps(random, threshold);
        decision.sample_rate = rate;
      }

      if (!keep) {
        rec.dropped++;
        decision.dropped++;
        editor ??= view.edit() as BatchEditor<'span'>;
        if (this.dryRun) editor.setAttribute('span', i, KEPT_ATTRIBUTE, false);
        else editor.drop('span', i);
        continue;
      }
      kept++;
      rec.kept++;
      decision.kept++;
      const combined = upstream === undefined ? threshold : combineThresholds(upstream, threshold);
      const sampleRate = combinedSampleRate(this.upstreamRate, upstream, combined);
      rec.weight += sampleRate;
      editor ??= view.edit() as BatchEditor<'span'>;
      if (this.limits !== undefined) applyLimits(spans, i, this.limits, this.attrs, this.dryRun ? undefined : editor, this.limitCounts!);
      if (this.dryRun) {
        editor.setAttribute('span', i, KEPT_ATTRIBUTE, true).setAttribute('span', i, RATE_ATTRIBUTE, sampleRate);
      } else {
        editor.setAttribute('span', i, SAMPLE_RATE, sampleRate).setField('span', i, TRACE_STATE, writeThreshold(traceState, combined));
      }
    }
    return { bytes: editor === undefined ? view.bytes : editor.encode(), kept: this.dryRun ? n : kept };
  }

  private firstMatch(rules: readonly Rule[], ctx: SpanContext): DecisionCount | undefined {
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      let result: boolean | 'absent';
      try {
        result = rule.expression.evaluate(ctx);
      } catch (error) {
        if (!(error instanceof CelRuntimeError)) throw error;
        this.recorder.ruleErrors++;
        continue;
      }
      if (result === true) return rule.count;
    }
    return undefined;
  }

  /** One pass over the span's attributes: the upstream SampleRate and the dynamic key's values. */
  private readAttributes(spans: SpanCursor): void {
    const values = this.slotValues;
    values.fill(undefined);
    this.upstreamRate = 1;
    const attrs = spans.attributes(this.attrs);
    const slots = this.slots;
    while (attrs.next()) {
      const slot = slots.get(attrs.key);
      if (slot === undefined) continue;
      if (slot === 0) this.upstreamRate = sampleRateWeight(attrs.numberValue);
      else values[slot] ??= textOf(attrs);
    }
  }

  /** The dynamic key: the key fields' values, from the span, else from its resource. */
  private keyOf(view: TracesView, spans: SpanCursor): string {
    let key = '';
    for (let f = 0; f < this.fields.length; f++) {
      let part: string;
      switch (this.fields[f]) {
        case Field.Name: part = spans.name; break;
        case Field.Kind: part = String(spans.kind); break;
        case Field.Status: part = String(spans.statusCode); break;
        default: {
          const slot = this.fieldSlots[f]!;
          part = this.slotValues[slot] ?? this.resourceValue(view, spans.resourceIndex, slot);
        }
      }
      key = f === 0 ? part : key + KEY_SEPARATOR + part;
    }
    return key;
  }

  private resourceValue(view: TracesView, r: number, slot: number): string {
    let values = this.resourceValues[r];
    if (values === undefined) {
      values = new Array<string>(this.slotKeys.length).fill('');
      const attrs = view.resourceAttributes(r, this.attrs);
      while (attrs.next()) {
        const s = this.slots.get(attrs.key);
        if (s !== undefined && s > 0 && values[s] === '') values[s] = textOf(attrs);
      }
      this.resourceValues[r] = values;
    }
    return values[slot]!;
  }

  private budgetKey(view: TracesView, spans: SpanCursor, tenant: string): string {
    const per = this.doc.budgets!.per;
    if (per === 'tenant') return tenant;
    const r = spans.resourceIndex;
    let key = this.budgetKeys[r];
    if (key === undefined) {
      key = per === 'service.name' ? view.serviceName(r) : '';
      if (per !== 'service.name') {
        const attrs = view.resourceAttributes(r, this.attrs);
        while (attrs.next()) if (attrs.key === per) { key = textOf(attrs); break; }
      }
      this.budgetKeys[r] = key;
    }
    return key;
  }

  private thresholdOf(rate: number): Threshold {
    let t = this.thresholds.get(rate);
    if (t === undefined) {
      if (this.thresholds.size >= MAX_CACHED_THRESHOLDS) this.thresholds.clear();
      t = thresholdForRate(rate);
      this.thresholds.set(rate, t);
    }
    return t;
  }
}

/** An attribute value as key text: strings as they are, numbers and bools in their usual form. */
function textOf(attrs: AttributeCursor): string {
  switch (attrs.valueType) {
    case ValueType.String: return attrs.stringValue!;
    case ValueType.Int:
    case ValueType.Double: return String(attrs.numberValue);
    case ValueType.Bool: return String(attrs.value);
    default: return '';
  }
}

/** The last 7 bytes of the trace id as a 56-bit randomness (two 28-bit halves); no view of the id is made. */
function traceRandomness(spans: SpanCursor, into: { hi: number; lo: number }): void {
  const b = spans.traceIdLength - 7;
  if (b < 0) {
    into.hi = 0;
    into.lo = 0;
    return;
  }
  const b3 = spans.traceIdByte(b + 3);
  into.hi = spans.traceIdByte(b) * 0x100000 + spans.traceIdByte(b + 1) * 0x1000 + spans.traceIdByte(b + 2) * 0x10 + (b3 >>> 4);
  into.lo = (b3 & 0xf) * 0x1000000 + spans.traceIdByte(b + 4) * 0x10000 + spans.traceIdByte(b + 5) * 0x100 + spans.traceIdByte(b + 6);
}
