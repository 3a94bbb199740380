// The one entry point: a single pass over the value counts what the detectors need (digits, '@',
// dots, colons, long token runs...), and only the detectors whose trigger is present run. Most
// attribute values (`GET`, `/api/orders/{id}`, `200`, `checkout`) cost that one pass and nothing else:
// no finding array, no closure, no object per call.
import { B64TOKEN, CLASS, DIGIT, TOKEN, UPPER } from './charclass.js';
import { detectEmails } from './email.js';
import { detectIbans } from './iban.js';
import { detectIpv4, detectIpv6 } from './ip.js';
import { detectCards } from './luhn.js';
import { detectPhones } from './phone.js';
import { detectSsns } from './ssn.js';
import { detectApiKeys, detectBearer, detectJwts, detectPrivateKeys } from './tokens.js';
import { detectUrlCredentials } from './url-credentials.js';
import { DETECTOR_IDS, type DetectorId, type Finding } from './types.js';

/** The result for a value with nothing found; frozen so no caller can fill the shared instance. */
export const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

const PRIORITY: Record<DetectorId, number> = Object.fromEntries(DETECTOR_IDS.map((id, i) => [id, i])) as Record<DetectorId, number>;
const scratch: Finding[] = [];

/** Which detectors a value needs, as bits; computed in one pass over the value. */
export const NEED = {
  email: 1, card: 2, iban: 4, phone: 8, ipv4: 16, ipv6: 32, jwt: 64, apiKey: 128, bearer: 256, privateKey: 512, ssn: 1024, urlCredentials: 2048,
} as const;

/** The prefilter: one scan of `value`, returning the NEED bits of the detectors that must look. */
export function prefilter(value: string): number {
  let digits = 0;
  let upper = 0;
  let at = 0;
  let dots = 0;
  let colons = 0;
  let slashes = 0;
  let spaces = 0;
  let run = 0;
  let maxRun = 0;
  let b64run = 0;
  let maxB64Run = 0;
  let dashRun = 0;
  let maxDashRun = 0;
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    const k = c < 128 ? CLASS[c]! : 0;
    if (k & DIGIT) digits++;
    else if (k & UPPER) upper++;
    if (k & TOKEN) { if (++run > maxRun) maxRun = run; } else run = 0;
    if (k & B64TOKEN) { if (++b64run > maxB64Run) maxB64Run = b64run; } else b64run = 0;
    if (c === 45) { if (++dashRun > maxDashRun) maxDashRun = dashRun; } else dashRun = 0;
    if (c < 65 && !(k & DIGIT)) {
      if (c === 64) at++;
      else if (c === 46) dots++;
      else if (c === 58) colons++;
      else if (c === 47) slashes++;
      else if (c === 32) spaces++;
    }
  }
  let need = 0;
  if (at > 0 && dots > 0) need |= NEED.email;
  if (at > 0 && colons > 0 && slashes >= 2) need |= NEED.urlCredentials;
  if (digits >= 13) need |= NEED.card;
  if (digits >= 9 && upper >= 2) need |= NEED.iban;
  if (digits >= 8) need |= NEED.phone;
  if (digits >= 9 && (maxDashRun > 0 || spaces > 1)) need |= NEED.ssn;
  if (digits >= 4 && dots >= 3) need |= NEED.ipv4;
  if (colons >= 2) need |= NEED.ipv6;
  if (dots >= 2 && maxRun >= 10) need |= NEED.jwt;
  if (maxRun >= 15) need |= NEED.apiKey;
  if (spaces > 0 && maxB64Run >= 12) need |= NEED.bearer;
  if (maxDashRun >= 5) need |= NEED.privateKey;
  return need;
}

/**
 * Every sensitive part of `value`, non-overlapping and in order. Returns NO_FINDINGS (shared,
 * frozen) when there is none, so the common path allocates nothing.
 */
export function scan(value: string): readonly Finding[] {
  const need = prefilter(value);
  if (need === 0) return NO_FINDINGS;
  const out = scratch;
  out.length = 0;
  if (need & NEED.privateKey) detectPrivateKeys(value, out);
  if (need & NEED.jwt) detectJwts(value, out);
  if (need & NEED.urlCredentials) detectUrlCredentials(value, out);
  if (need & NEED.apiKey) detectApiKeys(value, out);
  if (need & NEED.bearer) detectBearer(value, out);
  if (need & NEED.email) detectEmails(value, out);
  if (need & NEED.iban) detectIbans(value, out);
  if (need & NEED.card) detectCards(value, out);
  if (need & NEED.ssn) detectSsns(value, out);
  if (need & NEED.phone) detectPhones(value, out);
  if (need & NEED.ipv6) detectIpv6(value, out);
  if (need & NEED.ipv4) detectIpv4(value, out);
  if (out.length === 0) return NO_FINDINGS;
  const result = out.length === 1 ? [out[0]!] : resolveOverlaps(out);
  out.length = 0;
  return result;
}

/**
 * Sorts by start (longest first, then detector priority) and merges overlapping findings into
 * one that covers both, named by the first: a phone number that runs into a card number must not
 * leave the card's tail in clear.
 */
function resolveOverlaps(found: Finding[]): Finding[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end || PRIORITY[a.detector] - PRIORITY[b.detector]);
  const kept: Finding[] = [];
  let last: Finding | undefined;
  for (const f of found) {
    if (last !== undefined && f.start < last.end) {
      if (f.end > last.end) kept[kept.length - 1] = last = { start: last.start, end: f.end, detector: last.detector };
      continue;
    }
    kept.push(f);
    last = f;
  }
  return kept;
}

/** Builds the replacement for one finding; `match` is `value.slice(finding.start, finding.end)`. */
export type Replacer = (match: string, finding: Finding) => string;

/**
 * `value` with each finding's span replaced by `replacer`'s result and the rest kept:
 * `"sent to a@b.io at 10:02"` → `"sent to hmac:k1:… at 10:02"`. Findings must be sorted and
 * non-overlapping, as `scan` returns them.
 */
export function redactMatches(value: string, findings: readonly Finding[], replacer: Replacer): string {
  if (findings.length === 0) return value;
  let result = '';
  let at = 0;
  for (const f of findings) {
    if (f.start < at || f.end > value.length || f.end < f.start) throw new RangeError(`finding ${f.detector} [${f.start}, ${f.end}) is out of order or outside the value`);
    result += value.slice(at, f.start) + replacer(value.slice(f.start, f.end), f);
    at = f.end;
  }
  return result + value.slice(at);
}
