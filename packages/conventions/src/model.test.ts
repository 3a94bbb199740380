import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byKey, namespaceOf } from './model.js';

describe('namespaceOf', () => {
  test('is what comes before the first dot, or the whole key', () => {
    for (const key of ['http.request.method', 'acme', '', '.x', 'a.', 'a..b', 'user.email']) {
      assert.equal(namespaceOf(key), key.split('.')[0], key);
    }
  });
});

describe('byKey', () => {
  test('orders by key in code-unit order', () => {
    const keys = ['b', 'a.b', 'A', 'a', 'a_b'].map((key) => ({ key })).sort(byKey).map((a) => a.key);
    assert.deepEqual(keys, ['A', 'a', 'a.b', 'a_b', 'b']);
  });
});
