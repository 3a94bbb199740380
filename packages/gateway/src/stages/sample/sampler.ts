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
import { AttributeCursor, StringCache, ValueType, type BatchEditor, type SpanCursor, type TracesView } from '@cairn/otlp';
import { CelRuntimeError, compileSpanExpression, SpanContexts, type SpanContext, type SpanExpression } from '../../cel/index.js';
import {
  ALWAYS, combinedSampleRate, combineThresholds, keeps, readOtSampling, sampleRateWeight, thresholdForRate, writeThreshold, type Threshold,
} from '../../cel/weight.js';
import { Budget } from './budget.js';
import type { LimitsDocument, SamplingDocument } from './config.js';
import { DecisionRecorder, type DecisionCount } from './counts.js';
import { DynamicSampler } from './dynamic.js';
import { applyLimits, type LimitCounts } from './limits.js';
import type { ContentLens } from '../invariance.js';

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

/** The decisions of `DestinationSampler.decide` for one request, reused between requests. */
export class SamplePlan {
  /** Per span: 1 kept, 0 dropped. */
  keep = new Uint8Array(0);
  /** Per kept span: the upstream threshold (tracestate `th`), and the one to write. */
  readonly upstream: (Threshold | undefined)[] = [];
  readonly combined: (Threshold | undefined)[] = [];
  kept = 0;

