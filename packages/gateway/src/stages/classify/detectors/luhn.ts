// Payment card numbers: a digit run of 13–19 digits (single spaces or dashes between groups), a
// known issuer range (IIN) for that length, and the Luhn checksum.
import { ALNUM, classAt, isDigitCode } from './charclass.js';
import type { Finding } from './types.js';

const MAX_GROUPS = 8;
/** Digit counts at the end of each separated group of the current run (reused, never per call). */
const groupEnds = new Int32Array(MAX_GROUPS);
const groupDigits = new Int32Array(MAX_GROUPS);

export function detectCards(s: string, out: Finding[]): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (!isDigitCode(s.charCodeAt(i))) { i++; continue; }
    const start = i;
    let digits = 0;
    let groups = 0;
    let sep = 0;
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (isDigitCode(c)) { digits++; j++; continue; }
      if ((c === 32 || c === 45) && (sep === 0 || sep === c) && j + 1 < n && isDigitCode(s.charCodeAt(j + 1))) {
        if (groups < MAX_GROUPS) { groupEnds[groups] = j; groupDigits[groups] = digits; }
        groups++;
        sep = c;
        j++;
        continue;
      }
      break;
    }
    if (groups < MAX_GROUPS) { groupEnds[groups] = j; groupDigits[groups] = digits; }
    groups++;
    i = j;
    if (!startBoundary(s, start)) continue;
    // The whole run first, then shorter runs of whole groups (a card followed by `123` or a date).
    for (let g = Math.min(groups, MAX_GROUPS) - 1; g >= 0; g--) {
      const end = groupEnds[g]!;
      const count = groupDigits[g]!;
      if (count < 13) break;
      if (count > 19) continue;
      if (end === j && !endBoundary(s, end)) continue;
      if (isCardNumber(s, start, end, count)) { out.push({ start, end, detector: 'payment_card' }); break; }
    }
  }
}

function startBoundary(s: string, start: number): boolean {
  if (start === 0) return true;
  const c = s.charCodeAt(start - 1);
  // Not the tail of a word, a decimal, a signed or dashed number.
  return !(classAt(s, start - 1) & ALNUM) && c !== 46 && c !== 44 && c !== 95 && c !== 45 && c !== 43;
}

function endBoundary(s: string, end: number): boolean {
  if (end >= s.length) return true;
  if (classAt(s, end) & ALNUM || s.charCodeAt(end) === 95) return false;
  const c = s.charCodeAt(end);
  return !((c === 46 || c === 44) && isDigitCode(s.charCodeAt(end + 1)));
}

/** Luhn and IIN over the digits of `s[start, end)`, skipping separators. */
export function isCardNumber(s: string, start: number, end: number, count: number): boolean {
  let prefix = 0;
  let seen = 0;
  for (let k = start; k < end && seen < 6; k++) {
    const c = s.charCodeAt(k);
    if (isDigitCode(c)) { prefix = prefix * 10 + (c - 48); seen++; }
  }
  return knownIssuer(prefix, count) && luhn(s, start, end);
}

export function luhn(s: string, start: number, end: number): boolean {
  let sum = 0;
  let double = false;
  for (let k = end - 1; k >= start; k--) {
    const c = s.charCodeAt(k);
    if (!isDigitCode(c)) continue;
    let d = c - 48;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer ranges by the first six digits (IIN) and length, after the networks' published tables. */
export function knownIssuer(iin6: number, length: number): boolean {
  const p1 = Math.floor(iin6 / 100000);
  const p2 = Math.floor(iin6 / 10000);
  const p3 = Math.floor(iin6 / 1000);
  const p4 = Math.floor(iin6 / 100);
  if (p1 === 4) return length === 13 || length === 16 || length === 19; // Visa
  if (p2 >= 51 && p2 <= 55) return length === 16; // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return length === 16; // Mastercard 2-series
  if (p4 >= 2200 && p4 <= 2204) return length >= 16 && length <= 19; // Mir
  if (p2 === 34 || p2 === 37) return length === 15; // American Express
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) return length >= 16 && length <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return length >= 16 && length <= 19; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return length >= 14 && length <= 19; // Diners
  if (p2 === 62) return length >= 16 && length <= 19; // UnionPay
  if (p4 === 5018 || p4 === 5020 || p4 === 5038 || p4 === 5893 || p4 === 6304 || p4 === 6759 || (p4 >= 6761 && p4 <= 6763)) return length >= 13 && length <= 19; // Maestro
  return false;
}
