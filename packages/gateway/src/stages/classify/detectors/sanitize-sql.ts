// SQL literal sanitizing for `db.query.text` / `db.statement`: a small lexer, not a regex. String
// literals (with '' and backslash escapes, E'', N'', X'', B'' prefixes, Postgres $tag$ quoting)
// and numbers (integers, decimals, exponents, 0x hex) become `?`. Identifiers, keywords, quoted
// identifiers ("t", `t`), comments and placeholders ($1, ?, :name, @p1) are copied unchanged.
// An unterminated literal is replaced to the end: over-redacting is the safe way to be wrong.

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c) || c === 36;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** `sql` with every literal replaced by `?`; `sql` itself when it had none. */
export function sanitizeSql(sql: string): string {
  const n = sql.length;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 45 && sql.charCodeAt(i + 1) === 45) { i = lineEnd(sql, i); continue; }
    if (c === 47 && sql.charCodeAt(i + 1) === 42) { const e = sql.indexOf('*/', i + 2); i = e < 0 ? n : e + 2; continue; }
    if (c === 39) { const e = stringEnd(sql, i); out += sql.slice(copied, i) + '?'; copied = i = e; continue; }
    if (c === 34 || c === 96) { i = quotedEnd(sql, i, c); continue; }
    if (c === 36) {
      if (isDigit(sql.charCodeAt(i + 1))) { i += 2; while (i < n && isDigit(sql.charCodeAt(i))) i++; continue; }
      const e = dollarQuotedEnd(sql, i);
      if (e > 0) { out += sql.slice(copied, i) + '?'; copied = i = e; continue; }
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      const s = i;
      while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      // E'…', N'…', X'…', B'…', U&'…': the prefix belongs to the literal.
      if (sql.charCodeAt(i) === 39 && i - s === 1 && 'eEnNxXbB'.includes(sql[s]!)) { const e = stringEnd(sql, i); out += sql.slice(copied, s) + '?'; copied = i = e; }
      else if (sql.charCodeAt(i) === 38 && sql.charCodeAt(i + 1) === 39 && i - s === 1 && (c === 85 || c === 117)) { const e = stringEnd(sql, i + 1); out += sql.slice(copied, s) + '?'; copied = i = e; }
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) { const e = numberEnd(sql, i); out += sql.slice(copied, i) + '?'; copied = i = e; continue; }
    // Named placeholders and variables (:name, @p1) stay: skip the sigil and the name together.
    if ((c === 58 || c === 64) && isIdentStart(sql.charCodeAt(i + 1))) { i++; while (i < n && isIdentPart(sql.charCodeAt(i))) i++; continue; }
    i++;
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

function lineEnd(sql: string, i: number): number {
  const e = sql.indexOf('\n', i);
  return e < 0 ? sql.length : e;
}

/** End of the '…' literal opening at `i`: '' and backslash escapes; unterminated runs to the end. */
function stringEnd(sql: string, i: number): number {
  const n = sql.length;
  let j = i + 1;
  while (j < n) {
    const c = sql.charCodeAt(j);
    if (c === 92) { j += 2; continue; }
    if (c === 39) {
      if (sql.charCodeAt(j + 1) === 39) { j += 2; continue; }
      return j + 1;
    }
    j++;
  }
  return n;
}

function quotedEnd(sql: string, i: number, q: number): number {
  const n = sql.length;
  let j = i + 1;
  while (j < n) {
    if (sql.charCodeAt(j) === q) {
      if (sql.charCodeAt(j + 1) === q) { j += 2; continue; }
      return j + 1;
    }
    j++;
  }
  return n;
}

/** End of a Postgres dollar-quoted string opening at `i` ($$…$$ or $tag$…$tag$), or -1 if it is not one. */
function dollarQuotedEnd(sql: string, i: number): number {
  let j = i + 1;
  while (j < sql.length && isIdentPart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36) j++;
  if (sql.charCodeAt(j) !== 36 || (j > i + 1 && isDigit(sql.charCodeAt(i + 1)))) return -1;
  const tag = sql.slice(i, j + 1);
  const close = sql.indexOf(tag, j + 1);
  return close < 0 ? sql.length : close + tag.length;
}

function numberEnd(sql: string, i: number): number {
  const n = sql.length;
  let j = i;
  if (sql.charCodeAt(j) === 48 && (sql.charCodeAt(j + 1) | 32) === 120 && isHex(sql.charCodeAt(j + 2))) {
    j += 2;
    while (j < n && isHex(sql.charCodeAt(j))) j++;
    return j;
  }
  while (j < n && isDigit(sql.charCodeAt(j))) j++;
  if (sql.charCodeAt(j) === 46) { j++; while (j < n && isDigit(sql.charCodeAt(j))) j++; }
  if ((sql.charCodeAt(j) | 32) === 101) {
    let k = j + 1;
    if (sql.charCodeAt(k) === 43 || sql.charCodeAt(k) === 45) k++;
    if (isDigit(sql.charCodeAt(k))) { j = k; while (j < n && isDigit(sql.charCodeAt(j))) j++; }
  }
  return j;
}
