// The recorder reads the process's and the machine's CPU time for the budget: at most every
// CPU_SAMPLE_MS (process.cpuUsage is a syscall), never when max_share is 1 (the budget then has
// nothing to decide); and a machine whose cores are busy binds the budget even while the
// gateway's own threads have room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTraces } from '@cairn/otlp';
import { exampleRegistry } from '../livecheck/test-support.js';
import { CPU_SAMPLE_MS, InventoryRecorder, type RecorderClock } from './recorder.js';
import { span, traces } from './test-support.js';
import { DEFAULT_INVENTORY } from './types.js';

/** A test clock: 1 ms passes per reading; counts the CPU readings; the machine is `busy` (0–1) busy. */
function clock(busy = 0.1): RecorderClock & { reads: number; t: number } {
  let cpu = 0;
  let machineBusy = 0;
  let machineTotal = 0;
  return {
    reads: 0,
    t: 0,
    now() { return (this.t += 1); },
    cpuUsage() { this.reads++; return { user: (cpu += 1000), system: 0 }; },
    machine() { machineBusy += 100 * busy; machineTotal += 100; return { busy: machineBusy, total: machineTotal }; },
  };
}

function run(maxShare: number, batches: number, machineBusy = 0.1, idleMs = 0): { reads: number; recorded: number; ms: number; probability: number } {
  const c = clock(machineBusy);
  const recorder = new InventoryRecorder({ ...DEFAULT_INVENTORY, enabled: true, maxShare }, exampleRegistry(), c);
  const view = decodeTraces(traces('svc', [span('GET /a', { 'http.route': '/a' })]));
  let recorded = 0;
  for (let i = 0; i < batches; i++) {
    recorder.start();
    if (recorder.record(view)) recorded++;
    recorder.finish();
    c.t += idleMs;
  }
  return { reads: c.reads, recorded, ms: c.t, probability: recorder.probability };
}

test('max_share 1: every batch recorded, and the CPU time is never read', () => {
  const { reads, recorded } = run(1, 200);
  assert.deepEqual({ reads, recorded }, { reads: 0, recorded: 200 });
});

test('with a budget: the CPU time is read once per CPU_SAMPLE_MS, not per batch', () => {
  // Each clock reading advances the test clock 1 ms: 2 to 4 readings a batch.
  const { reads, ms } = run(0.15, 200);
  assert.ok(reads >= Math.floor(ms / CPU_SAMPLE_MS) && reads <= ms / CPU_SAMPLE_MS + 1, `${reads} reads in ${ms} ms`);
  assert.ok(reads < 200 / 4, `${reads} reads for 200 batches`);
});

test('a busy machine binds the budget on a thread with room; an idle one does not', () => {
  // 3 test-clock ms of work (1 of them the tap), then 30 idle: the thread is 10% busy.
  assert.equal(run(0.15, 400, 0.1, 30).probability, 1);
  const busy = run(0.15, 400, 0.95, 30).probability;
  assert.ok(busy < 1, `p ${busy}`);
});
