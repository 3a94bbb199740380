// The tap's CPU budget: exact while cheap; past the share, recorded with a probability and
// weighted so the counts stay unbiased.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTraces } from '@cairn/otlp';
import { exampleRegistry } from '../livecheck/test-support.js';
import { InventoryAggregate } from './aggregate.js';
import { TapBudget } from './budget.js';
import { InventoryTap } from './tap.js';
import { span, traces } from './test-support.js';

test('cheap tap: every batch, weight 1', () => {
  const b = new TapBudget(0.15, () => 0.99);
  let t = 0;
  for (let i = 0; i < 100; i++, t += 11) {
    assert.equal(b.next(), 1);
    b.update(t, 10, 1, true); // 1 / 11 < 15%
  }
  assert.equal(b.probability, 1);
});

test('a thread with room: every batch, however much the tap costs', () => {
  const b = new TapBudget(0.15, () => 0.99);
  let t = 0;
  for (let i = 0; i < 200; i++, t += 10) {
    assert.equal(b.next(), 1);
    b.update(t, 1, 5, true); // busy 6 ms of every 10: under BUSY
  }
  assert.equal(b.probability, 1);
});

test('a process using most of the machine\'s cores: the budget binds even on a thread with room', () => {
  const b = new TapBudget(0.15, () => 0.99, 2);
  let t = 0;
  for (let i = 0; i < 200; i++, t += 10) b.update(t, 1, 5, true, 18); // 18 ms of CPU per 10 ms on 2 cores: 90%
  assert.ok(b.probability < 0.1, `p ${b.probability}`);
});

test('max_share 1: every batch whatever it costs', () => {
  const b = new TapBudget(1, () => 0.99);
  for (let i = 0; i < 100; i++) {
    assert.equal(b.next(), 1);
    b.update(i * 11, 1, 10, true);
  }
});

test('costly tap on a saturated thread: recorded with p so that its share is about max_share, weighted 1/p, and the weighted count is unbiased', () => {
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const b = new TapBudget(0.15, random);
  // The tap costs as much as the rest (1 ms each): p → 0.15/0.85 ≈ 0.176.
  const tap = new InventoryTap(exampleRegistry());
  const aggregate = new InventoryAggregate();
  const body = traces('svc', Array.from({ length: 10 }, () => span('GET /x', { 'http.route': '/x' })));
  const BATCHES = 4000;
  let recorded = 0;
  let t = 0;
  for (let i = 0; i < BATCHES; i++) {
    const w = b.next();
    if (w > 0) {
      recorded++;
      aggregate.add(tap.record(decodeTraces(body), w));
    }
    // Back to back: the thread is saturated.
    b.update(t, 1, w > 0 ? 1 : 0, w > 0);
    t += w > 0 ? 2 : 1;
  }
  assert.ok(Math.abs(b.probability - 0.15 / 0.85) < 0.02, `p ${b.probability}`);
  assert.ok(recorded < BATCHES * 0.3, `${recorded} of ${BATCHES} recorded`);
  const g = aggregate.groups.get('svc\u0000traces\u0000GET /x\u0000server')!;
  assert.equal(g.observed, recorded * 10, 'observed: what was looked at');
  const error = Math.abs(g.events - BATCHES * 10) / (BATCHES * 10);
  assert.ok(error < 0.1, `weighted ${g.events} for ${BATCHES * 10} spans (${(error * 100).toFixed(1)}% off)`);
});
