// Credentials in URLs: `scheme://user:password@host`. The finding is the userinfo (user and
// password), which is what semantic conventions require instrumentations to replace.
import { ALNUM, ALPHA, classAt } from './charclass.js';
import type { Finding } from './types.js';

const MAX_USERINFO = 512;

export function detectUrlCredentials(s: string, out: Finding[]): void {
  let from = 0;
  for (let p = s.indexOf('://', from); p >= 0; p = s.indexOf('://', from)) {
    from = p + 3;
    if (!hasScheme(s, p)) continue;
    const start = p + 3;
    let colon = -1;
    let j = start;
    const limit = Math.min(s.length, start + MAX_USERINFO);
    for (; j < limit; j++) {
      const c = s.charCodeAt(j);
      if (c === 64 || c === 47 || c === 63 || c === 35 || c <= 32) break; // @ / ? # or whitespace
      if (c === 58 && colon < 0) colon = j;
    }
    if (j >= s.length || s.charCodeAt(j) !== 64 || colon < 0) continue;
    const h = s.charCodeAt(j + 1);
    if (!(h > 32) || h === 47 || h === 64) continue; // an empty host
    out.push({ start, end: j, detector: 'url_credentials' });
    from = j + 1;
  }
}

/** A scheme (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )) ends at `p`. */
function hasScheme(s: string, p: number): boolean {
  let i = p;
  while (i > 0 && p - i < 32 && (classAt(s, i - 1) & ALNUM || s[i - 1] === '+' || s[i - 1] === '-' || s[i - 1] === '.')) i--;
  while (i < p && !(classAt(s, i) & ALPHA)) i++;
  return i < p;
}
