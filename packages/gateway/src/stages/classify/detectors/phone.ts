// Phone numbers. Precision first: a bare run of 10 digits is as likely an order number as a phone
// number, so only shapes people write phone numbers in are flagged:
//  - E.164 / international: '+', a first digit 1–9, 8–15 digits, groups split by ' ', '-', '.'
//    or an area code in parentheses;
//  - North American: (415) 555-2671, 415-555-2671, 415.555.2671, 415 555 2671, 1-415-555-2671,
//    with area code and exchange starting 2–9;
//  - national with a trunk '0': 020 7946 0958, 07700 900123, 01 23 45 67 89, 030-12345678 —
//    10 or 11 digits in 2–5 groups with one kind of separator.
import { ALNUM, classAt, isDigitCode } from './charclass.js';
import type { Finding } from './types.js';

const MAX_GROUPS = 6;
const groupLen = new Int32Array(MAX_GROUPS + 1);
const groupSep = new Int32Array(MAX_GROUPS + 1); // the separator before group g (0 for none)
const groupEnd = new Int32Array(MAX_GROUPS + 1);
const PAREN = -1;

export function detectPhones(s: string, out: Finding[]): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    const plus = c === 43;
    if (!plus && c !== 40 && !isDigitCode(c)) { i++; continue; }
    if (!plus && c !== 40 && !firstGroupFits(s, i, c)) { i = skipRun(s, i); continue; }
    const end = startBoundary(s, i, plus) ? parse(s, plus ? i + 1 : i, plus) : -1;
    if (end > 0) { out.push({ start: i, end, detector: 'phone' }); i = end; } else i = skipRun(s, i);
  }
}

/** A national number starts with 3 digits (415…), a lone 1 (1-415…) or a trunk 0 and 2–5 digits (020…). */
function firstGroupFits(s: string, i: number, c: number): boolean {
  let j = i + 1;
  while (j < s.length && j - i <= 5 && isDigitCode(s.charCodeAt(j))) j++;
  const len = j - i;
  return len === 3 || (len === 1 && c === 49) || (c === 48 && len >= 2 && len <= 5);
}

/** Skips the rest of a digit run so a rejected number is not re-tried from each of its digits. */
function skipRun(s: string, i: number): number {
  if (!isDigitCode(s.charCodeAt(i))) return i + 1;
  while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
  return i;
}

function startBoundary(s: string, i: number, plus: boolean): boolean {
  if (i === 0) return true;
  const p = s.charCodeAt(i - 1);
  if (classAt(s, i - 1) & ALNUM) return false;
  // '.', '-', '_', '/', '#', '+' before digits: a version, an id, a path segment or a sum.
  if (p === 46 || p === 45 || p === 95 || p === 47 || p === 35 || p === 43 || p === 36) return false;
  return plus || p !== 58; // `tel:+…` is a phone number; `10:415…` is not
}

/** Parses groups from `i`; returns the end offset when they form a phone number, else -1. */
function parse(s: string, i: number, plus: boolean): number {
  const n = s.length;
  let groups = 0;
  let j = i;
  let sep = 0;
  while (j < n && groups <= MAX_GROUPS) {
    let paren = false;
    if (s.charCodeAt(j) === 40) { paren = true; j++; }
    const gs = j;
    while (j < n && isDigitCode(s.charCodeAt(j))) j++;
    const len = j - gs;
    if (len === 0) break;
    if (paren) { if (s.charCodeAt(j) !== 41) return -1; j++; }
    groupLen[groups] = len;
    groupSep[groups] = paren ? PAREN : sep;
    groupEnd[groups] = j;
    groups++;
    // Stop as soon as no shape can match, so a long list of small numbers costs little per digit.
    if (!plus && !possible(s, i, groups)) break;
    const c = s.charCodeAt(j);
    const after = s.charCodeAt(j + 1);
    if ((c === 32 || c === 45 || c === 46) && (isDigitCode(after) || after === 40)) { sep = c; j++; continue; }
    if (paren && isDigitCode(c)) { sep = 0; continue; }
    break;
  }
  // The longest run of leading groups that is a phone number: `415-555-2671 3` is one, then a 3.
  for (let g = Math.min(groups, MAX_GROUPS); g >= 1; g--) {
    let digits = 0;
    for (let k = 0; k < g; k++) digits += groupLen[k]!;
    const end = groupEnd[g - 1]!;
    if (!endBoundary(s, end)) continue;
    if (plus ? international(s, i, digits) : northAmerican(s, i, g) || trunk(s, i, g, digits)) return end;
  }
  return -1;
}

