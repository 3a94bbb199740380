// How the gateway process's V8 heaps are sized: set once at start, before the processing threads.
//
// The old generation's growing factor. V8 counts external memory (ArrayBuffers: request bodies,
// worker outputs, queued batches) allocated since the last mark-compact against the old
// generation's limit, and sets that limit to a multiple of what survived the last one. The main
// thread keeps little (~25 MB) but moves every body through several buffers, so with V8's own
// factor (~2 here) it ran a full mark-compact every 50–100 ms under load: 44–88 per 8 s run of the
// strategy benchmark, each with concurrent marking on V8's helper threads. A factor of 3 (200%)
// brought that to ~11 and cut the gateway's CPU per span by 10% with the strategy and 24% without
// (bench/results/README.md, "heap growing factor"); 100% changed nothing measurable. The price is
// memory: garbage may grow to about twice what is live before it is collected.
//
// The young generation of the threads started after this (the processing threads). V8 starts a
// new isolate's semi-space at 1–2 MB and grows it towards 16 MB as allocation goes on, shrinking
// it again when idle; a processing thread allocates ~365 bytes a span with the default strategy
// (pseudonyms, decoded values, views). Starting at 16 MB (V8's own maximum, so the bound does not
// change) cut the strategy's gateway CPU per span by 2–4% in 4 of 4 pairs of runs; 8 MB did as
// well, 32 MB worse (bench/results/README.md, "semi-space"). The main thread's young generation
// was sized before any of this runs and keeps V8's defaults.
import { setFlagsFromString } from 'node:v8';

/** The heap growing percent `cairn up` sets unless told otherwise. */
export const DEFAULT_HEAP_GROWING_PERCENT = 200;
/** The processing threads' initial semi-space, in MB. */
export const DEFAULT_SEMI_SPACE_MB = 16;

export class HeapTuningError extends Error {
  readonly code = 'CAIRN_HEAP_GROWING_PERCENT_INVALID';
}

export type HeapTuning =
  | { readonly applied: true; readonly percent: number; readonly semiSpaceMb: number; readonly source: 'default' | 'env' }
  /** Left to V8 (`CAIRN_HEAP_GROWING_PERCENT=0`) or to the node command line, which wins. */
  | { readonly applied: false; readonly source: 'env' | 'node-flag' };

const MAX_PERCENT = 1000;

/**
 * The percent `CAIRN_HEAP_GROWING_PERCENT` asks for: an integer from 0 (leave V8's own heap
 * sizing) to 1000, or undefined when the variable is unset or empty.
 */
export function parseHeapGrowingPercent(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = /^\s*\d{1,4}\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value > MAX_PERCENT) {
    throw new HeapTuningError(`CAIRN_HEAP_GROWING_PERCENT must be a whole number from 0 (V8's own heap growth) to ${MAX_PERCENT}; got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return value;
}

const NODE_FLAGS = ['--heap-growing-percent', '--min-semi-space-size', '--max-semi-space-size'];

/** Whether node's command line sizes the heaps itself (either spelling of a flag, with = or not). */
function sizedOnCommandLine(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => {
    const name = arg.split('=')[0]!.replaceAll('_', '-');
    return NODE_FLAGS.includes(name);
  });
}

/**
 * Sizes V8's heaps for this process before the gateway starts: the old generation's growing
 * factor (every heap, from the next collection on) and the initial semi-space of the threads
 * started after it. Heap sizing on node's command line (`--heap-growing-percent`,
 * `--min-semi-space-size`, `--max-semi-space-size`) leaves all of it to node. V8 reads the
 * growing factor each time it sizes a heap, and the semi-space when it creates an isolate, so
 * setting them at run time takes effect (heap.test.ts reads V8's own trace); neither changes
 * generated code.
 */
export function tuneHeap(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): HeapTuning {
  if (sizedOnCommandLine(execArgv)) return { applied: false, source: 'node-flag' };
  const asked = parseHeapGrowingPercent(env.CAIRN_HEAP_GROWING_PERCENT);
  if (asked === 0) return { applied: false, source: 'env' };
  const percent = asked ?? DEFAULT_HEAP_GROWING_PERCENT;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  setFlagsFromString(`--min-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`);
  return { applied: true, percent, semiSpaceMb: DEFAULT_SEMI_SPACE_MB, source: asked === undefined ? 'default' : 'env' };
}
