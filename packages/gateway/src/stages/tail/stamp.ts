// Writes a kept trace's weight into its spans, the way the sampling stage (stages/sample) does for
// the spans it keeps: `SampleRate` (an integer attribute) and `ot=th:` in the span's tracestate,
// each combined with what the span brought from upstream (OpenTelemetry consistent probability:
// thresholds combine by taking the larger; a SampleRate no threshold explains multiplies).
import { AttributeCursor, decodeTraces } from '@cairn/otlp';
import { combinedSampleRate, combineThresholds, readOtSampling, sampleRateWeight, thresholdForRate, writeThreshold, type Threshold } from '../../cel/index.js';

export interface KeptStamper {
  /** The request `body` with every span's weight multiplied by `rate` (≥ 1); `body` itself when nothing changes. */
  stamp(body: Uint8Array, rate: number): Uint8Array;
}

const SAMPLE_RATE = 'SampleRate';
/** Span.trace_state. */
const TRACE_STATE = 3;

const thresholds = new Map<number, Threshold>();

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
    const view = decodeTraces(body, { maxMessageBytes: body.length, maxAttributes: 1 << 20, maxDepth: 64 });
    const editor = view.edit();
    const spans = view.spans();
    const attrs = new AttributeCursor();
    while (spans.next()) {
      let upstreamRate = 1;
      spans.attributes(attrs);
      while (attrs.next()) if (attrs.keyIs(SAMPLE_RATE)) upstreamRate = sampleRateWeight(attrs.numberValue ?? Number(attrs.stringValue));
      const traceState = spans.traceState;
      const upstream = traceState === '' ? undefined : readOtSampling(traceState).th;
      const combined = upstream === undefined ? ours : combineThresholds(upstream, ours);
      editor.setAttribute('span', spans.index, SAMPLE_RATE, combinedSampleRate(upstreamRate, upstream, combined));
      editor.setField('span', spans.index, TRACE_STATE, writeThreshold(traceState, combined));
    }
    return editor.encode();
  },
};
