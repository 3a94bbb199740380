// Keyed pseudonymisation, masking and truncation: the value transforms a strategy's `hash`,
// `mask` and `truncate: N` actions apply to a whole value or to a detector's match.
//
// `hash` is HMAC-SHA256 keyed per destination, never a plain hash: an unkeyed hash of an IPv4
// address is reversed by hashing all 2^32 addresses. The output names the key
// (`hmac:<keyId>:<22 base64url chars>`) so keys can rotate and old and new pseudonyms can be told
// apart. The MAC is truncated to 128 bits (RFC 2104 §5 and NIST SP 800-107 allow truncation to
// at least half the output): collisions stay out of reach (birthday bound 2^64) and each
// pseudonym is 22 characters instead of 43.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HmacSha256 } from './hmac-sha256.js';

export const HMAC_BYTES = 16;
export const MIN_KEY_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

export type KeyErrorCode = 'CAIRN_STRATEGY_KEY_MISSING' | 'CAIRN_STRATEGY_KEY_WEAK' | 'CAIRN_STRATEGY_KEY_ID' | 'CAIRN_STRATEGY_KEY_SOURCE';

/** A key that cannot be used; `path` is the config path of its declaration. */
export class PseudonymKeyError extends Error {
  readonly code: KeyErrorCode;
  readonly path: string;
  constructor(code: KeyErrorCode, path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'PseudonymKeyError';
    this.code = code;
    this.path = path;
  }
}

/** Where a key comes from, as written in the strategy: `{ env: EU_HMAC_KEY, id: k1 }` or `{ file: …, id: k1 }`. */
export interface KeySource {
  readonly id: string;
  readonly env?: string;
  readonly file?: string;
}

export interface HmacKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * Loads a key. The value of the variable or the file's bytes (one trailing newline dropped) are
 * the key; it must be at least 16 bytes. Every failure names `path` (e.g.
 * `destinations.eu-backend.keys.default`) and what is missing, never falling back to a plain hash.
 */
export function loadKey(source: KeySource, path: string, env: NodeJS.ProcessEnv = process.env): HmacKey {
  if (typeof source.id !== 'string' || !KEY_ID.test(source.id)) {
    throw new PseudonymKeyError('CAIRN_STRATEGY_KEY_ID', `${path}.id`, `key id ${JSON.stringify(source.id)} must be 1–32 characters of [A-Za-z0-9_.-]: it is written into every pseudonym as hmac:<id>:…`);
  }
  if ((source.env === undefined) === (source.file === undefined)) {
    throw new PseudonymKeyError('CAIRN_STRATEGY_KEY_SOURCE', path, 'give exactly one of `env` (an environment variable) or `file` (a path) for the key');
  }
  let key: Buffer;
  if (source.env !== undefined) {
    const value = env[source.env];
    if (value === undefined || value === '') {
      throw new PseudonymKeyError('CAIRN_STRATEGY_KEY_MISSING', `${path}.env`, `environment variable ${source.env} is not set; it must hold the HMAC key "${source.id}"`);
    }
    key = Buffer.from(value, 'utf8');
  } else {
    try {
      key = readFileSync(source.file!);
    } catch (err) {
      throw new PseudonymKeyError('CAIRN_STRATEGY_KEY_MISSING', `${path}.file`, `cannot read key file ${source.file} for key "${source.id}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const n = key.length;
    if (n > 0 && key[n - 1] === 0x0a) key = key.subarray(0, n > 1 && key[n - 2] === 0x0d ? n - 2 : n - 1);
  }
  if (key.length < MIN_KEY_BYTES) {
    throw new PseudonymKeyError('CAIRN_STRATEGY_KEY_WEAK', source.env !== undefined ? `${path}.env` : `${path}.file`, `key "${source.id}" is ${key.length} bytes; use at least ${MIN_KEY_BYTES} random bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return { id: source.id, key };
}

/**
 * One destination's pseudonymisation domain: same input, same pseudonym; other destinations'
 * keys give other pseudonyms. Precomputing the HMAC pads and copying the two SHA-256 states per
 * call with Node's `Hash.copy()` was measured slower than native re-keying (~12 µs against ~4 µs
 * a call on the shared 2-core machine); the same precomputation in JavaScript (hmac-sha256.ts)
 * is ~5× faster than createHmac, and checked against it byte for byte.
 */
export class Pseudonymiser {
  readonly keyId: string;
  private readonly prefix: string;
  private readonly mac: HmacSha256;

  constructor(key: HmacKey) {
    this.keyId = key.id;
    this.prefix = `hmac:${key.id}:`;
    this.mac = new HmacSha256(key.key);
  }

  /** `hmac:<keyId>:<base64url of the first 16 bytes of HMAC-SHA256(key, utf8(value))>`. */
  hash(value: string): string {
    return this.mac.base64url(value, HMAC_BYTES, this.prefix);
  }
}

/** One-off form of `Pseudonymiser.hash` (re-keys per call: prefer a Pseudonymiser on hot paths). */
export function hmac(keyId: string, key: Buffer | string, value: string): string {
  return `hmac:${keyId}:${createHmac('sha256', key).update(value, 'utf8').digest().toString('base64url', 0, HMAC_BYTES)}`;
}

export const MASK = '****';

/**
 * A fixed-width mask that does not reveal the value's length. Payment cards keep their last four
 * digits (`****1111`), which PCI DSS allows to be shown; everything else becomes `****`.
 */
export function mask(value: string, detector?: string): string {
  if (detector === 'payment_card') {
    let last = '';
    for (let i = value.length - 1; i >= 0 && last.length < 4; i--) {
      const c = value.charCodeAt(i);
      if (c >= 48 && c <= 57) last = value[i] + last;
    }
    return MASK + last;
  }
  return MASK;
}

/**
 * The longest prefix of `value` whose UTF-8 encoding fits in `maxBytes`, never splitting a code
 * point (a surrogate pair counts as one 4-byte character). `value` itself when it fits.
 */
export function truncate(value: string, maxBytes: number): string {
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new RangeError(`truncate: maxBytes must be a non-negative integer, got ${maxBytes}`);
  if (value.length * 3 <= maxBytes) return value;
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let size: number;
    let units = 1;
    if (c < 0x80) size = 1;
    else if (c < 0x800) size = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { size = 4; units = 2; }
    else size = 3; // BMP, or a lone surrogate (encoded as U+FFFD, 3 bytes)
    if (bytes + size > maxBytes) return value.slice(0, i);
    bytes += size;
    i += units - 1;
  }
  return value;
}