  grow(n: number): void {
    if (this.keep.length < n) this.keep = new Uint8Array(Math.max(n, this.keep.length * 2));
  }
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
  private readonly slotLengths: number[];
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
  private readonly traceStates = new Map<Threshold, string>();
  /** Per resource of the current batch: the key fields' values there, and the budget key. */
  private resourceValues: (string[] | undefined)[] = [];
  /** Attribute values as interned strings (they make keys, and repeat span after span). */
  private readonly values = new StringCache();
  private readonly parts: string[] = [];
  private readonly joiner = new KeyJoiner();
  private bytes: Uint8Array = new Uint8Array(0);
  private budgetKeys: (string | undefined)[] = [];
  private readonly plan = new SamplePlan();
  /** Deciding before the content walk: string key values as the walk will write them. */
  private lens: ContentLens | undefined;

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
    // UTF-8 byte length of each wanted key when it is ASCII (then a length mismatch settles it), else -1.
    this.slotLengths = this.slotKeys.map((k) => (/^[\x00-\x7f]*$/.test(k) ? k.length : -1));
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
    const plan = this.decide(view, tenant, now);
    const n = view.spanCount;
    if (n === 0) return { bytes: view.bytes, kept: 0 };
    const spans = view.spans();
    const editor = view.edit() as BatchEditor<'span'>;
    for (let i = 0; i < n; i++) {
      spans.seek(i);
      if (plan.keep[i] === 1) this.stamp(spans, i, i, editor);
      else if (this.dryRun) editor.setAttribute('span', i, KEPT_ATTRIBUTE, false);
      else editor.drop('span', i);
    }
    return { bytes: editor.encode(), kept: this.dryRun ? n : plan.kept };
  }

  /**
   * Decides every span of `view` and counts the decisions, writing nothing: `keep` per span, and
   * what `stamp` needs for the kept ones. Reads only the trace's randomness and tracestate, the
   * rules' reads, the dynamic key and the budget key: `decidesBeforeContent` says whether those
   * are the same before and after the destination's content walk (then the decision can run
   * first, with `lens` for the key's scanned values, and the walk can skip the spans it drops).
   */
  decide(view: TracesView, tenant: string, now: number, lens?: ContentLens): SamplePlan {
    this.lens = lens;
    this.dynamic?.tick(now);
    this.budget?.tick(now);
    this.contexts?.reset(view);
    this.resourceValues.length = 0;
    this.budgetKeys.length = 0;
    const spans = view.spans();
    this.bytes = view.bytes;
    const n = view.spanCount;
    const plan = this.plan;
    plan.grow(n);
    const rec = this.recorder;
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
          if (this.slotKeys.length > 1) {
            this.slotValues.fill(undefined);
            this.readAttributes(spans, 1, this.slotKeys.length - 1);
          }
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
        plan.keep[i] = 0;
        continue;
      }
      kept++;
      rec.kept++;
      decision.kept++;
      plan.keep[i] = 1;
      plan.upstream[i] = upstream;
      plan.combined[i] = upstream === undefined ? threshold : combineThresholds(upstream, threshold);
    }
    plan.kept = kept;
    return plan;
  }

  /** The decided request without its dropped spans, weights not yet written (`stampKept` does). */
  dropUnkept(view: TracesView, plan: SamplePlan): Uint8Array {
    const editor = view.edit() as BatchEditor<'span'>;
    for (let i = 0; i < view.spanCount; i++) if (plan.keep[i] === 0) editor.drop('span', i);
    return editor.encode();
  }

  /**
   * Writes the weights of the last plan into `view`, whose spans are its kept spans in order (the
   * destination's content walk of `dropUnkept`'s output): the same bytes `sample` writes.
   */
  stampKept(view: TracesView, plan: SamplePlan): Uint8Array {
    if (view.spanCount !== plan.kept) throw new Error(`sampling: ${plan.kept} spans were kept but the content walk returned ${view.spanCount}`);
    const spans = view.spans();
    const editor = view.edit() as BatchEditor<'span'>;
    let i = -1;
    for (let at = 0; at < view.spanCount; at++) {
      do i++; while (plan.keep[i] === 0);
      spans.seek(at);
      this.stamp(spans, i, at, editor);
    }
    return editor.encode();
  }

  /**
   * Whether every value `decide` reads is the same before and after the destination's content
   * walk (`invariant`; `names` for span names read by rules; the dynamic key reads through the
   * content lens): then the gateway decides on the request as sent and walks only the kept
   * spans (stages/invariance.ts). Not in dry run (nothing is dropped) nor
   * with a byte budget (it counts the bytes sent).
   */
  decidesBeforeContent(invariant: (key: string, use: 'text' | 'cel') => boolean, names: boolean): boolean {
    if (this.dryRun || this.budget?.bytes) return false;
    const per = this.doc.budgets?.per;
    if (per !== undefined && per !== 'tenant' && !invariant(per, 'text')) return false;
    for (let f = 0; f < this.fields.length; f++) {
      if (this.fields[f] === Field.Attribute && !invariant(this.slotKeys[this.fieldSlots[f]!]!, 'text')) return false;
    }
    for (const rule of [...this.keepRules, ...this.dropRules]) {
      const reads = rule.expression.reads;
      if (reads.wildcard.length > 0) return false;
      for (const field of reads.fields) if (!(UNTOUCHED_FIELDS.has(field) || (field === 'name' && names))) return false;
      for (const key of [...reads.resource, ...reads.scope, ...reads.span]) if (!invariant(key, 'cel')) return false;
    }
    return true;
  }

  /**
   * Writes the weight of kept span `i` of the last plan, which `spans` (positioned at index `at`
   * of `editor`'s view) is: the request decided, or the destination's walk of its kept spans.
   */
  stamp(spans: SpanCursor, i: number, at: number, editor: BatchEditor<'span'>): void {
    const plan = this.plan;
    this.upstreamRate = 1;
    this.readAttributes(spans, 0, 0);
    const upstream = plan.upstream[i];
    const combined = plan.combined[i]!;
    const sampleRate = combinedSampleRate(this.upstreamRate, upstream, combined);
    this.recorder.weight += sampleRate;
    if (this.limits !== undefined) applyLimits(spans, at, this.limits, this.attrs, this.dryRun ? undefined : editor, this.limitCounts!);
    if (this.dryRun) {
      editor.setAttribute('span', at, KEPT_ATTRIBUTE, true).setAttribute('span', at, RATE_ATTRIBUTE, sampleRate);
    } else {
      const traceState = spans.traceState;
      const state = traceState === '' ? this.traceStateOf(combined) : writeThreshold(traceState, combined);
      editor.setAttribute('span', at, SAMPLE_RATE, sampleRate).setField('span', at, TRACE_STATE, state);
    }
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

  /**
   * One pass over the span's attributes for the wanted slots from `first` on: slot 0 is the
   * upstream SampleRate (read only for kept spans: the decision does not depend on it), the
   * others the dynamic key's attributes (read for every span). Keys are compared as bytes against
   * the few wanted ones, a length check first, so the pass decodes no key (interning every key
   * cost ~2× more on the bench corpus).
   */
  private readAttributes(spans: SpanCursor, first: number, last: number): void {
    const values = this.slotValues;
    const attrs = spans.attributes(this.attrs);
    const wanted = this.slotKeys;
    const lengths = this.slotLengths;
    while (attrs.next()) {
      const length = attrs.keyEnd - attrs.keyStart;
      for (let slot = first; slot <= last; slot++) {
        const want = lengths[slot]!;
        if ((want >= 0 && want !== length) || !attrs.keyIs(wanted[slot]!)) continue;
        if (slot === 0) this.upstreamRate = sampleRateWeight(attrs.numberValue);
        else if (values[slot] === undefined) values[slot] = this.keyText(attrs, spans.resourceIndex, wanted[slot]!);
        break;
      }
    }
  }

  /** The dynamic key: the key fields' values, from the span, else from its resource. */
  private keyOf(view: TracesView, spans: SpanCursor): string {
    const parts = this.parts;
    const n = this.fields.length;
    for (let f = 0; f < n; f++) {
      switch (this.fields[f]) {
        case Field.Name: parts[f] = this.lens === undefined ? spans.name : this.lens.of(spans.resourceIndex, '', spans.name)!; break;
        case Field.Kind: parts[f] = SMALL_INT_TEXT[spans.kind] ?? String(spans.kind); break;
        case Field.Status: parts[f] = SMALL_INT_TEXT[spans.statusCode] ?? String(spans.statusCode); break;
        default: {
          const slot = this.fieldSlots[f]!;
          parts[f] = this.slotValues[slot] ?? this.resourceValue(view, spans.resourceIndex, slot);
        }
      }
    }
    return this.joiner.join(parts, n);
  }

  /** `textOf`, through the lens when deciding before the walk; undefined: the walk drops the attribute. */
  private keyText(attrs: AttributeCursor, r: number, key: string): string | undefined {
    const text = this.textOf(attrs);
    if (this.lens === undefined || attrs.valueType !== ValueType.String) return text;
    return this.lens.of(r, key, text) ?? undefined;
  }

  /** An attribute value as key text: strings interned, small ints from a table, others in their usual form. */
  private textOf(attrs: AttributeCursor): string {
    switch (attrs.valueType) {
      case ValueType.String: return this.values.get(this.bytes, attrs.valueAt, attrs.valueTo);
      case ValueType.Int: {
        const v = attrs.numberValue!;
        return (Number.isInteger(v) && v >= 0 ? SMALL_INT_TEXT[v] : undefined) ?? String(v);
      }
      case ValueType.Double: return String(attrs.numberValue);
      case ValueType.Bool: return String(attrs.value);
      default: return '';
    }
  }

  private resourceValue(view: TracesView, r: number, slot: number): string {
    let values = this.resourceValues[r];
    if (values === undefined) {
      values = new Array<string>(this.slotKeys.length).fill('');
      const attrs = view.resourceAttributes(r, this.attrs);
      while (attrs.next()) {
        const s = this.slots.get(attrs.key);
        if (s !== undefined && s > 0 && values[s] === '') values[s] = this.keyText(attrs, r, attrs.key) ?? '';
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
        while (attrs.next()) if (attrs.key === per) { key = this.textOf(attrs); break; }
      }
      this.budgetKeys[r] = key;
    }
    return key;
  }

  /** `ot=th:…` alone (the span had no tracestate), made once per threshold. */
  private traceStateOf(t: Threshold): string {
    let text = this.traceStates.get(t);
    if (text === undefined) {
      if (this.traceStates.size >= MAX_CACHED_THRESHOLDS) this.traceStates.clear();
      text = writeThreshold('', t);
      this.traceStates.set(t, text);
    }
    return text;
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

/** Span fields no content walk changes (it rewrites attributes, names, bodies and status messages). */
const UNTOUCHED_FIELDS = new Set(['kind', 'status.code', 'duration_ms', 'start_time', 'end_time', 'is_root', 'trace_id', 'span_id', 'parent_span_id', 'trace_state']);

/** Decimal text of small ints (status codes, ports), made once. */
const SMALL_INT_TEXT: readonly string[] = Array.from({ length: 1024 }, (_, i) => String(i));
const MAX_JOINED_KEYS = 10_000;

/**
 * Joined dynamic keys by their parts, through a trie of Maps: the parts are interned strings
 * (StringCache), so each lookup hashes nothing new, and the joined key is the same string object
 * every time, which keeps the dynamic sampler's own Map lookup cheap. Bounded: tenants choose
 * the values, so past MAX_JOINED_KEYS keys the trie starts over.
 */
class KeyJoiner {
  private root = new Map<string, unknown>();
  private size = 0;

  join(parts: readonly string[], n: number): string {
    if (n === 1) return parts[0]!;
    let node = this.root;
    for (let i = 0; i < n - 1; i++) {
      let next = node.get(parts[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(parts[i]!, next);
      }
      node = next;
    }
    let key = node.get(parts[n - 1]!) as string | undefined;
    if (key === undefined) {
      if (++this.size > MAX_JOINED_KEYS) {
        this.root = new Map();
        this.size = 0;
        return parts.slice(0, n).join(KEY_SEPARATOR);
      }
      key = parts.slice(0, n).join(KEY_SEPARATOR);
      node.set(parts[n - 1]!, key);
    }
    return key;
  }
}

/** The last 7 bytes of the trace id as a 56-bit randomness (two 28-bit halves); no view of the id is made. */
function traceRandomness(spans: SpanCursor, into: { hi: number; lo: number }): void {
  // traceIdLength is -1 for an all-zero id: its randomness is 0, as the bytes would say.
  const b = spans.traceIdLength() - 7;
  if (b < 0) {
    into.hi = 0;
    into.lo = 0;
    return;
  }
  const b3 = spans.traceIdByte(b + 3);
  into.hi = spans.traceIdByte(b) * 0x100000 + spans.traceIdByte(b + 1) * 0x1000 + spans.traceIdByte(b + 2) * 0x10 + (b3 >>> 4);
  into.lo = (b3 & 0xf) * 0x1000000 + spans.traceIdByte(b + 4) * 0x10000 + spans.traceIdByte(b + 5) * 0x100 + spans.traceIdByte(b + 6);
}
