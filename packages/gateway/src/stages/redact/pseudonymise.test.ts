import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { PseudonymKeyError, Pseudonymiser, hmac, loadKey, mask, truncate } from './pseudonymise.js';

const RUNS = process.env.CI === 'true' ? 200 : 2000;
const KEY_EU = { id: 'k1', key: Buffer.from('eu-destination-key-0123456789abcdef') };
const KEY_US = { id: 'k1', key: Buffer.from('us-destination-key-0123456789abcdef') };

describe('keyed pseudonymisation', () => {
  it('is HMAC-SHA256 truncated to 128 bits, in base64url, prefixed with the key id', () => {
    const p = new Pseudonymiser(KEY_EU);
    const want = createHmac('sha256', KEY_EU.key).update('alice@example.com').digest().subarray(0, 16).toString('base64url');
    assert.equal(p.hash('alice@example.com'), `hmac:k1:${want}`);
    assert.match(p.hash('x'), /^hmac:k1:[A-Za-z0-9_-]{22}$/);
    assert.equal(hmac('k1', KEY_EU.key, 'alice@example.com'), p.hash('alice@example.com'));
  });

  it('same input, same output within a destination; different across destinations', () => {
    const eu = new Pseudonymiser(KEY_EU);
    const us = new Pseudonymiser(KEY_US);
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (v) => {
        assert.equal(eu.hash(v), new Pseudonymiser(KEY_EU).hash(v));
        assert.notEqual(eu.hash(v), us.hash(v));
      }),
      { numRuns: RUNS },
    );
  });

  it('keys longer than a SHA-256 block and non-ASCII values hash as HMAC does', () => {
    const long = { id: 'long', key: Buffer.alloc(200, 7) };
    const want = createHmac('sha256', long.key).update('münchen 😀', 'utf8').digest().subarray(0, 16).toString('base64url');
    assert.equal(new Pseudonymiser(long).hash('münchen 😀'), `hmac:long:${want}`);
  });
});

describe('key loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = 'destinations.eu-backend.keys.default';

  it('loads from an environment variable', () => {
    const key = loadKey({ env: 'EU_HMAC_KEY', id: 'k1' }, path, { EU_HMAC_KEY: 'a'.repeat(32) });
    assert.equal(key.id, 'k1');
    assert.equal(key.key.toString(), 'a'.repeat(32));
  });

  it('loads from a file, dropping one trailing newline', () => {
    const file = join(dir, 'eu.key');
    writeFileSync(file, `${'b'.repeat(32)}\n`);
    assert.equal(loadKey({ file, id: 'k2' }, path).key.toString(), 'b'.repeat(32));
  });

  const fails = (source: Parameters<typeof loadKey>[0], env: NodeJS.ProcessEnv, code: string, where: string, mentions: string) => {
    assert.throws(() => loadKey(source, path, env), (err: unknown) => {
      assert.ok(err instanceof PseudonymKeyError);
      assert.equal(err.code, code);
      assert.equal(err.path, where);
      assert.ok(err.message.includes(mentions), err.message);
      return true;
    });
  };

  it('a missing variable is a coded error naming the destination path and the variable', () => {
    fails({ env: 'EU_HMAC_KEY', id: 'k1' }, {}, 'CAIRN_STRATEGY_KEY_MISSING', `${path}.env`, 'EU_HMAC_KEY');
    fails({ env: 'EU_HMAC_KEY', id: 'k1' }, { EU_HMAC_KEY: '' }, 'CAIRN_STRATEGY_KEY_MISSING', `${path}.env`, 'EU_HMAC_KEY');
  });

  it('a missing file is a coded error naming the file', () => {
    const file = join(dir, 'nope.key');
    fails({ file, id: 'k1' }, {}, 'CAIRN_STRATEGY_KEY_MISSING', `${path}.file`, file);
  });

  it('a short key, a bad id or an ambiguous source are refused', () => {
    fails({ env: 'K', id: 'k1' }, { K: 'short' }, 'CAIRN_STRATEGY_KEY_WEAK', `${path}.env`, '16');
    fails({ env: 'K', id: 'k:1' }, { K: 'a'.repeat(32) }, 'CAIRN_STRATEGY_KEY_ID', `${path}.id`, 'k:1');
    fails({ env: 'K', file: '/x', id: 'k1' }, { K: 'a'.repeat(32) }, 'CAIRN_STRATEGY_KEY_SOURCE', path, 'exactly one');
    fails({ id: 'k1' }, {}, 'CAIRN_STRATEGY_KEY_SOURCE', path, 'exactly one');
  });
});

