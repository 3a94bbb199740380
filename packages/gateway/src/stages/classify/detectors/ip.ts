// IP addresses. IPv4: four dotted octets 0–255 without leading zeros, not part of a longer
// dotted run (so 1.2.3.4.5 and OIDs are not addresses). IPv6: RFC 4291 text forms — eight groups,
// or fewer with one '::', optionally ending in dotted IPv4 — found as maximal runs of hex digits,
// ':' and '.', so each character is looked at a bounded number of times.
import { ALNUM, HEX, classAt, isDigitCode } from './charclass.js';
import type { Finding } from './types.js';

export function detectIpv4(s: string, out: Finding[]): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (!isDigitCode(s.charCodeAt(i))) { i++; continue; }
    const prev = s.charCodeAt(i - 1);
    // `Chrome/120.0.0.0`: a product version in a User-Agent, not an address (`//10.0.0.1` still is).
    const product = prev === 47 && classAt(s, i - 2) & ALNUM;
    const end = i > 0 && (classAt(s, i - 1) & ALNUM || prev === 46 || prev === 95 || product) ? -1 : ipv4End(s, i, n);
    if (end > 0 && !(classAt(s, end) & ALNUM) && !(s.charCodeAt(end) === 46 && isDigitCode(s.charCodeAt(end + 1)))) {
      out.push({ start: i, end, detector: 'ipv4' });
      i = end;
      continue;
    }
    while (i < n && isDigitCode(s.charCodeAt(i))) i++;
  }
}

/** End of a dotted quad starting at `i` (inside `s[i, limit)`), or -1. */
export function ipv4End(s: string, i: number, limit: number): number {
  let j = i;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) { if (j >= limit || s.charCodeAt(j) !== 46) return -1; j++; }
    const os = j;
    let v = 0;
    while (j < limit && j - os < 3 && isDigitCode(s.charCodeAt(j))) v = v * 10 + (s.charCodeAt(j++) - 48);
    const len = j - os;
    if (len === 0 || v > 255 || (len > 1 && s.charCodeAt(os) === 48)) return -1;
    if (j < limit && isDigitCode(s.charCodeAt(j))) return -1; // a 4-digit "octet"
  }
  return j;
}

export function detectIpv6(s: string, out: Finding[]): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (!(c === 58 || (classAt(s, i) & HEX))) { i++; continue; }
    let j = i;
    let colons = 0;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (d === 58) colons++;
      else if (!(d === 46 || classAt(s, j) & HEX)) break;
      j++;
    }
    const start = i;
    i = j;
    if (colons < 2) continue;
    // The run must stand alone: not the tail or head of a word (`std::vector`, `Foo::Bar`).
    if (classAt(s, start - 1) & ALNUM || s.charCodeAt(start - 1) === 95) continue;
    if (classAt(s, j) & ALNUM || s.charCodeAt(j) === 95) continue;
    let end = j;
    while (end > start && (s.charCodeAt(end - 1) === 46 || (s.charCodeAt(end - 1) === 58 && s.charCodeAt(end - 2) !== 58))) end--;
    if (isIpv6(s, start, end)) out.push({ start, end, detector: 'ipv6' });
  }
}

/** True when `s[start, end)` is an IPv6 address in text form. */
export function isIpv6(s: string, start: number, end: number): boolean {
  let i = start;
  let groups = 0;
  let compressed = false;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    compressed = true;
    i += 2;
    if (i === end) return false; // a bare '::' is too weak a signal to redact
  }
  while (i < end) {
    const gs = i;
    while (i < end && i - gs < 5 && classAt(s, i) & HEX) i++;
    const len = i - gs;
    if (len === 0 || len > 4) return false;
    if (i < end && s.charCodeAt(i) === 46) {
      // Embedded IPv4 in the last 32 bits.
      if (ipv4End(s, gs, end) !== end) return false;
      groups += 2;
      break;
    }
    groups++;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (s.charCodeAt(i) === 58) {
      if (compressed) return false;
      compressed = true;
      i++;
    } else if (i === end) return false;
  }
  return compressed ? groups <= 7 && groups >= 1 : groups === 8;
}
