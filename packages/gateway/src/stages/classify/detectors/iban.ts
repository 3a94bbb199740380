// IBANs: a country code with its registered length (ISO 13616 registry), two check digits, the
// BBAN in groups of four or unbroken, and the mod-97 check.
import { ALNUM, DIGIT, UPPER, classAt } from './charclass.js';
import type { Finding } from './types.js';

/** IBAN length per country code (SWIFT IBAN registry). */
const LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};
/** Country code → length, keyed by the two letters' codes packed in one number (no string per candidate). */
const LENGTH_BY_CODE = new Map<number, number>();
for (const [cc, len] of Object.entries(LENGTHS)) LENGTH_BY_CODE.set(cc.charCodeAt(0) * 128 + cc.charCodeAt(1), len);

/** Offsets of the IBAN characters of the current candidate, separators skipped (reused). */
const pos = new Int32Array(34);

export function detectIbans(s: string, out: Finding[]): void {
  const n = s.length - 3;
  for (let i = 0; i < n; i++) {
    if (!(classAt(s, i) & UPPER) || !(classAt(s, i + 1) & UPPER) || !(classAt(s, i + 2) & DIGIT) || !(classAt(s, i + 3) & DIGIT)) continue;
    if (classAt(s, i - 1) & ALNUM) continue;
    const len = LENGTH_BY_CODE.get(s.charCodeAt(i) * 128 + s.charCodeAt(i + 1));
    if (len === undefined) continue;
    const end = collect(s, i, len);
    if (end < 0 || !mod97(s, len)) continue;
    out.push({ start: i, end, detector: 'iban' });
    i = end - 1;
  }
}

/** Collects `len` IBAN characters from `i` (a single space allowed after every group of four), or -1. */
function collect(s: string, i: number, len: number): number {
  let count = 0;
  let j = i;
  let spaced = false;
  while (count < len && j < s.length) {
    const k = classAt(s, j);
    if (k & (DIGIT | UPPER)) { pos[count++] = j++; continue; }
    if (s.charCodeAt(j) === 32 && count % 4 === 0 && (count === 4 || spaced) && classAt(s, j + 1) & (DIGIT | UPPER)) { spaced = true; j++; continue; }
    break;
  }
  if (count !== len) return -1;
  if (classAt(s, j) & ALNUM) return -1;
  return j;
}

/** ISO 7064 mod 97-10 over the collected characters, rearranged (first four moved to the end). */
function mod97(s: string, len: number): boolean {
  let r = 0;
  for (let n = 0; n < len; n++) {
    const c = s.charCodeAt(pos[(n + 4) % len]!);
    if (c <= 57) r = (r * 10 + (c - 48)) % 97;
    else r = (r * 100 + (c - 55)) % 97;
  }
  return r === 1;
}

/** True when `value` (spaces allowed) is a valid IBAN. */
export function isIban(value: string): boolean {
  const out: Finding[] = [];
  detectIbans(value, out);
  return out.length === 1 && out[0]!.start === 0 && out[0]!.end === value.length;
}
