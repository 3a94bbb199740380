// E-mail addresses, found from each '@' outwards so the cost is bounded per '@' (64 characters to
// the left, 253 to the right) and a 1 MB run of letters without '@' is never re-scanned.
import { ALNUM, ALPHA, CLASS, DOMAIN, LOCAL, classAt } from './charclass.js';
import type { Finding } from './types.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
/** Asset names such as `icon@2x.png` look like addresses; these suffixes are not top-level domains. */
const FILE_SUFFIXES = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'css', 'js', 'mjs', 'cjs', 'ts', 'map', 'json', 'html', 'txt', 'pdf', 'woff', 'woff2']);

export function detectEmails(s: string, out: Finding[]): void {
  let from = 0;
  for (let at = s.indexOf('@', from); at >= 0; at = s.indexOf('@', from)) {
    from = at + 1;
    const end = domainEnd(s, at + 1);
    if (end < 0) continue;
    const start = localStart(s, at);
    if (start < 0) continue;
    // `ssh://git@host`, `https://user@host`: a URL's user name, not an address (a password makes
    // it url_credentials).
    if (start >= 3 && s.startsWith('://', start - 3)) continue;
    out.push({ start, end, detector: 'email' });
    from = end;
  }
}

/** Start of the local part that ends at `at`, or -1 when there is none or it is not valid. */
function localStart(s: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < MAX_LOCAL && classAt(s, i - 1) & LOCAL) i--;
  if (i > 0 && classAt(s, i - 1) & LOCAL) return -1; // longer than 64: not an address
  while (i < at && s.charCodeAt(i) === 46) i++; // a leading '.' is punctuation before the address
  if (i === at || s.charCodeAt(at - 1) === 46) return -1;
  for (let k = i + 1; k < at; k++) if (s.charCodeAt(k) === 46 && s.charCodeAt(k - 1) === 46) return -1;
  return i;
}

/** End of a valid domain starting at `i` (at least two labels, alphabetic TLD), or -1. */
function domainEnd(s: string, i: number): number {
  let j = i;
  const limit = Math.min(s.length, i + MAX_DOMAIN + 1);
  while (j < limit && classAt(s, j) & DOMAIN) j++;
  if (j === limit && j < s.length && classAt(s, j) & DOMAIN) return -1;
  // Trailing dots and hyphens are the sentence's, not the domain's.
  while (j > i && (s.charCodeAt(j - 1) === 46 || s.charCodeAt(j - 1) === 45)) j--;
  if (j === i) return -1;
  let labels = 0;
  let labelStart = i;
  for (let k = i; k <= j; k++) {
    if (k < j && s.charCodeAt(k) !== 46) continue;
    const len = k - labelStart;
    if (len < 1 || len > 63) return -1;
    if (s.charCodeAt(labelStart) === 45 || s.charCodeAt(k - 1) === 45) return -1;
    labels++;
    if (k < j) labelStart = k + 1;
  }
  if (labels < 2) return -1;
  // labelStart is now the TLD: letters only (2+), or an IDN in punycode (xn--).
  const tldLen = j - labelStart;
  if (tldLen < 2) return -1;
  if (!s.startsWith('xn--', labelStart)) {
    for (let k = labelStart; k < j; k++) if (!(CLASS[s.charCodeAt(k)]! & ALPHA)) return -1;
    if (tldLen <= 5 && FILE_SUFFIXES.has(s.slice(labelStart, j).toLowerCase())) return -1;
  }
  // A domain glued to more word characters (`a@b.com_x`) is something else.
  if (classAt(s, j) & ALNUM || s.charCodeAt(j) === 95) return -1;
  return j;
}
