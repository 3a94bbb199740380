import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEED, NO_FINDINGS, isIban, isIpv6, knownIssuer, luhn, prefilter, redactMatches, scan, validSsn, type Finding } from './index.js';

const mark = (value: string): string => redactMatches(value, scan(value), (_m, f) => `\u2039${f.detector}\u203a`);

describe('scan and redactMatches', () => {
  it('replaces only the matching part of a longer string', () => {
    assert.equal(mark('sent to alice@example.com at 10:02'), 'sent to \u2039email\u203a at 10:02');
    assert.equal(mark('card 4111 1111 1111 1111 exp 12/26'), 'card \u2039payment_card\u203a exp 12/26');
    assert.equal(mark('Authorization: Bearer abcDEF123456ghiJKL789'), 'Authorization: Bearer \u2039bearer_token\u203a');
    assert.equal(mark('postgres://admin:hunter2@db:5432/app'), 'postgres://\u2039url_credentials\u203a@db:5432/app');
    assert.equal(mark('from 10.0.0.1:8080 and [2001:db8::1]:443'), 'from \u2039ipv4\u203a:8080 and [\u2039ipv6\u203a]:443');
  });

  it('finds several values in one string, in order', () => {
    const value = 'alice@example.com paid 4111111111111111 from 203.0.113.9';
    assert.deepEqual(scan(value).map((f) => f.detector), ['email', 'payment_card', 'ipv4']);
  });

  it('returns the shared empty result, without scanning further, for values with no trigger', () => {
    for (const v of ['GET', '/api/orders/{id}', '200', 'checkout', '', 'ok']) {
      assert.equal(prefilter(v), 0, v);
      assert.equal(scan(v), NO_FINDINGS);
    }
    assert.equal(scan('order 12345 shipped'), NO_FINDINGS);
    assert.equal(scan('shop-frontend-7d9f8b6c5-x2k4p'), NO_FINDINGS); // asks the API key detector, which finds nothing
    assert.ok(Object.isFrozen(NO_FINDINGS));
  });

  it('the prefilter asks only the detectors whose trigger characters are present', () => {
    assert.equal(prefilter('a@b.io'), NEED.email);
    assert.ok(prefilter('4111 1111 1111 1111') & NEED.card);
    assert.equal(prefilter('4111 1111 1111 1111') & (NEED.email | NEED.jwt | NEED.ipv6), 0);
    assert.ok(prefilter('fe80::1') & NEED.ipv6);
    assert.ok(prefilter('-----BEGIN RSA PRIVATE KEY-----') & NEED.privateKey);
  });

  it('merges overlapping findings so no part of either stays in clear', () => {
    const value = '+1 4111 1111 1111 1111';
    const findings = scan(value);
    assert.equal(findings.length, 1);
    assert.deepEqual([findings[0]!.start, findings[0]!.end], [0, value.length]);
  });

  it('rejects findings out of order or outside the value', () => {
    const bad: Finding[] = [{ start: 5, end: 9, detector: 'email' }, { start: 2, end: 4, detector: 'email' }];
    assert.throws(() => redactMatches('0123456789', bad, () => 'x'), RangeError);
    assert.throws(() => redactMatches('0123', [{ start: 0, end: 9, detector: 'email' }], () => 'x'), RangeError);
    assert.equal(redactMatches('abc', [], () => 'x'), 'abc');
  });
});

