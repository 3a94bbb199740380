// Which reads a destination's content walk leaves as sent (stages/invariance.ts), key by key,
// against the example registry: the rules docs/sampling.md lists for deciding first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentInvariance } from './invariance.js';
import { compileForTest, exampleRegistry } from './test-support.js';

const strategy = compileForTest({
  scan: { key: 'scan-key-0123456789', unknown: 'scan', sensitivity: { pii: 'hash' }, overrides: { tier: 'allow', 'acme.note': 'mask' } },
  pass: { key: 'pass-key-0123456789', unknown: 'pass', sensitivity: { pii: 'hash' } },
  strict: { unknown: 'allowlist', sensitivity: { pii: 'drop' } },
  varies: { key: 'varies-key-0123456789', unknown: 'pass', sensitivity: { pii: 'hash' }, jurisdictions: [{ when: () => true, unknown: 'scan' }] },
}, exampleRegistry());
const inv = new ContentInvariance(strategy);
const dest = (name: string) => strategy.destinations.get(name)!;

test('a key allowed as is by every policy, neither renamed nor a rename target, reads the same for rules and keys', () => {
  assert.equal(inv.key(dest('scan'), 'tier', 'cel'), true);
  assert.equal(inv.key(dest('pass'), 'note', 'cel'), true, 'unknown keys pass untouched where unknown content passes');
  assert.equal(inv.key(dest('scan'), 'service.name', 'text'), true);
});

test('scanned values are read through the lens for keys, never by rules', () => {
  assert.equal(inv.key(dest('scan'), 'note', 'text'), true, 'undeclared: scanned, redacted by the lens');
  assert.equal(inv.key(dest('scan'), 'note', 'cel'), false);
  assert.equal(inv.key(dest('scan'), 'http.route', 'cel'), false, 'declared without a sensitivity: still scanned');
});

test('whole-value actions, drops, renames, rename targets and coercions are not invariant', () => {
  assert.equal(inv.key(dest('scan'), 'client.address', 'text'), false, 'pii: hashed, also as an int the lens never sees');
  assert.equal(inv.key(dest('scan'), 'acme.note', 'text'), false, 'masked by an override');
  assert.equal(inv.key(dest('strict'), 'note', 'text'), false, 'dropped by the allowlist');
  assert.equal(inv.key(dest('pass'), 'itemCount', 'text'), false, 'an alias: renamed');
  assert.equal(inv.key(dest('pass'), 'acme.cart.value', 'text'), false, 'deprecated and renamed');
  assert.equal(inv.key(dest('pass'), 'acme.cart.item_count', 'text'), false, 'the target of an alias');
  assert.equal(inv.key(dest('pass'), 'acme.cart.total', 'text'), false, 'the target of a rename');
  assert.equal(inv.key(dest('pass'), 'http.response.status_code', 'text'), false, 'the target of http.status_code');
  assert.equal(inv.key(dest('pass'), 'aws.dynamodb.count', 'text'), true, 'an int key allowed as is prints the same after coercion');
  assert.equal(inv.key(dest('pass'), 'aws.dynamodb.count', 'cel'), false, 'but a rule sees its type change');
  assert.equal(inv.key(dest('scan'), 'aws.dynamodb.count', 'text'), false, 'scanned as sent where the walk coerces and does not scan');
  assert.equal(inv.key(dest('pass'), 'url.full', 'cel'), false, 'a sanitizer rewrites it');
});

test('every jurisdiction counts, and span names are invariant only where unknown content passes', () => {
  assert.equal(inv.key(dest('varies'), 'note', 'cel'), false, 'a jurisdiction scans what the default passes');
  assert.equal(inv.names(dest('pass')), true);
  assert.equal(inv.names(dest('varies')), false);
  assert.equal(inv.names(dest('scan')), false);
});
