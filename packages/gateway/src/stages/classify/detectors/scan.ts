// The one entry point: a single pass over the value counts what the detectors need (digits, '@',
// dots, colons, long token runs...), and only the detectors whose trigger is present run. Most
// attribute values (`GET`, `/api/orders/{id}`, `200`, `checkout`) cost that one pass and nothing else:
// no finding array, no closure, no object per call.
import { ALNUM, B64TOKEN, CLASS, DIGIT, NUMSEP, TOKEN } from './charclass.js';
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

const HINT_IBAN = 1;
const HINT_JWT = 2;
const HINT_BEARER = 4;
const HINT_KEY = 8;

/**
 * The prefilter: one pass over `value`, returning the NEED bits of the detectors that must look.
 * It counts what each detector cannot do without — the longest run of digits written with
 * separators (cards need 13, SSNs 9, phones 8), '@' and '.', colons, the longest token run, the
 * literal starts `eyJ`, `Bearer ` and two capitals before two digits (IBAN) — so most values end
 * here. It may ask a detector that then finds nothing; it must never skip one that would find
 * something (tested against running every detector).
 */
export function prefilter(value: string): number {
  let digits = 0;
  let at = 0;
  let dots = 0;
  let colons = 0;
  let slashes = 0;
  let spaces = 0;
  let dashes = 0;
  let run = 0;
  let maxRun = 0;
  let b64 = 0;
  let maxB64 = 0;
  let num = 0;
  let numSeps = 0;
  let maxNum = 0;
  let hints = 0;
  let prev = 0;
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    const k = c < 128 ? CLASS[c]! : 0;
    if (k & ALNUM) {
      // A token run starting with the first letter of a known key prefix (AKIA, ghp_, xox, sk_live_…).
      if (run === 0 && (c === 65 || c === 103 || c === 120 || c === 115 || c === 114 || c === 112)) hints |= HINT_KEY;
      run++;
      b64++;
      if (k & DIGIT) {
        digits++;
        numSeps = 0;
        if (++num > maxNum) maxNum = num;
        // Two capitals then two digits: where an IBAN starts.
        if (prev & DIGIT && i >= 3 && isUpperCode(value.charCodeAt(i - 2)) && isUpperCode(value.charCodeAt(i - 3))) hints |= HINT_IBAN;
      } else {
        num = 0;
        if (c === 74 && i >= 2 && value.charCodeAt(i - 1) === 121 && value.charCodeAt(i - 2) === 101) hints |= HINT_JWT; // eyJ
      }
      prev = k;
      continue;
    }
    prev = k;
    if (k & TOKEN) run++;
    else { if (run > maxRun) maxRun = run; run = 0; }
    if (k & B64TOKEN) b64++;
    else { if (b64 > maxB64) maxB64 = b64; b64 = 0; }
    if (num > 0 && !(k & NUMSEP && ++numSeps <= 2)) { num = 0; numSeps = 0; }
    switch (c) {
      case 64: at++; break;
      case 46: dots++; break;
      case 58: colons++; break;
      case 47: slashes++; break;
      case 45: dashes++; break;
      case 32:
        spaces++;
        if (i >= 6 && (value.charCodeAt(i - 1) | 32) === 114 && isBearerAt(value, i - 6)) hints |= HINT_BEARER;
        break;
    }
  }
  if (run > maxRun) maxRun = run;
  if (b64 > maxB64) maxB64 = b64;
  let need = 0;
  if (at > 0 && dots > 0) need |= NEED.email;
  if (at > 0 && colons > 0 && slashes >= 2) need |= NEED.urlCredentials;
  if (maxNum >= 13) need |= NEED.card;
  if (hints & HINT_IBAN && digits >= 9) need |= NEED.iban;
  if (maxNum >= 8) need |= NEED.phone;
  if (maxNum >= 9 && (dashes > 0 || spaces > 0)) need |= NEED.ssn;
  if (maxNum >= 4 && dots >= 3) need |= NEED.ipv4;
  if (colons >= 2) need |= NEED.ipv6;
  if (hints & HINT_JWT && dots >= 2) need |= NEED.jwt;
  if (hints & HINT_KEY && maxRun >= 15) need |= NEED.apiKey;
  if (hints & HINT_BEARER && maxB64 >= 12) need |= NEED.bearer;
  if (dashes >= 10) need |= NEED.privateKey;
  return need;
}

function isUpperCode(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** `bearer` in any case at `i`. */
function isBearerAt(s: string, i: number): boolean {
  return (s.charCodeAt(i) | 32) === 98 && (s.charCodeAt(i + 1) | 32) === 101 && (s.charCodeAt(i + 2) | 32) === 97 && (s.charCodeAt(i + 3) | 32) === 114 && (s.charCodeAt(i + 4) | 32) === 101;
}

export const ALL_DETECTORS = 4095;

type Detector = (value: string, out: Finding[]) => void;
/** The detectors with the NEED bit that asks for them, in priority order (the order of DETECTOR_IDS). */
const DETECTORS: readonly { need: number; run: Detector }[] = [
  { need: NEED.privateKey, run: detectPrivateKeys },
  { need: NEED.jwt, run: detectJwts },
  { need: NEED.urlCredentials, run: detectUrlCredentials },
  { need: NEED.apiKey, run: detectApiKeys },
  { need: NEED.bearer, run: detectBearer },
  { need: NEED.email, run: detectEmails },
  { need: NEED.iban, run: detectIbans },
  { need: NEED.card, run: detectCards },
  { need: NEED.ssn, run: detectSsns },
  { need: NEED.phone, run: detectPhones },
  { need: NEED.ipv6, run: detectIpv6 },
  { need: NEED.ipv4, run: detectIpv4 },
];

/**
 * Every sensitive part of `value`, non-overlapping and in order. Returns NO_FINDINGS (shared,
 * frozen) when there is none, so the common path allocates nothing.
 */
export function scan(value: string): readonly Finding[] {
  return scanWith(value, prefilter(value));
}

/** `scan` with the detectors chosen by `need` (NEED bits) instead of the prefilter: for tests and benchmarks. */
export function scanWith(value: string, need: number): readonly Finding[] {
  if (need === 0) return NO_FINDINGS;
  const out = scratch;
  out.length = 0;
  for (let k = 0; k < DETECTORS.length; k++) {
    const d = DETECTORS[k]!;
    if (need & d.need) d.run(value, out);
  }
  if (out.length === 0) return NO_FINDINGS;
  const result = out.length === 1 ? [out[0]!] : resolveOverlaps(out);
  out.length = 0;
  return result;
}

const byPosition = (a: Finding, b: Finding): number => a.start - b.start || b.end - a.end || PRIORITY[a.detector] - PRIORITY[b.detector];

/**
 * Sorts by start (longest first, then detector priority) and merges overlapping findings into
 * one that covers both, named by the first: a phone number that runs into a card number must not
 * leave the card's tail in clear.
 */
function resolveOverlaps(found: Finding[]): Finding[] {
  found.sort(byPosition);
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
