import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { post, span, traces } from '../e2e/client.js';
import { startHarness } from '../e2e/harness.js';
import { backoffMs } from './dispatcher.js';

describe('retry timing', () => {
  const retry = { initialIntervalMs: 100, maxIntervalMs: 1000, multiplier: 2, maxElapsedMs: 0 };

  it('backs off exponentially with jitter, never past the maximum', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** attempt);
      assert.equal(backoffMs(retry, attempt, () => 0), Math.round(ceiling / 2));
      assert.equal(backoffMs(retry, attempt, () => 0.999999), Math.round(ceiling * 0.9999995));
    }
    const samples = new Set(Array.from({ length: 50 }, () => backoffMs(retry, 3)));
    assert.ok(samples.size > 10, 'jitter spreads retries apart');
  });

  it('waits as long as the backend\'s Retry-After says before trying again', async () => {
    const h = await startHarness();
    try {
      h.sink.failNext(1, { status: 503, retryAfter: 1 });
      const s = span('throttled');
      const sent = Date.now();
      assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [s]))).status, 200);
      await h.sink.waitFor((sink) => sink.spanIds.includes(s.spanIdHex), 5000);
      const waited = Date.now() - sent;
      // The harness's own backoff is 20-200 ms: only Retry-After explains a wait of a second.
      assert.ok(waited >= 950, `delivered after ${waited} ms`);
    } finally {
      await h.close();
    }
  });
});
