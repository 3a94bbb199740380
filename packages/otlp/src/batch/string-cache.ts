// Decoded strings by their bytes, for the rewriter's attribute keys: keys repeat in every span,
// and decoding each occurrence allocates a fresh string whose hash every Map lookup downstream
// (registry, decisions, caches) computes again. A hit returns the same string object, so V8's
// cached hash is reused and nothing is allocated. Values are decoded as before: interning them
// measured no gain (addresses, paths and ids rarely repeat).
//
// Direct-mapped and bounded: SLOTS entries of at most MAX_BYTES bytes each, held in one arena.
// A tenant's bytes can only evict entries (a miss decodes as before), never grow the table.
import { decodeUtf8 } from '../wire/utf8.js';

const SLOTS = 1024;
const MAX_BYTES = 64;

export class StringCache {
  private readonly arena = new Uint8Array(SLOTS * MAX_BYTES);
  private readonly lens = new Int32Array(SLOTS).fill(-1);
  private readonly strs: string[] = new Array<string>(SLOTS).fill('');

  /** `decodeUtf8(buf, start, end)`, the same string object for the same bytes while cached. */
  get(buf: Uint8Array, start: number, end: number): string {
    const n = end - start;
    if (n <= 0) return '';
    if (n > MAX_BYTES) return decodeUtf8(buf, start, end);
    // The slot hashes the length and up to eight sampled bytes (the ends, where keys like
    // `http.request.*` differ, and the quarters): the bytes are compared in full below, so a
    // weaker hash only costs misses, and hashing every byte measured as much as the compare.
    let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
    const q = n >>> 2;
    h = Math.imul(h ^ buf[start]!, 0x01000193);
    h = Math.imul(h ^ buf[end - 1]!, 0x01000193);
    h = Math.imul(h ^ buf[start + q]!, 0x01000193);
    h = Math.imul(h ^ buf[start + 2 * q]!, 0x01000193);
    h = Math.imul(h ^ buf[start + 3 * q]!, 0x01000193);
    if (n > 4) {
      h = Math.imul(h ^ buf[start + 1]!, 0x01000193);
      h = Math.imul(h ^ buf[end - 2]!, 0x01000193);
      h = Math.imul(h ^ buf[end - 3]!, 0x01000193);
    }
    const slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    const arena = this.arena;
    const at = slot * MAX_BYTES;
    if (this.lens[slot] === n) {
      let i = 0;
      while (i < n && arena[at + i] === buf[start + i]) i++;
      if (i === n) return this.strs[slot]!;
    }
    const s = decodeUtf8(buf, start, end);
    for (let i = 0; i < n; i++) arena[at + i] = buf[start + i]!; // no subarray view to allocate
    this.lens[slot] = n;
    this.strs[slot] = s;
    return s;
  }
}
