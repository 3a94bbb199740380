// TEMPORARY stand-in for cel/weight.ts (owned by the `sample` helper, branch cel-env): the same
// signature, so the import switches at merge and this file goes.

/** The incoming weight (≥ 1) from a `SampleRate` attribute and/or `ot=th:` in tracestate. */
export function upstreamWeight(sampleRateAttr: unknown, tracestate: string): number {
  const th = /(?:^|,)ot=(?:[^,]*;)?th:([0-9a-f]{1,14})(?:;|,|$)/.exec(tracestate)?.[1];
  if (th !== undefined) {
    const threshold = parseInt(th.padEnd(14, '0'), 16);
    const p = (2 ** 56 - threshold) / 2 ** 56;
    if (p > 0) return Math.max(1, 1 / p);
  }
  const rate = typeof sampleRateAttr === 'bigint' ? Number(sampleRateAttr) : sampleRateAttr;
  return typeof rate === 'number' && Number.isFinite(rate) && rate >= 1 ? rate : 1;
}
