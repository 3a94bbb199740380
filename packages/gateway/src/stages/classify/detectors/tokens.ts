// Secrets recognised by shape: JWTs, API keys by their issuers' documented prefixes, bearer
// tokens in header-like strings, and PEM private key blocks.
import { ALNUM, B64TOKEN, DIGIT, TOKEN, UPPER, classAt } from './charclass.js';
import type { Finding } from './types.js';

/** JWS compact form: three base64url parts (the payload non-empty); the header decodes to a JSON object with a string `alg`. */
export function detectJwts(s: string, out: Finding[]): void {
  let from = 0;
  for (let p = s.indexOf('eyJ', from); p >= 0; p = s.indexOf('eyJ', from)) {
    from = p + 3;
    if (classAt(s, p - 1) & TOKEN) continue;
    const h = runEnd(s, p, TOKEN);
    if (s.charCodeAt(h) !== 46) continue;
    const b = runEnd(s, h + 1, TOKEN);
    if (b === h + 1 || s.charCodeAt(b) !== 46) continue;
    const end = runEnd(s, b + 1, TOKEN);
    from = end;
    if (h - p > 4096 || !headerHasAlg(s.slice(p, h))) continue;
    out.push({ start: p, end, detector: 'jwt' });
  }
}

function headerHasAlg(part: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

function runEnd(s: string, i: number, cls: number): number {
  while (i < s.length && classAt(s, i) & cls) i++;
  return i;
}

function countClass(s: string, start: number, end: number, cls: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (classAt(s, i) & cls) n++;
  return n;
}

/** True when `s[start, end)` holds only characters of class `cls`. */
function all(s: string, start: number, end: number, cls: number): boolean {
  return countClass(s, start, end, cls) === end - start;
}

/**
 * API keys: each maximal [A-Za-z0-9_-] run of 15+ characters is checked against the prefixes.
 * Lengths and alphabets follow the issuers' documentation:
 *   AWS access key ids AKIA/ASIA + 16 of [A-Z0-9]; GitHub ghp_/gho_/ghu_/ghs_/ghr_ + 36 alphanumerics,
 *   github_pat_ + 22+ of [A-Za-z0-9_]; Slack xox[baprs]- + 10+ of [A-Za-z0-9-]; Stripe
 *   sk_live_/rk_live_/pk_live_ + 16+ alphanumerics; Google AIza + 35 of [A-Za-z0-9_-].
 */
export function detectApiKeys(s: string, out: Finding[]): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (!(classAt(s, i) & TOKEN)) { i++; continue; }
    const start = i;
    const end = runEnd(s, i, TOKEN);
    i = end;
    if (end - start >= 15 && isApiKey(s, start, end)) out.push({ start, end, detector: 'api_key' });
  }
}

function isApiKey(s: string, start: number, end: number): boolean {
  const len = end - start;
  switch (s.charCodeAt(start)) {
    case 65: // A
      if (len === 20 && (s.startsWith('AKIA', start) || s.startsWith('ASIA', start))) return all(s, start + 4, end, UPPER | DIGIT);
      return len === 39 && s.startsWith('AIza', start);
    case 103: // g
      if (len === 40 && s.startsWith('gh', start) && 'pousr'.includes(s[start + 2]!) && s.charCodeAt(start + 3) === 95) return all(s, start + 4, end, ALNUM);
      return len >= 33 && s.startsWith('github_pat_', start) && !has(s, start, end, 45);
    case 120: // x
      return s.startsWith('xox', start) && 'baprs'.includes(s[start + 3]!) && s.charCodeAt(start + 4) === 45 && !has(s, start, end, 95);
    case 115: case 114: case 112: // s, r, p
      return len >= 24 && s.startsWith('k_live_', start + 1) && all(s, start + 8, end, ALNUM);
    default:
      return false;
  }
}

function has(s: string, start: number, end: number, code: number): boolean {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === code) return true;
  return false;
}

/**
 * `Bearer <token>` (any case) where the token is of the RFC 6750 alphabet and
 * not a plain word (12+ characters): it holds a digit or one of -._~+/. Only the token is reported.
 */
export function detectBearer(s: string, out: Finding[]): void {
  scanBearer(s, 'earer ', out);
  scanBearer(s, 'EARER ', out);
}

function scanBearer(s: string, needle: string, out: Finding[]): void {
  let from = 0;
  for (let p = s.indexOf(needle, from); p >= 0; p = s.indexOf(needle, from)) {
    from = p + needle.length;
    const b = s.charCodeAt(p - 1);
    if (p === 0 || (b !== 66 && b !== 98) || classAt(s, p - 2) & ALNUM) continue;
    const start = p + needle.length;
    let end = runEnd(s, start, B64TOKEN);
    if (end - start < 12 || classAt(s, end) & ALNUM) continue;
    let strong = false;
    for (let k = start; k < end && !strong; k++) {
      const c = s.charCodeAt(k);
      strong = (classAt(s, k) & DIGIT) !== 0 || (!(classAt(s, k) & ALNUM) && c !== 61);
    }
    if (!strong) continue;
    // Sentence punctuation after the token is not part of it.
    while (end > start && (s.charCodeAt(end - 1) === 46)) end--;
    out.push({ start, end, detector: 'bearer_token' });
    from = end;
  }
}

const PEM_BEGIN = '-----BEGIN ';
/** PEM private keys (PKCS#1, PKCS#8, SEC1, OpenSSH, encrypted): the whole block, BEGIN to END. */
export function detectPrivateKeys(s: string, out: Finding[]): void {
  let from = 0;
  for (let p = s.indexOf(PEM_BEGIN, from); p >= 0; p = s.indexOf(PEM_BEGIN, from)) {
    from = p + PEM_BEGIN.length;
    const close = s.indexOf('-----', from);
    if (close < 0 || close - from > 40) continue;
    const label = s.slice(from, close);
    if (!label.endsWith('PRIVATE KEY')) continue;
    const endMarker = `-----END ${label}-----`;
    const e = s.indexOf(endMarker, close + 5);
    // A truncated block still leaks the key material it has: redact to the end of the value.
    const end = e < 0 ? s.length : e + endMarker.length;
    out.push({ start: p, end, detector: 'private_key' });
    from = end;
  }
}
