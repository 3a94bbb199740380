// Character classes shared by the detectors and the prefilter: one 128-entry table, built once,
// so every per-character test is a load and a mask instead of a chain of comparisons.

export const DIGIT = 1;
export const UPPER = 2;
export const LOWER = 4;
export const HEX = 8;
/** [A-Za-z0-9_-]: the alphabet of base64url, API keys and JWT parts. */
export const TOKEN = 16;
/** Bearer token alphabet (RFC 6750 b64token): [A-Za-z0-9-._~+/=]. */
export const B64TOKEN = 32;
/** Characters of an e-mail local part we accept: [A-Za-z0-9._%+-]. */
export const LOCAL = 64;
/** Characters of a domain name: [A-Za-z0-9.-]. */
export const DOMAIN = 128;
/** Characters that may sit between the digit groups of a written number: space - . ( ) +. */
export const NUMSEP = 256;

export const ALPHA = UPPER | LOWER;
export const ALNUM = DIGIT | UPPER | LOWER;

export const CLASS = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  let k = 0;
  const ch = String.fromCharCode(c);
  if (c >= 48 && c <= 57) k |= DIGIT | HEX;
  if (c >= 65 && c <= 90) k |= UPPER;
  if (c >= 97 && c <= 122) k |= LOWER;
  if ((c >= 65 && c <= 70) || (c >= 97 && c <= 102)) k |= HEX;
  if (k & ALNUM || ch === '_' || ch === '-') k |= TOKEN;
  if (k & ALNUM || '-._~+/='.includes(ch)) k |= B64TOKEN;
  if (k & ALNUM || '._%+-'.includes(ch)) k |= LOCAL;
  if (k & ALNUM || ch === '.' || ch === '-') k |= DOMAIN;
  if (' -.()+'.includes(ch)) k |= NUMSEP;
  CLASS[c] = k;
}

/** The class bits of the character at `i`, 0 outside the string or outside ASCII. */
export function classAt(s: string, i: number): number {
  if (i < 0 || i >= s.length) return 0;
  const c = s.charCodeAt(i);
  return c < 128 ? CLASS[c]! : 0;
}

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True when the character at `i` is a letter or digit (ASCII); false outside the string. */
export function isAlnumAt(s: string, i: number): boolean {
  return (classAt(s, i) & ALNUM) !== 0;
}
