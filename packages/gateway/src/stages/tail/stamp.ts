// Writes a kept trace's weight into its spans. The sampling stage (stages/sample) owns the
// writer that sets both `SampleRate` and `ot=th:` in tracestate and combines upstream weights;
// tail sampling calls it through this interface so the two write the same thing.
import { AttributeCursor, decodeTraces } from '@cairn/otlp';

export interface KeptStamper {
  /** The request `body` with every span's weight multiplied by `rate` (≥ 1); `body` itself when nothing changes. */
  stamp(body: Uint8Array, rate: number): Uint8Array;
}

/**
 * Stand-in until stages/sample's writer is merged: multiplies an upstream integer `SampleRate`
 * (absent = 1) by `rate`. It does not write `ot=th:`. Rate 1 leaves the body as it is.
 */
export const sampleRateStamper: KeptStamper = {
  stamp(body, rate) {
    if (rate === 1) return body;
    const view = decodeTraces(body, { maxMessageBytes: body.length });
    const editor = view.edit();
    const spans = view.spans();
    const attrs = new AttributeCursor();
    while (spans.next()) {
      let upstream = 1;
      spans.attributes(attrs);
      while (attrs.next()) {
        if (!attrs.keyIs('SampleRate')) continue;
        const n = attrs.numberValue ?? Number(attrs.stringValue);
        if (Number.isFinite(n) && n >= 1) upstream = n;
      }
      editor.setAttribute('span', spans.index, 'SampleRate', Math.round(upstream * rate));
    }
    return editor.encode();
  },
};
