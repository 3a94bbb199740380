// Payment card numbers: a digit run of 13–19 digits (single spaces or dashes between groups), a
// known issuer range (IIN) for that length, and the Luhn checksum.
import { ALNUM, classAt, isDigitCode } from './charclass.js';
import type { Finding } from './types.js';

/** A card spans at most this many separated groups (4-4-4-4-3 is five; 1-digit groups are not written). */
const WINDOW = 8;
/** Ring of the current run's last groups: where each starts and the run's digit count before it. */
const groupStart = new Int32Array(WINDOW);
const digitsBefore = new Int32Array(WINDOW);
const groupLength = new Int32Array(WINDOW);

/**
 * Walks each digit run group by group ("4111 1111 1111 1111", groups split by one space or one
 * dash, one kind per run). At each group end it tries the windows of up to eight groups ending
 * there, longest first, so a card is found with a quantity before it or a CVV after it. Each group
 * is looked at a bounded number of times: linear in the value.
 */
export function detectCards(s: string, out: Finding[]): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (!isDigitCode(s.charCodeAt(i))) { i++; continue; }
    const runStart = i;
    let sep = 0;
    let groups = 0;
    let digits = 0;
    let lastEnd = -1; // end of the last card found in this run
    let lastStart = -1;
    let j = i;
    while (j < n) {
      // One group.
      const gs = j;
      while (j < n && isDigitCode(s.charCodeAt(j))) j++;
      groupStart[groups % WINDOW] = gs;
      digitsBefore[groups % WINDOW] = digits;
      groupLength[groups % WINDOW] = j - gs;
      groups++;
      digits += j - gs;
      const c = s.charCodeAt(j);
      const more = (c === 32 || c === 45) && (sep === 0 || sep === c) && isDigitCode(s.charCodeAt(j + 1));
      const endOk = more ? c === 32 : endBoundary(s, j);
      if (endOk) {
        for (let back = Math.min(groups, WINDOW); back >= 1; back--) {
          const g = (groups - back) % WINDOW;
          const start = groupStart[g]!;
          const count = digits - digitsBefore[g]!;
          if (count > 19) continue;
          if (count < 13) break;
          if (start === runStart ? !startBoundary(s, start) : sep !== 32) continue;
          if (sep !== 0 && !cardLayout(groups - back, back)) continue;
          if (!isCardNumber(s, start, j, count)) continue;
          // A longer valid number overlapping the last one (4-4-4-4 then -3, or two readings of
          // one digit run) widens it: over-redacting is the safe way to be wrong.
          if (start < lastEnd) out[out.length - 1] = { start: lastStart, end: j, detector: 'payment_card' };
          else { out.push({ start, end: j, detector: 'payment_card' }); lastStart = start; }
          lastEnd = j;
          break;
        }
      }
      if (!more) {
        // `12 4111-1111-…`: the dashes start a new run at the last group.
        if (sep === 32 && c === 45 && isDigitCode(s.charCodeAt(j + 1)) && groups > 1) j = groupStart[(groups - 1) % WINDOW]!;
        break;
      }
      sep = c;
      j++;
    }
    i = j;
  }
}

/**
 * How people write grouped card numbers: 4-4-4-4 with an optional last group of 1–4 (13–19
 * digits), or the 4-6-5 / 4-6-4 of Amex and Diners. Other groupings (5-4-5-5) are ids and amounts.
 */
function cardLayout(first: number, count: number): boolean {
  if (count === 1) return true; // unbroken digits
  if (lengthAt(first, 0) !== 4) return false;
  if (count === 3 && lengthAt(first, 1) === 6 && (lengthAt(first, 2) === 5 || lengthAt(first, 2) === 4)) return true;
  for (let g = 1; g < count - 1; g++) if (lengthAt(first, g) !== 4) return false;
  return lengthAt(first, count - 1) >= 1 && lengthAt(first, count - 1) <= 4;
}

function lengthAt(first: number, g: number): number {
  return groupLength[(first + g) % WINDOW]!;
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
