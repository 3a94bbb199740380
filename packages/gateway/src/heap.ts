// How fast the gateway process's V8 heaps may grow between full collections.
//
// Why: V8 counts external memory (ArrayBuffers: request bodies, worker outputs, queued batches)
// allocated since the last mark-compact against the old generation's limit, and sets that limit
// to a multiple of what survived the last one. The main thread keeps little (~25 MB) but moves
// every body through several buffers, so with V8's own factor (~2 here) it ran a full
// mark-compact every 50–100 ms under load: 44–88 per 8 s run of the strategy benchmark, each
// with concurrent marking on V8's helper threads. A factor of 3 (200%) brought that to ~11 and
// cut the gateway's CPU per span by 10% with the strategy and 24% without (bench/results/README.md, "heap growing factor").
// 100% changed nothing measurable. The price is memory: garbage may grow to about twice what is
// live before it is collected, tens of MB for the main thread's heap.
import { setFlagsFromString } from 'node:v8';

/** The heap growing percent `cairn up` sets unless told otherwise. */
export const DEFAULT_HEAP_GROWING_PERCENT = 200;
const MAX_PERCENT = 1000;
const FLAG = '--heap-growing-percent';

export class HeapTuningError extends Error {
  readonly code = 'CAIRN_HEAP_GROWING_PERCENT_INVALID';
}

export type HeapTuning =
  | { readonly applied: true; readonly percent: number; readonly source: 'default' | 'env' }
  /** Left to V8 (`CAIRN_HEAP_GROWING_PERCENT=0`) or to the node command line, which wins. */
  | { readonly applied: false; readonly source: 'env' | 'node-flag' };

/**
 * The percent `CAIRN_HEAP_GROWING_PERCENT` asks for: an integer from 0 (leave V8's own factor)
 * to 1000, or undefined when the variable is unset or empty.
 */
export function parseHeapGrowingPercent(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = /^\s*\d{1,4}\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value > MAX_PERCENT) {
    throw new HeapTuningError(`CAIRN_HEAP_GROWING_PERCENT must be a whole number from 0 (V8's own heap growth) to ${MAX_PERCENT}; got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return value;
}

/**
 * Sets V8's heap growing factor for this process (the main thread and the processing threads
 * started after it) before the gateway starts. A `--heap-growing-percent` on node's command line
 * is left as it is. V8 reads this flag each time it sizes a heap, so setting it at run time takes
 * effect at the next collection; it changes no generated code.
 */
export function tuneHeap(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): HeapTuning {
  if (execArgv.some((a) => a === FLAG || a.startsWith(`${FLAG}=`) || a === '--heap_growing_percent' || a.startsWith('--heap_growing_percent='))) {
    return { applied: false, source: 'node-flag' };
  }
  const asked = parseHeapGrowingPercent(env.CAIRN_HEAP_GROWING_PERCENT);
  if (asked === 0) return { applied: false, source: 'env' };
  const percent = asked ?? DEFAULT_HEAP_GROWING_PERCENT;
  setFlagsFromString(`${FLAG}=${percent}`);
  return { applied: true, percent, source: asked === undefined ? 'default' : 'env' };
}
