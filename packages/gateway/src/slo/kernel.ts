// One generated function per tap runs every SLO over every span of a batch: for each SLO, its
// `where` and then its `good` inline (fast-compile.ts), CEL through `T.slow` where the fast path
// cannot decide, and `T.count` for a judged span. A loop over SLO objects calling one function
// per expression spent a quarter of the tap in the loop itself (bench/gateway/src/slo.ts).
// On the arrival clock every span of a batch counts in one minute, so the kernel adds a judged
// span to `C` (3 per SLO: bad, good, unjudgeable, the Tri's order) inline, and the weight of a
// judged span lacking a key `good` reads to `X[slo][key]` (insufficient instrumentation).
import { FALLBACK, MISSING, ODD, type FastSpans } from './fast.js';
import { generateBool } from './fast-compile.js';

/** What the generated code calls back (the tap). */
export interface KernelHost {
  /** CEL's verdict on expression `which` (0 `where`, 1 `good`) of SLO `k` for span `i`; FALLBACK after a run-time error (the SLO is then disabled). */
  slow(k: number, which: 0 | 1, i: number): number;
  /** The span's upstream weight (once per span, when an SLO first judges it). */
  weight(i: number): number;
  /** Adds a judged span: `tri` 1 good, 0 bad, 2 unjudgeable. */
  count(k: number, tri: number, weight: number, i: number): void;
  /** With `C` (the arrival clock): the missing-key check of a judged span, into `X[k]` (the generated code does span and resource keys inline). */
  missing(k: number, weight: number, i: number): void;
}

/**
 * `C`: undefined, judged spans go to `T.count`; or the arrival clock's counts (3 per SLO), added
 * to, and `X`, per SLO, the weight of judged spans lacking each key its `good` reads.
 */
export type Kernel = (s: FastSpans, host: KernelHost, disabled: Uint8Array, n: number, C: Float64Array | undefined, X: Float64Array[]) => void;

/**
 * The same without generated code, every expression in CEL: for a Node run with
 * --disallow-code-generation-from-strings, where `new Function` throws.
 */
export function celKernel(count: number): Kernel {
  return (s, T, D, n, C) => {
    for (let i = 0; i < n; i++) {
      s.at(i);
      let wt = 0;
      for (let k = 0; k < count; k++) {
        if (D[k] !== 0 || T.slow(k, 0, i) !== 1) continue;
        const g = T.slow(k, 1, i);
        if (g === FALLBACK) continue;
        if (wt === 0) wt = T.weight(i);
        if (C === undefined) T.count(k, g, wt, i);
        else {
          C[3 * k + g] = C[3 * k + g]! + wt;
          T.missing(k, wt, i);
        }
      }
    }
  };
}

/** The batch function for SLOs with these expressions (compiled with the same FastSpans). */
/**
 * `watch`: per SLO, the keys its `good` reads, as the tap's slots (>= 0 a span key's, <= -2 a
 * resource key's, -1 a scope key: that SLO's check goes through `T.missing`).
 */
export function buildKernel(slos: readonly { where: string; good: string; watch: readonly number[] }[], spans: FastSpans): Kernel {
  const body: string[] = [];
  // Conditions several SLOs share (a service, a route) are compared once per span, all the
  // literals of one value in one pass; those on resource attributes once per resource.
  const memo = new Map<string, string>();
  slos.forEach(({ where, good, watch }, k) => {
    body.push(`if (D[${k}] === 0) {`);
    body.push(...judge(where, spans, 'w', k, 0, memo));
    body.push('if (w === 1) {');
    body.push(...judge(good, spans, 'g', k, 1, memo));
    body.push(`if (g !== ${FALLBACK}) {`, 'if (wt === 0) wt = T.weight(i);');
    const lacks = watch.includes(-1) ? [`T.missing(${k}, wt, i);`]
      : watch.map((slot, j) => `if (!${slot >= 0 ? `s.spanHas(${slot})` : `s.resourceHas(${-2 - slot})`}) X[${k}][${j}] += wt;`);
    body.push(`if (C === undefined) T.count(${k}, g, wt, i); else { C[${3 * k} + g] += wt; ${lacks.join(' ')} }`);
    body.push('}', '}', '}');
  });
  const perResource = [...memo].filter(([call]) => call.startsWith('s.resourceWhich(')).map(([, m]) => m);
  const perSpan = [...memo].filter(([call]) => !call.startsWith('s.resourceWhich(')).map(([, m]) => m);
  const lines = [
    ...(perResource.length > 0 ? [`let R = -1, ${perResource.map((m) => `${m} = -9`).join(', ')};`] : []),
    'for (let i = 0; i < n; i++) {', 's.at(i);', 'let wt = 0;',
    ...(perResource.length > 0 ? [`const r = s.resourceIndex();`, `if (r !== R) { R = r; ${perResource.map((m) => `${m} = -9;`).join(' ')} }`] : []),
    ...(perSpan.length > 0 ? [`let ${perSpan.map((m) => `${m} = -9`).join(', ')};`] : []),
    ...body, '}',
  ];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the source is built from slots, numbers and JSON-quoted literals only
  const make = new Function('M', 'O', `return function kernel(s, T, D, n, C, X) {\n${lines.join('\n')}\n};`) as (m: symbol, o: symbol) => Kernel;
  return make(MISSING, ODD);
}

/** Statements leaving the verdict of `expression` in `name`. */
function judge(expression: string, spans: FastSpans, name: string, k: number, which: 0 | 1, memo: Map<string, string>): string[] {
  const code = generateBool(expression, spans, memo);
  if (!code) return [`let ${name} = T.slow(${k}, ${which}, i);`];
  return [`let ${name};`, '{', ...code.lines, `${name} = ${code.result};`, '}', `if (${name} === ${FALLBACK}) ${name} = T.slow(${k}, ${which}, i);`];
}
