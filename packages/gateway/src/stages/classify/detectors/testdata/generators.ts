// fast-check generators of valid PII, shared by the property tests: every value they make passes
// its detector's validator (Luhn, mod-97, SSA rules, JSON header with alg...).
import fc from 'fast-check';
import type { DetectorId } from '../types.js';

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n });

function luhnCheckDigit(body: number[]): number {
  let sum = 0;
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = body[i]!;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

const cardNumber = fc.oneof(
  digits(14).map((d) => [4, ...d]),
  fc.tuple(fc.integer({ min: 51, max: 55 }), digits(13)).map(([p, d]) => [Math.floor(p / 10), p % 10, ...d]),
  fc.tuple(fc.constantFrom(34, 37), digits(12)).map(([p, d]) => [Math.floor(p / 10), p % 10, ...d]),
  digits(11).map((d) => [6, 0, 1, 1, ...d]),
).map((body) => [...body, luhnCheckDigit(body)].join(''));

export const card = fc.tuple(cardNumber, fc.constantFrom('', ' ', '-')).map(([n, sep]) => (sep === '' ? n : n.match(/.{1,4}/g)!.join(sep)));

function ibanCheck(country: string, bban: string): string {
  const rearranged = bban + country + '00';
  let r = 0;
  for (const ch of rearranged) {
    const v = parseInt(ch, 36);
    r = v > 9 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
  }
  return String(98 - r).padStart(2, '0');
}
const upper = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
export const iban = fc.oneof(
  digits(18).map((d) => ['DE', d.join('')] as const),
  fc.tuple(fc.array(upper, { minLength: 4, maxLength: 4 }), digits(14)).map(([b, d]) => ['GB', b.join('') + d.join('')] as const),
  digits(11).map((d) => ['NO', d.join('')] as const),
).chain(([cc, bban]) => {
  const value = cc + ibanCheck(cc, bban) + bban;
  return fc.constantFrom(value, value.match(/.{1,4}/g)!.join(' '));
});

const lowerAlnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
const word = (min: number, max: number) => fc.array(lowerAlnum, { minLength: min, maxLength: max }).map((a) => a.join(''));
export const email = fc.tuple(word(1, 10), fc.option(word(1, 6), { nil: undefined }), fc.constantFrom('a', 'm', 'x'), word(0, 8), fc.constantFrom('com', 'org', 'io', 'de', 'example', 'co.uk'))
  .map(([local, sub, first, rest, tld]) => `${local}${sub ? `.${sub}` : ''}@${first}${rest}.${tld}`);

const octet = fc.integer({ min: 0, max: 255 });
export const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

const hexGroup = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
export const ipv6 = fc.tuple(fc.array(hexGroup, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 8 }))
  .map(([g, at, gap]) => {
    if (at === 8) return g.join(':');
    const end = Math.min(8, at + gap);
    return `${g.slice(0, at).join(':')}::${g.slice(end).join(':')}`;
  })
  .filter((v) => v !== '::');

export const ssn = fc.tuple(fc.integer({ min: 1, max: 899 }), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 }))
  .filter(([a, g, s]) => a !== 666 && !(a === 78 && g === 5 && s === 1120) && !(a === 219 && g === 9 && s === 9999))
  .map(([a, g, s]) => `${String(a).padStart(3, '0')}-${String(g).padStart(2, '0')}-${String(s).padStart(4, '0')}`);

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const b64chars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
export const jwt = fc.tuple(fc.constantFrom('HS256', 'RS256', 'ES256', 'none'), fc.dictionary(word(1, 6), fc.oneof(word(0, 12), fc.integer())), fc.array(b64chars, { maxLength: 86 }))
  .map(([alg, claims, sig]) => `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.${sig.join('')}`);

const awsChars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
const alnum = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
export const apiKey = fc.oneof(
  fc.tuple(fc.constantFrom('AKIA', 'ASIA'), fc.array(awsChars, { minLength: 16, maxLength: 16 })).map(([p, c]) => p + c.join('')),
  fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghs_'), fc.array(alnum, { minLength: 36, maxLength: 36 })).map(([p, c]) => p + c.join('')),
  fc.array(alnum, { minLength: 24, maxLength: 40 }).map((c) => `sk_live_${c.join('')}`),
);

const d = (min: number, max: number) => fc.integer({ min, max });
export const phone = fc.oneof(
  fc.tuple(d(200, 999), d(200, 999), d(0, 9999)).map(([a, e, x]) => `(${a}) ${e}-${String(x).padStart(4, '0')}`),
  fc.tuple(d(200, 999), d(200, 999), d(0, 9999)).map(([a, e, x]) => `${a}-${e}-${String(x).padStart(4, '0')}`),
  fc.tuple(d(1, 9), d(1_000_000, 99_999_999_999)).map(([c, n]) => `+${c}${n}`),
  fc.tuple(d(20, 99), d(1000, 9999), d(1000, 9999)).map(([a, b, c]) => `+44 ${a} ${b} ${c}`),
);

export const urlCredentials = fc.tuple(fc.constantFrom('https', 'postgres', 'redis', 'amqp'), word(0, 8), word(1, 12), word(1, 10))
  .map(([scheme, user, pass, host]) => `${scheme}://${user}:${pass}@${host}.example/x`);

/** A generator of valid values per detector (bearer tokens and PEM blocks are covered by the corpus). */
export const PLANTED: readonly (readonly [DetectorId, fc.Arbitrary<string>])[] = [
  ['payment_card', card],
  ['iban', iban],
  ['email', email],
  ['ipv4', ipv4],
  ['ipv6', ipv6],
  ['us_ssn', ssn],
  ['jwt', jwt],
  ['api_key', apiKey],
  ['phone', phone],
  ['url_credentials', urlCredentials],
];
