import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ALL_DETECTORS, redactMatches, scan, scanWith } from './index.js';
import { PLANTED } from './testdata/generators.js';
import type { Finding } from './types.js';

// CI shrinks the counts; it never skips the properties.
const RUNS = process.env.CI === 'true' ? 200 : 2000;

/** Text around a planted value: words, numbers, punctuation; a space always separates it from the value. */
const surrounding = fc.array(
  fc.oneof(
    fc.constantFrom('sent', 'to', 'at', 'order', 'id', 'user', 'GET', '/api/v1', 'status', 'ok', 'x', '=', ':', ',', '(', ')', '"', '{', '}', '-', '@', '.'),
    fc.integer({ min: 0, max: 99_999 }).map(String),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), maxLength: 8 }),
  ),
  { maxLength: 6 },
).map((words) => words.join(' '));

function assertWellFormed(value: string, findings: readonly Finding[]): void {
  let at = 0;
  for (const f of findings) {
    assert.ok(f.start >= at && f.end > f.start && f.end <= value.length, `finding ${JSON.stringify(f)} in ${JSON.stringify(value)}`);
    at = f.end;
  }
}

describe('planted PII inside random text', () => {
  for (const [detector, arbitrary] of PLANTED) {
    it(`a valid ${detector} anywhere in a value is found and fully replaced`, () => {
      let ran = 0;
      fc.assert(
        fc.property(surrounding, arbitrary, surrounding, (before, pii, after) => {
          ran++;
          const value = `${before} ${pii} ${after}`;
          // A URL keeps its scheme and host: the secret is the userinfo between '://' and '@'.
          const secret = detector === 'url_credentials' ? pii.slice(pii.indexOf('://') + 3, pii.lastIndexOf('@')) : pii;
          const at = before.length + 1 + pii.indexOf(secret);
          const findings = scan(value);
          assertWellFormed(value, findings);
          // The prefilter never hides a finding that running every detector would make.
          assert.deepEqual(findings, scanWith(value, ALL_DETECTORS));
          const covering = findings.find((f) => f.start <= at && f.end >= at + secret.length);
          assert.ok(covering, `${detector} ${JSON.stringify(secret)} not covered in ${JSON.stringify(value)}: ${JSON.stringify(findings)}`);
          const redacted = redactMatches(value, findings, () => '\u2039x\u203a');
          assert.ok(secret.length < 3 || !redacted.includes(secret), `${JSON.stringify(redacted)} still holds ${secret}`);
          // Only matches are replaced: the text after the last finding is kept as it was.
          const last = findings[findings.length - 1]!;
          assert.ok(redacted.endsWith(value.slice(last.end)));
        }),
        { numRuns: RUNS },
      );
      console.log(`# ${detector}: ${ran} cases`);
    });
  }
});

describe('values without planted PII', () => {
  it('random printable text rarely triggers a detector (under 1 in 200 values)', () => {
    let values = 0;
    let flagged = 0;
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (value) => {
        values++;
        const findings = scan(value);
        assertWellFormed(value, findings);
        if (findings.length > 0) flagged++;
      }),
      { numRuns: RUNS * 5 },
    );
    console.log(`# random text: ${flagged} of ${values} values flagged`);
    assert.ok(flagged * 200 < values, `${flagged} of ${values} random values flagged`);
  });

  it('random telemetry-like text (ids, versions, times, numbers) rarely triggers a detector (under 1 in 100)', () => {
    const token = fc.oneof(
      fc.uuid(),
      fc.integer({ min: 0, max: 2 ** 31 }).map(String),
      fc.tuple(fc.nat(30), fc.nat(30), fc.nat(300)).map((v) => v.join('.')),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.stringMatching(/^[0-9a-f]{16,40}$/),
      fc.stringMatching(/^[A-Z]{2,4}-[0-9]{3,8}$/),
      fc.double({ min: 0, max: 1e6, noNaN: true }).map((x) => x.toFixed(2)),
      fc.constantFrom('GET', 'POST', '/api/orders', 'status=200', 'ms', 'checkout', ':', ',', '-'),
    );
    let values = 0;
    let flagged = 0;
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }).map((t) => t.join(' ')), (value) => {
        values++;
        const findings = scan(value);
        assertWellFormed(value, findings);
        if (findings.length > 0) flagged++;
      }),
      { numRuns: RUNS * 5 },
    );
    console.log(`# telemetry-like text: ${flagged} of ${values} values flagged`);
    assert.ok(flagged * 100 < values, `${flagged} of ${values} telemetry-like values flagged`);
  });

  it('adversarial alphabets never crash and give well-formed findings', () => {
    const hostile = fc.string({ unit: fc.constantFrom(...'@.:-_/ +()0123456789eyJAKIAghp_xox-----BEGIN Bearer ://'), maxLength: 400 });
    fc.assert(
      fc.property(hostile, (value) => {
        const findings = scan(value);
        assertWellFormed(value, findings);
        assert.deepEqual(findings, scanWith(value, ALL_DETECTORS));
        assert.equal(redactMatches(value, findings, (m) => m), value);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('1 MB adversarial values', () => {
  // Every detector walks the value forwards with bounded look-back (64 characters for an e-mail's
  // local part, eight groups for a card) and skips past what it rejected, and none uses a regular
  // expression, so there is no backtracking to blow up. These finish (the test runner's timeout
  // is the guard); their cost per MB is measured in bench/gateway/src/detectors.ts.
  const MB = 1 << 20;
  const cases: Record<string, string> = {
    "'a' × 1 MB then '@x.com'": 'a'.repeat(MB) + '@x.com',
    "'@' × 1 MB": '@'.repeat(MB),
    "'a@' × 512k": 'a@'.repeat(MB / 2),
    "'a@b.' × 256k": 'a@b.'.repeat(MB / 4),
    "'1' × 1 MB": '1'.repeat(MB),
    "'1 ' × 512k": '1 '.repeat(MB / 2),
    "'4111 ' × 200k": '4111 '.repeat(MB / 5),
    "'1.' × 512k": '1.'.repeat(MB / 2),
    "':' × 1 MB": ':'.repeat(MB),
    "'1:' × 512k": '1:'.repeat(MB / 2),
    "'eyJ.' × 256k": 'eyJ.'.repeat(MB / 4),
    "'-----BEGIN PRIVATE KEY-----' repeated": '-----BEGIN PRIVATE KEY-----'.repeat(MB / 27),
    "'Bearer ' × 150k": 'Bearer '.repeat(MB / 7),
    "'a://b:c' × 150k": 'a://b:c'.repeat(MB / 7),
    "'(' × 1 MB": '('.repeat(MB),
    "'+1 ' × 350k": '+1 '.repeat(MB / 3),
    "'DE89' × 256k": 'DE89'.repeat(MB / 4),
    "'A' × 1 MB": 'A'.repeat(MB),
  };
  for (const [name, value] of Object.entries(cases)) {
    it(`${name} is scanned to the end with well-formed findings`, () => {
      const findings = scan(value);
      assertWellFormed(value, findings);
    });
  }
});
