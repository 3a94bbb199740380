// The reference for the detector benchmark: the same job done the obvious way. Every detector's
// regular expression runs over every value (no prefilter), matches go through the same validators,
// and the matches are replaced. Precision is not the point here; cost is.
import { isIban, isIpv6, knownIssuer, luhn, validSsn } from '../../../packages/gateway/dist/stages/classify/detectors/index.js';

interface Rule { id: string; re: RegExp; valid?: (m: string) => boolean }

function cardValid(m: string): boolean {
  const digits = m.replace(/[ -]/g, '');
  return knownIssuer(Number(digits.slice(0, 6)), digits.length) && luhn(digits, 0, digits.length);
}

function jwtValid(m: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(m.slice(0, m.indexOf('.')), 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof header.alg === 'string';
  } catch {
    return false;
  }
}

export const REFERENCE_RULES: readonly Rule[] = [
  { id: 'private_key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g },
  { id: 'jwt', re: /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, valid: jwtValid },
  { id: 'url_credentials', re: /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]*@/g },
  { id: 'api_key', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}|\bxox[baprs]-[A-Za-z0-9-]{10,}|\b[spr]k_live_[A-Za-z0-9]{16,}|\bAIza[A-Za-z0-9_-]{35}/g },
  { id: 'bearer_token', re: /\b[Bb]earer\s+[A-Za-z0-9\-._~+/]{12,}=*/g },
  { id: 'email', re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  { id: 'iban', re: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g, valid: isIban },
  { id: 'payment_card', re: /\b(?:\d[ -]?){12,18}\d\b/g, valid: cardValid },
  { id: 'us_ssn', re: /\b\d{3}-\d{2}-\d{4}\b/g, valid: (m) => validSsn(m, 0) },
  { id: 'phone', re: /(?:\+\d{1,3}[ .-]?)?\(?\b\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}\b/g },
  { id: 'ipv6', re: /(?:[A-Fa-f0-9]{1,4}:){2,7}[A-Fa-f0-9]{0,4}|::(?:[A-Fa-f0-9]{1,4}:?){1,7}/g, valid: (m) => isIpv6(m, 0, m.length) },
  { id: 'ipv4', re: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g },
];

/** Runs every rule on `value` and replaces what the validators accept; returns the new value. */
export function referenceRedact(value: string, replacement: string): string {
  let out = value;
  for (const rule of REFERENCE_RULES) {
    const valid = rule.valid;
    out = out.replace(rule.re, (m) => (valid === undefined || valid(m) ? replacement : m));
  }
  return out;
}
