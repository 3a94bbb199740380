import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sanitizeQuery, sanitizeSql, sanitizeUrl } from './index.js';

const RUNS = process.env.CI === 'true' ? 200 : 2000;

describe('URL sanitizing (url.full, http.target, url.query)', () => {
  it('keeps keys and replaces values with REDACTED, as the semantic conventions do', () => {
    assert.equal(sanitizeUrl('https://shop.example/search?q=secret&x=1'), 'https://shop.example/search?q=REDACTED&x=REDACTED');
    assert.equal(sanitizeUrl('/search?q=secret&page=2'), '/search?q=REDACTED&page=REDACTED');
    assert.equal(sanitizeQuery('q=secret&x=1'), 'q=REDACTED&x=REDACTED');
  });

  it('replaces credentials with REDACTED:REDACTED and keeps the host', () => {
    assert.equal(sanitizeUrl('https://user:pass@example.com/a?b=1'), 'https://REDACTED:REDACTED@example.com/a?b=REDACTED');
    assert.equal(sanitizeUrl('https://token@example.com/a'), 'https://REDACTED@example.com/a');
  });

  it('leaves empty values, bare keys and paths alone, and returns the same string when nothing changed', () => {
    const plain = 'https://example.com/a/b';
    assert.equal(sanitizeUrl(plain), plain);
    assert.equal(sanitizeQuery('a=&flag'), 'a=&flag');
    assert.equal(sanitizeUrl('https://example.com/a?#/route'), 'https://example.com/a?#/route');
  });

  it('sanitizes fragment parameters (OAuth implicit flow) but not fragment routes', () => {
    assert.equal(sanitizeUrl('https://app.example/cb#access_token=abc&state=1'), 'https://app.example/cb#access_token=REDACTED&state=REDACTED');
    assert.equal(sanitizeUrl('https://app.example/#/orders/42'), 'https://app.example/#/orders/42');
    assert.equal(sanitizeUrl('https://a.example/p?x=1#t=2'), 'https://a.example/p?x=REDACTED#t=REDACTED');
  });

  it('no query value survives, for any generated query', () => {
    const part = fc.string({ unit: fc.constantFrom(...'abcXYZ019%+-._~'), minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.tuple(part, part), { minLength: 1, maxLength: 6 }), (pairs) => {
        const out = sanitizeUrl(`https://h.example/p?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`);
        const kept = out.slice(out.indexOf('?') + 1).split('&');
        assert.equal(kept.length, pairs.length);
        kept.forEach((kv, i) => assert.equal(kv, `${pairs[i]![0]}=REDACTED`));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('SQL literal sanitizing (db.query.text, db.statement)', () => {
  const cases: [string, string][] = [
    ["SELECT * FROM users WHERE email = 'a''b@c.com' AND id = 42", 'SELECT * FROM users WHERE email = ? AND id = ?'],
    ["UPDATE t SET note = 'it\\'s' WHERE x = 1.5e-3", 'UPDATE t SET note = ? WHERE x = ?'],
    ['SELECT t2.col3, "User"."email", `orders`.`id` FROM t2 WHERE a IN (1, 2, -3)', 'SELECT t2.col3, "User"."email", `orders`.`id` FROM t2 WHERE a IN (?, ?, -?)'],
    ['SELECT * FROM t WHERE a = $1 AND b = :name AND c = ? AND d = @p1', 'SELECT * FROM t WHERE a = $1 AND b = :name AND c = ? AND d = @p1'],
    ["INSERT INTO t VALUES (E'x\\n', N'ü', X'0A', B'101', 0xFF, .5)", 'INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)'],
    ['SELECT $$a body$$, $fn$ x $fn$', 'SELECT ?, ?'],
    ["SELECT 1 -- trailing 'comment'\n/* block 'x' */ FROM dual", 'SELECT ? -- trailing \'comment\'\n/* block \'x\' */ FROM dual'],
    ['SELECT col1, table_2.x9 FROM schema1.table_2 WHERE TRUE AND deleted IS NULL', 'SELECT col1, table_2.x9 FROM schema1.table_2 WHERE TRUE AND deleted IS NULL'],
    ["SELECT 'unterminated", 'SELECT ?'],
    ['SELECT x::int FROM t LIMIT 10 OFFSET 20', 'SELECT x::int FROM t LIMIT ? OFFSET ?'],
  ];
  for (const [input, want] of cases) {
    it(`${input.slice(0, 60).replace(/\n/g, ' ')}`, () => assert.equal(sanitizeSql(input), want));
  }

  it('returns the same string when there is no literal', () => {
    const sql = 'SELECT id FROM orders WHERE user_id = $1';
    assert.equal(sanitizeSql(sql), sql);
  });

  it('no generated string or number literal survives, and identifiers do', () => {
    const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
    const str = fc.string({ unit: fc.constantFrom(...'abc XYZ019\'\\@%'), maxLength: 12 }).map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
    const num = fc.oneof(fc.nat().map(String), fc.double({ min: 0, max: 1e9, noNaN: true }).map((d) => d.toFixed(3)));
    fc.assert(
      fc.property(fc.array(fc.tuple(ident, fc.oneof(str, num)), { minLength: 1, maxLength: 5 }), (conds) => {
        const sql = `SELECT * FROM t WHERE ${conds.map(([c, v]) => `${c} = ${v}`).join(' AND ')}`;
        assert.equal(sanitizeSql(sql), `SELECT * FROM t WHERE ${conds.map(([c]) => `${c} = ?`).join(' AND ')}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws and always ends, on any input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (sql) => { sanitizeSql(sql); }), { numRuns: RUNS });
    sanitizeSql("'".repeat(1 << 20));
    sanitizeSql('$a'.repeat(1 << 19));
  });
});