describe('validators', () => {
  it('Luhn and issuer ranges', () => {
    assert.ok(luhn('4111111111111111', 0, 16));
    assert.ok(!luhn('4111111111111112', 0, 16));
    assert.ok(luhn('4111-1111-1111-1111', 0, 19));
    assert.ok(knownIssuer(411111, 16) && !knownIssuer(411111, 15));
    assert.ok(knownIssuer(378282, 15) && !knownIssuer(378282, 16));
    assert.ok(knownIssuer(222300, 16) && !knownIssuer(272100, 16));
    assert.ok(!knownIssuer(123456, 16) && !knownIssuer(999999, 16));
    assert.equal(mark('4111111111111112'), '4111111111111112');
    assert.equal(mark('1733097600000000'), '1733097600000000'); // epoch µs: passes no issuer range
  });

  it('IBAN mod-97 and country lengths', () => {
    assert.ok(isIban('DE89370400440532013000'));
    assert.ok(isIban('DE89 3704 0044 0532 0130 00'));
    assert.ok(!isIban('DE89370400440532013001'));
    assert.ok(!isIban('DE8937040044053201300')); // one short for DE
    assert.ok(!isIban('XX89370400440532013000'));
    assert.ok(isIban('MT84MALT011000012345MTLCAST001S'));
  });

  it('SSN never-issued ranges', () => {
    assert.ok(validSsn('123-45-6789', 0));
    for (const v of ['000-12-3456', '666-12-3456', '900-12-3456', '999-12-3456', '123-00-4567', '123-45-0000', '078-05-1120', '219-09-9999']) {
      assert.ok(!validSsn(v, 0), v);
      assert.equal(mark(`ssn ${v}`), `ssn ${v}`);
    }
  });

  it('IPv6 text forms', () => {
    const ok = (v: string) => isIpv6(v, 0, v.length);
    for (const v of ['::1', '2001:db8::1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', '::ffff:192.0.2.128', 'fe80::', '1:2:3:4:5:6:7::']) assert.ok(ok(v), v);
    for (const v of ['::', '1::2::3', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', '12345::1', '10:02:03', '00:1a:2b:3c:4d:5e', '::ffff:192.0.2.256']) assert.ok(!ok(v), v);
  });

  it('phones: written shapes only, not timestamps, versions or order numbers', () => {
    for (const v of ['+1 415 555 2671', '(415) 555-2671', '415.555.2671', '020 7946 0958', 'tel:+4930123456']) assert.notEqual(mark(v), v, v);
    for (const v of ['2024-01-02T10:02:03Z', 'v1.22.333', 'ORD-2024-000123', '4155552671', '10 20 30 40 50', '+02:00', '123-4567-890']) assert.equal(mark(v), v, v);
  });

  it('JWT needs a header that decodes to JSON with alg', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    assert.equal(mark(`${b64({ alg: 'HS256' })}.${b64({ sub: '1' })}.c2ln`), '\u2039jwt\u203a');
    assert.equal(mark(`${b64({ typ: 'JWT' })}.${b64({ sub: '1' })}.c2ln`), `${b64({ typ: 'JWT' })}.${b64({ sub: '1' })}.c2ln`);
  });

  it('API keys by exact prefix, alphabet and length', () => {
    assert.equal(mark('key AKIAIOSFODNN7EXAMPLE'), 'key \u2039api_key\u203a');
    assert.equal(mark('key AKIAIOSFODNN7EXAMPLE1'), 'key AKIAIOSFODNN7EXAMPLE1');
    assert.equal(mark('AKIAiosfodnn7example'), 'AKIAiosfodnn7example');
    assert.equal(mark('sk_test_4eC39HqLyjWDarjtT1zdp7dc'), 'sk_test_4eC39HqLyjWDarjtT1zdp7dc');
  });

  it('a PEM private key block is replaced whole; a truncated one to the end of the value', () => {
    assert.equal(mark('k=-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- done'), 'k=\u2039private_key\u203a done');
    assert.equal(mark('k=-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE'), 'k=\u2039private_key\u203a');
    assert.equal(mark('-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----'), '-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----');
  });

  it('e-mail look-alikes from packages and assets are not addresses', () => {
    for (const v of ['@cairn/gateway@0.1.0', 'icon@2x.png', 'user@localhost', 'ssh://git@github.com/o/r']) assert.equal(mark(v), v, v);
  });
});

// What the README lists as known false positives and negatives: pinned here so the list stays true.
describe('known limits (documented in README.md)', () => {
  it('false positives: 4-part versions, Luhn-valid ids in an issuer range, hex-only "a::b", SSN-shaped part numbers', () => {
    assert.equal(mark('version 1.2.3.4'), 'version \u2039ipv4\u203a');
    assert.equal(mark('order 4000000000000002'), 'order \u2039payment_card\u203a');
    assert.equal(mark('cafe::beef'), '\u2039ipv6\u203a');
    assert.equal(mark('part 123-45-6789'), 'part \u2039us_ssn\u203a');
  });

  it('false negatives: bare 10-digit phones, bare 9-digit SSNs, all-letter bearer tokens', () => {
    assert.equal(mark('4155552671'), '4155552671');
    assert.equal(mark('ssn 123456789'), 'ssn 123456789');
    assert.equal(mark('Bearer abcdefghijklmnop'), 'Bearer abcdefghijklmnop');
  });

  it("partial matches: exotic local parts keep their head (a/b@…, o'brien@…)", () => {
    assert.equal(mark('a/b@example.com'), 'a/\u2039email\u203a');
    assert.equal(mark("dan.o'brien@example.org"), "dan.o'\u2039email\u203a");
  });
});
