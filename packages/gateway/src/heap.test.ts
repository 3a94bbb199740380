// The heap growing factor `cairn up` sets: what CAIRN_HEAP_GROWING_PERCENT accepts, and, in real
// node processes, that V8 sizes the old generation with it (V8's own trace of the limit it sets
// after a full collection) unless node's command line already says otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_HEAP_GROWING_PERCENT, DEFAULT_SEMI_SPACE_MB, HeapTuningError, parseHeapGrowingPercent, tuneHeap } from './heap.js';

const RUNS = process.env.CI ? 200 : 1000;
const heapModule = fileURLToPath(new URL('./heap.js', import.meta.url));

/**
 * Runs node with `nodeArgs`, calls tuneHeap() under `env`, forces a full collection, then starts a
 * thread. Returns the factor V8 reports for the old generation's limit it set after that
 * collection, and the new thread's semi-space (its new space) in MB.
 */
function inChild(nodeArgs: string[], env: Record<string, string>): { factor: number; threadSemiSpaceMb: number } {
  const script = `
    const { tuneHeap } = await import(${JSON.stringify(heapModule)});
    const { Worker } = await import('node:worker_threads');
    const tuning = tuneHeap();
    if (!tuning) throw new Error('no answer');
    const keep = []; for (let i = 0; i < 200000; i++) keep.push({ i });
    globalThis.gc();
    console.log('GC DONE');
    const code = "const v8 = require('node:v8'); require('node:worker_threads').parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)";
    const size = await new Promise((resolve) => new Worker(code, { eval: true, execArgv: [] }).once('message', resolve));
    process.stderr.write('SEMI ' + size + '\\n');
  `;
  const child = spawnSync(process.execPath, [...nodeArgs, '--expose-gc', '--trace-gc-verbose', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  assert.equal(child.status, 0, child.stderr);
  // "[HeapController] Limit: old size: 15205 KB, new limit: 61725 KB (3.0)": the last one before
  // GC DONE is the main thread's after gc(); the thread's own come later.
  const beforeThread = child.stdout.slice(0, child.stdout.indexOf('GC DONE'));
  const limits = [...beforeThread.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d)\)/g)];
  assert.ok(limits.length > 0, 'V8 printed no heap limit');
  const semi = /SEMI (\d+)/.exec(child.stderr);
  assert.ok(semi, child.stderr);
  return { factor: Number(limits[limits.length - 1]![1]), threadSemiSpaceMb: Number(semi[1]) / 1024 / 1024 };
}

const factorInChild = (nodeArgs: string[], env: Record<string, string>): number => inChild(nodeArgs, env).factor;

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

  it('leaves heap sizing on node\'s command line alone, in either spelling', () => {
    assert.deepEqual(tuneHeap({}, ['--heap-growing-percent=50']), { applied: false, source: 'node-flag' });
    assert.deepEqual(tuneHeap({ CAIRN_HEAP_GROWING_PERCENT: '300' }, ['--heap_growing_percent', '50']), { applied: false, source: 'node-flag' });
    assert.deepEqual(tuneHeap({}, ['--max-semi-space-size=8']), { applied: false, source: 'node-flag' });
    assert.deepEqual(tuneHeap({}, ['--min_semi_space_size=4']), { applied: false, source: 'node-flag' });
    assert.deepEqual(tuneHeap({ CAIRN_HEAP_GROWING_PERCENT: '0' }, []), { applied: false, source: 'env' });
  });
});

describe('tuneHeap in a real node process', () => {
  it(`makes V8 size the old generation at ${1 + DEFAULT_HEAP_GROWING_PERCENT / 100}× what survived a full collection, and start later threads at a ${DEFAULT_SEMI_SPACE_MB} MB semi-space`, () => {
    const tuned = inChild([], {});
    assert.equal(tuned.factor, 1 + DEFAULT_HEAP_GROWING_PERCENT / 100);
    assert.equal(tuned.threadSemiSpaceMb, DEFAULT_SEMI_SPACE_MB);
  });

  it('leaves both to V8 with CAIRN_HEAP_GROWING_PERCENT=0: a thread starts small', () => {
    assert.ok(inChild([], { CAIRN_HEAP_GROWING_PERCENT: '0' }).threadSemiSpaceMb < DEFAULT_SEMI_SPACE_MB);
  });

  it('uses the percent CAIRN_HEAP_GROWING_PERCENT gives', () => {
    assert.equal(factorInChild([], { CAIRN_HEAP_GROWING_PERCENT: '350' }), 4.5);
  });

  it('keeps the factor node was started with', () => {
    assert.equal(factorInChild(['--heap-growing-percent=50'], { CAIRN_HEAP_GROWING_PERCENT: '350' }), 1.5);
  });
});
