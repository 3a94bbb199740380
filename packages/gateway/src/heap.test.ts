// The heap growing factor `cairn up` sets: what CAIRN_HEAP_GROWING_PERCENT accepts, and, in real
// node processes, that V8 sizes the old generation with it (V8's own trace of the limit it sets
// after a full collection) unless node's command line already says otherwise.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_HEAP_GROWING_PERCENT, HeapTuningError, parseHeapGrowingPercent, tuneHeap } from './heap.js';

const RUNS = process.env.CI ? 200 : 1000;
const heapModule = fileURLToPath(new URL('./heap.js', import.meta.url));

/**
 * Runs node with `nodeArgs`, calls tuneHeap() under `env`, forces a full collection and returns
 * the factor V8 reports for the old generation's limit it set after that collection.
 */
function factorInChild(nodeArgs: string[], env: Record<string, string>): number {
  const script = `
    const { tuneHeap } = await import(${JSON.stringify(heapModule)});
    const tuning = tuneHeap();
    const keep = []; for (let i = 0; i < 200000; i++) keep.push({ i });
    if (!tuning) throw new Error('no answer');
    globalThis.gc();
  `;
  const out = execFileSync(process.execPath, [...nodeArgs, '--expose-gc', '--trace-gc-verbose', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  // "[HeapController] Limit: old size: 15205 KB, new limit: 61725 KB (3.0)": the last one is after gc().
  const limits = [...out.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d)\)/g)];
  assert.ok(limits.length > 0, 'V8 printed no heap limit');
  return Number(limits[limits.length - 1]![1]);
}

describe('CAIRN_HEAP_GROWING_PERCENT', () => {
  it('accepts whole numbers from 0 to 1000, and unset or empty means the default', () => {
    assert.equal(parseHeapGrowingPercent(undefined), undefined);
    assert.equal(parseHeapGrowingPercent(''), undefined);
    assert.equal(parseHeapGrowingPercent('0'), 0);
    assert.equal(parseHeapGrowingPercent(' 250 '), 250);
    assert.equal(parseHeapGrowingPercent('1000'), 1000);
  });

  it('refuses anything else with a stable code that names the variable', () => {
    for (const bad of ['-1', '1001', '2.5', '1e3', '0x10', 'lots', '200%', '٣']) {
      assert.throws(() => parseHeapGrowingPercent(bad), (e: unknown) => e instanceof HeapTuningError && e.code === 'CAIRN_HEAP_GROWING_PERCENT_INVALID' && e.message.includes('CAIRN_HEAP_GROWING_PERCENT'), bad);
    }
  });

  it('reads any string either as the integer it spells or as an error (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), (text) => {
      let value: number | undefined;
      try {
        value = parseHeapGrowingPercent(text);
      } catch (e) {
        assert.ok(e instanceof HeapTuningError);
        return;
      }
      if (text.trim() === '') assert.equal(value, undefined);
      else assert.equal(value, Number(text.trim()));
      if (value !== undefined) assert.ok(Number.isInteger(value) && value >= 0 && value <= 1000);
    }), { numRuns: RUNS });
  });

  it('leaves a --heap-growing-percent on node\'s command line alone, in either spelling', () => {
    assert.deepEqual(tuneHeap({}, ['--heap-growing-percent=50']), { applied: false, source: 'node-flag' });
    assert.deepEqual(tuneHeap({ CAIRN_HEAP_GROWING_PERCENT: '300' }, ['--heap_growing_percent', '50']), { applied: false, source: 'node-flag' });
    assert.deepEqual(tuneHeap({ CAIRN_HEAP_GROWING_PERCENT: '0' }, []), { applied: false, source: 'env' });
  });
});

describe('tuneHeap in a real node process', () => {
  it(`makes V8 size the old generation at ${1 + DEFAULT_HEAP_GROWING_PERCENT / 100}× what survived a full collection`, () => {
    assert.equal(factorInChild([], {}), 1 + DEFAULT_HEAP_GROWING_PERCENT / 100);
  });

  it('uses the percent CAIRN_HEAP_GROWING_PERCENT gives', () => {
    assert.equal(factorInChild([], { CAIRN_HEAP_GROWING_PERCENT: '350' }), 4.5);
  });

  it('keeps the factor node was started with', () => {
    assert.equal(factorInChild(['--heap-growing-percent=50'], { CAIRN_HEAP_GROWING_PERCENT: '350' }), 1.5);
  });
});
