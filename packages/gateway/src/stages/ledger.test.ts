// The ledger's counters: rows add up, tenant-chosen keys cannot grow a batch's delta or the
// running totals without bound, and values never appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LedgerRecorder, MAX_LEDGER_KEYS, OTHER_KEY, isEmptyLedgerDelta } from './ledger.js';

test('a recorder adds repeated rows and bounds distinct keys per batch', () => {
  const r = new LedgerRecorder();
  r.action('eu', 'user.id', 'hash', 'sensitivity.pii');
  r.action('eu', 'user.id', 'hash', 'sensitivity.pii');
  r.action('us', 'user.id', 'drop', 'sensitivity.pii');
  r.finding('shop', 'note', 'email');
  r.finding('shop', 'note', 'email');
  r.renamed('userId', 'user.id');
  r.conflict('user.id');
  r.coerced('http.response.status_code', 'int');
  const d = r.take();
  assert.deepEqual(d.actions, [
    { destination: 'eu', key: 'user.id', action: 'hash', rule: 'sensitivity.pii', count: 2 },
    { destination: 'us', key: 'user.id', action: 'drop', rule: 'sensitivity.pii', count: 1 },
  ]);
  assert.deepEqual(d.findings, [{ service: 'shop', key: 'note', detector: 'email', count: 2 }]);
  assert.ok(isEmptyLedgerDelta(r.take()), 'take() starts over');
  for (let i = 0; i < MAX_LEDGER_KEYS + 50; i++) r.action('eu', `k${i}`, 'drop', 'unknown');
  const bounded = r.take();
  assert.equal(bounded.actions.length, MAX_LEDGER_KEYS + 1);
  assert.equal(bounded.actions.find((a) => a.key === OTHER_KEY)!.count, 50);
});
