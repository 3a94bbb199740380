// The inventory on disk: distinct counts merged over threads and buckets, exact counts, restart
// survival (a real SQLite file, closed and reopened), retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTraces } from '@cairn/otlp';
import { exampleRegistry } from '../livecheck/test-support.js';
import { MergeableSketch } from '../livecheck/hll.js';
import { Inventory } from './inventory.js';
import { InventoryTap } from './tap.js';
import { span, traces } from './test-support.js';
import { DEFAULT_INVENTORY } from './types.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cairn-inventory-'));
}

test('100k distinct values over 4 threads and 2 buckets: count exact, estimate within 2%, after a restart', () => {
  const dir = tempDir();
  try {
    let now = T0;
    const config = { ...DEFAULT_INVENTORY, enabled: true };
    let inventory = new Inventory(config, dir, { now: () => now });
    const taps = [0, 1, 2, 3].map(() => new InventoryTap(exampleRegistry()));
    const DISTINCT = 100_000;
    const BATCH = 1000;
    let batch = 0;
    // Every value twice (the second pass in the second hour): duplicates must not count.
    for (let round = 0; round < 2; round++) {
      now = T0 + round * HOUR + 60_000;
      for (let first = 0; first < DISTINCT; first += BATCH) {
        const spans = [];
        for (let i = first; i < first + BATCH; i++) spans.push(span('GET /users/:id', { 'http.route': '/users/:id', 'user.id': `user-${i}`, 'acme.tenant.id': `t-${i % 7}` }));
        inventory.add(taps[batch++ % 4]!.record(decodeTraces(traces('accounts', spans))));
      }
      if (round === 0) {
        // Restart between the buckets: close (flushes) and reopen the same file.
        inventory.close();
        inventory = new Inventory(config, dir, { now: () => now });
      }
    }
    inventory.close();
    inventory = new Inventory(config, dir, { now: () => now });
    const a = inventory.query({ from: T0, to: T0 + 2 * HOUR, services: 'all' });
    const g = a.groups.get('accounts\u0000traces\u0000GET /users/:id\u0000server')!;
    assert.equal(g.events, 2 * DISTINCT);
    const user = g.attributes.get('span\u0000user.id')!;
    assert.equal(user.count, 2 * DISTINCT);
    const error = Math.abs(user.sketch.estimate() - DISTINCT) / DISTINCT;
    assert.ok(error < 0.02, `estimate ${user.sketch.estimate()}, error ${(error * 100).toFixed(2)}%`);
    assert.equal(g.attributes.get('span\u0000acme.tenant.id')!.sketch.estimate(), 7);
    // One bucket alone: the first hour.
    const first = inventory.query({ from: T0, to: T0 + HOUR, services: 'all' });
    assert.equal(first.groups.get('accounts\u0000traces\u0000GET /users/:id\u0000server')!.events, DISTINCT);
    assert.deepEqual(inventory.store.span(), { first: T0, last: T0 + HOUR });
    inventory.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention: buckets older than it are pruned; services outside the filter are not read', () => {
  const dir = tempDir();
  try {
    let now = T0;
    const config = { ...DEFAULT_INVENTORY, enabled: true, retentionMs: 2 * HOUR };
    const inventory = new Inventory(config, dir, { now: () => now });
    const tap = new InventoryTap(exampleRegistry());
    inventory.add(tap.record(decodeTraces(traces('a', [span('x', { k: 1 })]))));
    inventory.add(tap.record(decodeTraces(traces('b', [span('y', { k: 1 })]))));
    inventory.flush();
    assert.deepEqual([...inventory.query({ from: T0, to: T0 + HOUR, services: new Set(['b']) }).groups.values()].map((g) => g.service), ['b', 'b', 'b']);
    now = T0 + 5 * HOUR;
    const later = new Inventory(config, dir, { now: () => now });
    later.add(tap.record(decodeTraces(traces('a', [span('x', { k: 1 })]))));
    later.flush(); // the first flush of a run prunes
    assert.deepEqual(later.store.span(), { first: T0 + 5 * HOUR, last: T0 + 5 * HOUR });
    inventory.close();
    later.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sketch bytes: round trip sparse and dense; corrupt bytes are refused', () => {
  const s = new MergeableSketch();
  for (let i = 0; i < 10; i++) s.addCode((i << 6) | 3);
  assert.equal(MergeableSketch.fromBytes(s.toBytes()).estimate(), s.estimate());
  for (let i = 0; i < 5000; i++) s.addCode((i << 6) | 1);
  const dense = s.toBytes();
  assert.equal(dense.length, 1 + (1 << 14));
  assert.equal(MergeableSketch.fromBytes(dense).estimate(), s.estimate());
  assert.throws(() => MergeableSketch.fromBytes(new Uint8Array([1, 0, 0])), RangeError);
  assert.throws(() => MergeableSketch.fromBytes(new Uint8Array([7])), RangeError);
  assert.throws(() => MergeableSketch.fromBytes(new Uint8Array([1, 0xff, 0xff, 0xff, 0xff])), RangeError);
});

test('a sender of ever-new span names cannot grow a bucket past max_attributes, flush after flush', () => {
  const dir = tempDir();
  try {
    const inventory = new Inventory({ ...DEFAULT_INVENTORY, enabled: true, maxAttributes: 100 }, dir, { now: () => T0 });
    const tap = new InventoryTap(exampleRegistry());
    let n = 0;
    for (let flush = 0; flush < 5; flush++) {
      const spans = [];
      for (let i = 0; i < 60; i++) spans.push(span(`name-${n++}`, { [`key-${n}`]: 'v', 'http.route': `/r/${n}` }));
      inventory.add(tap.record(decodeTraces(traces('svc', spans))));
      inventory.flush();
    }
    const a = inventory.query({ from: T0, to: T0 + HOUR, services: 'all' });
    assert.ok(a.groups.size <= 101, `${a.groups.size} groups`);
    assert.ok(a.routes.size <= 101, `${a.routes.size} routes`);
    assert.ok(a.groups.has('svc\u0000traces\u0000(other)\u0000server'));
    let rows = 0;
    for (const g of a.groups.values()) rows += g.attributes.size;
    assert.ok(rows <= 100 + a.groups.size, `${rows} attribute rows`);
    // Every span is still counted.
    assert.equal([...a.groups.values()].filter((g) => g.kind === 'server').reduce((s, g) => s + g.events, 0), 300);
    inventory.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
