import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistinctCounter, HyperLogLog } from './hll.js';

test('HyperLogLog: 100k distinct values estimated within 2%', () => {
  for (const prefix of ['user-', 'order:', '']) {
    const hll = new HyperLogLog();
    // Every value twice: duplicates must not count.
    for (let round = 0; round < 2; round++) for (let i = 0; i < 100_000; i++) hll.add(`${prefix}${i}`);
    const estimate = hll.estimate();
    const error = Math.abs(estimate - 100_000) / 100_000;
    assert.ok(error < 0.02, `prefix ${JSON.stringify(prefix)}: estimate ${estimate}, error ${(error * 100).toFixed(2)}%`);
  }
});

test('HyperLogLog: small counts use linear counting and are near exact', () => {
  const hll = new HyperLogLog();
  for (let i = 0; i < 1000; i++) hll.add(`v${i % 100}`);
  assert.ok(Math.abs(hll.estimate() - 100) <= 2, `estimate ${hll.estimate()}`);
});

test('DistinctCounter: exact up to its limit, then an estimate', () => {
  const counter = new DistinctCounter(1024);
  for (let i = 0; i < 5000; i++) counter.add(`k${i % 1000}`);
  assert.deepEqual(counter.count, { value: 1000, exact: true });
  for (let i = 0; i < 100_000; i++) counter.add(`k${i}`);
  const { value, exact } = counter.count;
  assert.equal(exact, false);
  assert.ok(Math.abs(value - 100_000) / 100_000 < 0.02, `estimate ${value}`);
});
