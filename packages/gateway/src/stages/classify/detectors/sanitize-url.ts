// URL sanitizing for `url.full`, `http.target` and `url.query`. Keys stay, values go: the same
// replacement the OpenTelemetry semantic conventions prescribe for instrumentations
// (`url.query`: values replaced by `REDACTED`; `url.full`: `https://REDACTED:REDACTED@host`),
// so a backend sees one shape whether the SDK or the gateway scrubbed it.

export const REDACTED = 'REDACTED';

/**
 * `url.full` or `http.target`: the userinfo (if any) becomes REDACTED[:REDACTED], and every
 * non-empty query value, and fragment value in `#k=v` form, becomes REDACTED.
 * Returns `url` itself when there was nothing to replace.
 */
export function sanitizeUrl(url: string): string {
  let out = url;
  const scheme = url.indexOf('://');
  if (scheme > 0) {
    const authority = scheme + 3;
    let end = authority;
    while (end < url.length) {
      const c = url.charCodeAt(end);
      if (c === 47 || c === 63 || c === 35) break;
      end++;
    }
    const at = url.lastIndexOf('@', end - 1);
    if (at >= authority) {
      const colon = url.indexOf(':', authority);
      const userinfo = colon >= 0 && colon < at ? `${REDACTED}:${REDACTED}` : REDACTED;
      out = url.slice(0, authority) + userinfo + url.slice(at);
    }
  }
  const q = out.indexOf('?');
  const h = out.indexOf('#');
  if (q >= 0 && (h < 0 || q < h)) out = out.slice(0, q + 1) + sanitizeParams(out, q + 1, h < 0 ? out.length : h) + (h < 0 ? '' : out.slice(h));
  const h2 = out.indexOf('#');
  if (h2 >= 0 && out.indexOf('=', h2) > 0) out = out.slice(0, h2 + 1) + sanitizeParams(out, h2 + 1, out.length);
  return out === url ? url : out;
}

/** `url.query` (no leading '?'; one is tolerated): every non-empty value becomes REDACTED. */
export function sanitizeQuery(query: string): string {
  const out = sanitizeParams(query, 0, query.length);
  return out === query ? query : out;
}

/** `k=v&k2=v2` in `s[start, end)` with each non-empty v replaced; a bare `k` is a key and stays. */
function sanitizeParams(s: string, start: number, end: number): string {
  let out = '';
  let copied = start;
  let i = start;
  while (i < end) {
    let amp = s.indexOf('&', i);
    if (amp < 0 || amp > end) amp = end;
    const eq = s.indexOf('=', i);
    if (eq >= 0 && eq < amp && eq + 1 < amp) {
      out += s.slice(copied, eq + 1) + REDACTED;
      copied = amp;
    }
    i = amp + 1;
  }
  return copied === start ? s.slice(start, end) : out + s.slice(copied, end);
}