/** Whether the first `groups` groups can still begin a North American or trunk-prefixed number. */
function possible(s: string, i: number, groups: number): boolean {
  const first = s.charCodeAt(i) === 40 ? s.charCodeAt(i + 1) : s.charCodeAt(i);
  const len0 = groupLen[0]!;
  if (first === 48) return len0 >= 2 && len0 <= 5 && groups <= 5; // trunk 0
  if (len0 === 3) return groups <= 3;
  if (len0 === 1 && first === 49) return groups === 1 || (groupLen[1] === 3 && groups <= 4); // 1-415-…
  return false;
}

function endBoundary(s: string, end: number): boolean {
  if (end >= s.length) return true;
  if (classAt(s, end) & ALNUM) return false;
  const c = s.charCodeAt(end);
  // More dotted, dashed, slashed or timed digits follow: a date, an address, a version.
  if ((c === 46 || c === 45 || c === 47 || c === 58 || c === 44 || c === 95) && isDigitCode(s.charCodeAt(end + 1))) return false;
  return true;
}

function international(s: string, i: number, digits: number): boolean {
  const first = s.charCodeAt(i) === 40 ? s.charCodeAt(i + 1) : s.charCodeAt(i);
  return first >= 49 && first <= 57 && digits >= 8 && digits <= 15;
}

function northAmerican(s: string, i: number, groups: number): boolean {
  let g = 0;
  let at = i;
  if (groups === 4) {
    if (groupLen[0] !== 1 || s.charCodeAt(i) !== 49) return false; // leading country code 1
    g = 1;
    at = i + 2;
  } else if (groups !== 3) return false;
  if (groupLen[g] !== 3 || groupLen[g + 1] !== 3 || groupLen[g + 2] !== 4) return false;
  const areaParen = groupSep[g] === PAREN;
  const s1 = groupSep[g + 1]!;
  const s2 = groupSep[g + 2]!;
  if (s2 === PAREN || s1 === PAREN) return false;
  if (!areaParen && (s1 === 0 || s1 !== s2)) return false; // 415-555-2671, not 415555-2671 or 415-555.2671
  if (areaParen && s2 === 0) return false;
  const area = s.charCodeAt(areaParen ? at + 1 : at);
  const exchange = s.charCodeAt(exchangeOffset(s, at, areaParen));
  return area >= 50 && area <= 57 && exchange >= 50 && exchange <= 57;
}

function exchangeOffset(s: string, at: number, areaParen: boolean): number {
  let j = areaParen ? at + 5 : at + 3;
  if (!isDigitCode(s.charCodeAt(j))) j++;
  return j;
}

function trunk(s: string, i: number, groups: number, digits: number): boolean {
  if (groups < 2 || groups > 5 || digits < 10 || digits > 11) return false;
  if (s.charCodeAt(i) !== 48 || s.charCodeAt(i + 1) === 48) return false; // 0 trunk prefix, not 00
  const sep = groupSep[1]!;
  if (sep !== 32 && sep !== 45) return false;
  if (groupLen[0]! < 2 || groupLen[0]! > 5) return false;
  for (let g = 1; g < groups; g++) if (groupSep[g] !== sep || groupLen[g]! < 2) return false;
  return true;
}
