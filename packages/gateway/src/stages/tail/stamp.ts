// Writes a kept trace's weight into its spans, the way the sampling stage (stages/sample) does for
// the spans it keeps: `SampleRate` (an integer attribute) and `ot=th:` in the span's tracestate,
// each combined with what the span brought from upstream (OpenTelemetry consistent probability:
// thresholds combine by taking the larger; a SampleRate no threshold explains multiplies).
// In dry run it writes the sampling stage's marks instead (`cairn.sampling.kept`,
// `cairn.sampling.sample_rate`) and no weight.
import { AttributeCursor, decodeTraces, ValueType, type BatchEditor, type SpanCursor } from '@cairn/otlp';
import { combinedSampleRate, combineThresholds, readOtSampling, sampleRateWeight, thresholdForRate, writeThreshold, type Threshold } from '../../cel/index.js';
import { KEPT_ATTRIBUTE, RATE_ATTRIBUTE, SAMPLE_RATE } from '../sample/sampler.js';

export interface KeptStamper {
  /** The request `body` with every span's weight multiplied by `rate` (≥ 1); `body` itself when nothing changes. */
  stamp(body: Uint8Array, rate: number): Uint8Array;
  /**
   * Dry run: the request `body` with every span marked as the decision would have left it:
   * `cairn.sampling.kept` and, on kept spans, `cairn.sampling.sample_rate` (the weight `stamp`
   * would have written). No `SampleRate` or `th` is written. Adds to `tally.spans` the spans that
   * came marked `kept=false` already.
   */
  mark(body: Uint8Array, keep: boolean, rate: number, tally: { spans: number }): Uint8Array;
}

/** Span.trace_state. */
const TRACE_STATE = 3;

const thresholds = new Map<number, Threshold>();
const attrs = new AttributeCursor();

function thresholdOf(rate: number): Threshold {
  let t = thresholds.get(rate);
  if (t === undefined) thresholds.set(rate, (t = thresholdForRate(rate)));
  return t;
}

/**
 * Rate 1 (keep rules, traces no rule matched) leaves the body as it is: combining with an
 * always-keep threshold changes neither an upstream `SampleRate` nor an upstream `th`.
 */
export const weightStamper: KeptStamper = {
  stamp(body, rate) {
    if (rate === 1) return body;
    const ours = thresholdOf(rate);
    return editSpans(body, (editor, spans) => {
      const combined = weigh(spans, ours);
      editor.setAttribute('span', spans.index, SAMPLE_RATE, found.weight);
      editor.setField('span', spans.index, TRACE_STATE, writeThreshold(spans.traceState, combined));
    });
  },

  /**
   * The marks combine with those the per-span samplers left in dry run (a destination in dry run
   * runs them on every span, so the marks are the gateway's own): a span they would have dropped
   * stays `kept=false`, and a kept span's rate is the larger of theirs and ours — both decisions
   * read the same trace randomness, so the larger threshold is the one that counts.
   */
  mark(body, keep, rate, tally) {
    const ours = thresholdOf(rate);
    return editSpans(body, (editor, spans) => {
      if (found.kept === false) tally.spans++;
      const kept = keep && found.kept !== false;
      editor.setAttribute('span', spans.index, KEPT_ATTRIBUTE, kept);
      if (kept) {
        weigh(spans, ours);
        editor.setAttribute('span', spans.index, RATE_ATTRIBUTE, Math.max(found.weight, found.markedRate ?? 1));
      } else if (found.markedRate !== undefined) {
        editor.deleteAttribute('span', spans.index, RATE_ATTRIBUTE);
      }
    });
  },
};

/** Calls `edit` for every span of `body`, after `read` has filled `found`; the edited request. */
function editSpans(body: Uint8Array, edit: (editor: BatchEditor<'span'>, spans: SpanCursor) => void): Uint8Array {
  const view = decodeTraces(body, { maxMessageBytes: body.length, maxAttributes: 1 << 20, maxDepth: 64 });
  const editor = view.edit() as BatchEditor<'span'>;
  const spans = view.spans();
  while (spans.next()) {
    read(spans);
    edit(editor, spans);
  }
  return editor.encode();
}

/** What `read` found on the current span, and the `weight` of `weigh` (reused: no object per span). */
const found: { sampleRate: number; kept: boolean | undefined; markedRate: number | undefined; weight: number } = { sampleRate: 1, kept: undefined, markedRate: undefined, weight: 1 };

/** Our threshold combined with the span's upstream `th` (returned) and SampleRate (`found.weight`). */
function weigh(spans: SpanCursor, ours: Threshold): Threshold {
  const traceState = spans.traceState;
  const upstream = traceState === '' ? undefined : readOtSampling(traceState).th;
  const combined = upstream === undefined ? ours : combineThresholds(upstream, ours);
  found.weight = combinedSampleRate(found.sampleRate, upstream, combined);
  return combined;
}

/** Reads the span's upstream `SampleRate` and the dry-run marks it carries into `found`. */
function read(spans: SpanCursor): void {
  found.sampleRate = 1;
  found.kept = undefined;
  found.markedRate = undefined;
  spans.attributes(attrs);
  while (attrs.next()) {
    if (attrs.keyIs(SAMPLE_RATE)) found.sampleRate = sampleRateWeight(attrs.numberValue ?? Number(attrs.stringValue));
    else if (attrs.keyIs(KEPT_ATTRIBUTE)) found.kept = attrs.valueType === ValueType.Bool ? attrs.value === true : undefined;
    else if (attrs.keyIs(RATE_ATTRIBUTE)) found.markedRate = sampleRateWeight(attrs.numberValue);
  }
}
