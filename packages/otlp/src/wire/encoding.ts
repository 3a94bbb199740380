// Hex (trace and span ids, as OTLP/JSON wants them) and base64 (other bytes fields).

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i < 16 ? '0' : '') + i.toString(16));

/** Lowercase hex of `buf[start, end)`. */
export function toHex(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX[buf[i]!]!;
  return out;
}

/** The value of each hex digit by ASCII code; -1 for every other code below 128. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;

/** Parses case-insensitive hex; returns undefined when `s` is not an even-length hex string. */
export function fromHex(s: string): Uint8Array | undefined {
  if ((s.length & 1) !== 0) return undefined;
  const out = new Uint8Array(s.length >>> 1);
  return hexInto(s, out, 0) ? out : undefined;
}

/**
 * Writes the bytes of the even-length hex string `s` into `out` from `at` (room must exist);
 * false when a character is not hex, leaving `out` partly written.
 */
export function hexInto(s: string, out: Uint8Array, at: number): boolean {
  const n = s.length >>> 1;
  for (let i = 0; i < n; i++) {
    const a = s.charCodeAt(2 * i);
    const b = s.charCodeAt(2 * i + 1);
    const hi = NIBBLE[a & 127]!;
    const lo = NIBBLE[b & 127]!;
    if ((hi | lo) < 0 || (a | b) > 127) return false; // not a hex digit, or not ASCII at all
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;
B64_INDEX['-'.charCodeAt(0)] = 62; // URL-safe alphabet, which proto3 JSON parsers accept
B64_INDEX['_'.charCodeAt(0)] = 63;

export function toBase64(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (buf[i]! << 16) | (buf[i + 1]! << 8) | buf[i + 2]!;
    out += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + B64[(n >>> 6) & 63]! + B64[n & 63]!;
  }
  const rest = end - i;
  if (rest === 1) {
    const n = buf[i]! << 16;
    out += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (buf[i]! << 16) | (buf[i + 1]! << 8);
    out += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + B64[(n >>> 6) & 63]! + '=';
  }
  return out;
}

/** Parses standard or URL-safe base64, padded or not; returns undefined on bad input. */
export function fromBase64(s: string): Uint8Array | undefined {
  let len = s.length;
  while (len > 0 && s.charCodeAt(len - 1) === 61) len--;
  if (s.length - len > 2 || len % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}
