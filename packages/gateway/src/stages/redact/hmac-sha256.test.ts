// The JavaScript HMAC-SHA256 gives exactly Node's createHmac output, for any key length and any
// value (multi-block, non-ASCII, lone surrogates). Cases: 3,000 (CI=true: 500).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HmacSha256 } from './hmac-sha256.js';

const CASES = process.env.CI === 'true' ? 500 : 3000;

test('HmacSha256 equals createHmac (truncated to 16 bytes and full 32)', () => {
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 1, maxLength: 130 }),
    fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ unit: fc.constantFrom('\ud800', 'a', '\u00e9', '\u{1f600}'), maxLength: 40 })),
    (key, value) => {
      const h = new HmacSha256(key);
      const expected = createHmac('sha256', key).update(value, 'utf8').digest();
      assert.equal(h.base64url(value, 16), expected.toString('base64url', 0, 16));
      assert.equal(h.base64url(value, 32), expected.toString('base64url'));
      assert.equal(h.base64url(value, 16), expected.toString('base64url', 0, 16), 'a second call gives the same');
    },
  ), { numRuns: CASES });
});

test('HmacSha256 with a prefix: the prefix as given, then the digest, whatever prefix came before', () => {
  // The 16-byte form builds prefix and digest from reused char codes, rebuilt when the prefix
  // changes: a stale prefix or a stale digest character would show here.
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 1, maxLength: 70 }),
    fc.array(fc.tuple(fc.oneof(fc.constant('hmac:k1:'), fc.string({ maxLength: 30 }), fc.string({ unit: fc.constantFrom('\ud800', 'k', '\u00e9', '\u{1f600}'), maxLength: 12 })), fc.string({ maxLength: 80 })), { minLength: 1, maxLength: 6 }),
    (key, calls) => {
      const h = new HmacSha256(key);
      for (const [prefix, value] of calls) {
        const digest = createHmac('sha256', key).update(value, 'utf8').digest();
        assert.equal(h.base64url(value, 16, prefix), prefix + digest.toString('base64url', 0, 16));
        assert.equal(h.base64url(value, 32, prefix), prefix + digest.toString('base64url'));
      }
    },
  ), { numRuns: CASES });
});

test('HmacSha256 at every length across block boundaries', () => {
  const h = new HmacSha256(Buffer.from('0123456789abcdef'));
  for (let n = 0; n < 300; n++) {
    const v = 'x'.repeat(n);
    assert.equal(h.base64url(v, 16), createHmac('sha256', '0123456789abcdef').update(v).digest().toString('base64url', 0, 16), `length ${n}`);
  }
  const long = 'é'.repeat(5000);
  assert.equal(h.base64url(long, 16), createHmac('sha256', '0123456789abcdef').update(long).digest().toString('base64url', 0, 16));
});

test('the unrolled compression is what its generator writes (scripts/gen-sha256-compress.mjs --check)', () => {
  // dist/stages/redact -> the repository root.
  const script = fileURLToPath(new URL('../../../../../scripts/gen-sha256-compress.mjs', import.meta.url));
  const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});
