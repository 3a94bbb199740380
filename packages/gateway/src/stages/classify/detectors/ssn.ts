// US Social Security numbers in their written form AAA-GG-SSSS (or with spaces), with the SSA's
// never-issued ranges rejected: area 000, 666 and 900–999, group 00, serial 0000, and the two
// numbers published in advertising. Nine bare digits are not flagged: they are as often an id.
import { ALNUM, classAt, isDigitCode } from './charclass.js';
import type { Finding } from './types.js';

export function detectSsns(s: string, out: Finding[]): void {
  const n = s.length - 10;
  for (let i = 0; i < n; i++) {
    if (!isDigitCode(s.charCodeAt(i))) continue;
    if (i > 0 && (classAt(s, i - 1) & ALNUM || '-.,/+_$#'.includes(s[i - 1]!))) {
      while (i < n && isDigitCode(s.charCodeAt(i + 1))) i++;
      continue;
    }
    const sep = s.charCodeAt(i + 3);
    if ((sep !== 45 && sep !== 32) || s.charCodeAt(i + 6) !== sep) continue;
    if (!digits(s, i, 3) || !digits(s, i + 4, 2) || !digits(s, i + 7, 4)) continue;
    const end = i + 11;
    if (classAt(s, end) & ALNUM) continue;
    const c = s.charCodeAt(end);
    if ((c === sep || c === 46 || c === 45 || c === 58 || c === 47) && isDigitCode(s.charCodeAt(end + 1))) continue;
    if (c === 45 && classAt(s, end + 1) & ALNUM) continue; // a part number: 123-45-6789-A
    if (!validSsn(s, i)) continue;
    out.push({ start: i, end, detector: 'us_ssn' });
    i = end - 1;
  }
}

function digits(s: string, i: number, n: number): boolean {
  for (let k = i; k < i + n; k++) if (!isDigitCode(s.charCodeAt(k))) return false;
  return true;
}

function num(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) v = v * 10 + (s.charCodeAt(k) - 48);
  return v;
}

/** The SSA's rules for numbers that were never issued, on `AAA?GG?SSSS` at `i`. */
export function validSsn(s: string, i: number): boolean {
  const area = num(s, i, 3);
  const group = num(s, i + 4, 2);
  const serial = num(s, i + 7, 4);
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return false;
  if ((area === 78 && group === 5 && serial === 1120) || (area === 219 && group === 9 && serial === 9999)) return false;
  return true;
}
