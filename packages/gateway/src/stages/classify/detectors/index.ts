export { scan, scanWith, redactMatches, prefilter, NO_FINDINGS, NEED, ALL_DETECTORS, type Replacer } from './scan.js';
export { DETECTOR_IDS, type DetectorId, type Finding } from './types.js';
export { luhn, knownIssuer, isCardNumber } from './luhn.js';
export { isIban } from './iban.js';
export { isIpv6, ipv4End } from './ip.js';
export { validSsn } from './ssn.js';
export { sanitizeUrl, sanitizeQuery, REDACTED } from './sanitize-url.js';
export { sanitizeSql } from './sanitize-sql.js';