describe('mask and truncate', () => {
  it('masks to a fixed width; cards keep their last four digits', () => {
    assert.equal(mask('alice@example.com'), '****');
    assert.equal(mask('a'), '****');
    assert.equal(mask('4111 1111 1111 1234', 'payment_card'), '****1234');
  });

  it('truncates on UTF-8 boundaries, never splitting a character', () => {
    assert.equal(truncate('hello', 10), 'hello');
    assert.equal(truncate('héllo', 2), 'h'); // é is 2 bytes: 'hé' is 3
    assert.equal(truncate('héllo', 3), 'hé');
    assert.equal(truncate('a😀b', 4), 'a'); // 😀 is 4 bytes
    assert.equal(truncate('a😀b', 5), 'a😀');
    assert.equal(truncate('abc', 0), '');
    assert.throws(() => truncate('abc', -1), RangeError);
  });

  it('the truncated value is a prefix that fits and is whole', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(80), (v, n) => {
        const t = truncate(v, n);
        assert.ok(v.startsWith(t));
        assert.ok(Buffer.byteLength(t, 'utf8') <= n);
        // Whole code points only: encoding round-trips, so no surrogate was cut in half.
        assert.equal(Buffer.from(t, 'utf8').toString('utf8'), t);
        // Maximal: one more code point would not fit.
        if (t.length < v.length) assert.ok(Buffer.byteLength(v.slice(0, t.length + (v.codePointAt(t.length)! > 0xffff ? 2 : 1)), 'utf8') > n);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('PseudonymCache (the per-destination memo in front of the HMAC)', () => {
  it('answers exactly what the Pseudonymiser answers, across slot collisions and repeats', async () => {
    const { PseudonymCache } = await import('./redact.js');
    const cache = new PseudonymCache(KEY_EU);
    const plain = new Pseudonymiser(KEY_EU);
    let runs = 0;
    // Short strings over a small alphabet: repeats and same-slot different values are common.
    fc.assert(fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '.', '1', 'é'), maxLength: 6 }), { maxLength: 200 }), (values) => {
      runs++;
      for (const v of values) assert.equal(cache.hash(v), plain.hash(v));
    }), { numRuns: RUNS / 10 });
    // 20,000 distinct values over 8,192 slots, then all of them again.
    const many = Array.from({ length: 20000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    for (const v of many) assert.equal(cache.hash(v), plain.hash(v));
    for (const v of many) assert.equal(cache.hash(v), plain.hash(v));
    console.log(`PseudonymCache: ${runs} cases`);
  });

  it('admits a value that keeps coming back among values that do not, within a few misses', async () => {
    const { PseudonymCache } = await import('./redact.js');
    const cache = new PseudonymCache(KEY_EU);
    // Count the HMACs the cache asks for: a hit asks for none.
    const inner = (cache as unknown as { p: Pseudonymiser }).p;
    let computed = 0;
    const hash = inner.hash.bind(inner);
    inner.hash = (v: string) => { computed++; return hash(v); };
    const hot = 'customer-42@example.com';
    // It comes back after every other value: a rule that stored every fourth miss never took it.
    const misses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const before = computed;
      assert.equal(cache.hash(hot), new Pseudonymiser(KEY_EU).hash(hot));
      if (computed > before) misses.push(i);
      cache.hash(`10.1.${i >> 8}.${i & 255}`); // a value seen once, between each
    }
    // Each miss stores with probability 1/4 (a fixed seed: the same run every time): admitted
    // after a few misses, and a hit every time after that.
    assert.ok(misses.length >= 1 && misses.length <= 16, `the hot value missed ${misses.length} times`);
    assert.equal(misses[misses.length - 1]! < 40, true, `last miss at ${misses[misses.length - 1]}`);
  });
});
