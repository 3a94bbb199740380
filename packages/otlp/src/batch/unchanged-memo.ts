// The rewriter's memo of fields a visitor left alone: top-level attributes (a KeyValue's bytes)
// and names (a string field's bytes) that a visit changed nothing in, with no side effect, under
// a visitor context (RewriteVisitor.memoContext: the policy and the place). Telemetry repeats
// most of its attributes byte for byte (`http.request.method=GET`, routes, scheme, host, user
// agent, status codes) and its span names: a hit costs one hash of a few sampled bytes and one
// compare, where a visit decodes the key and the value and asks the visitor four to eight
// questions. On the bench corpus (10 attributes a span, 7 of them repeating) the default
// strategy's walk measured ~40% of its time in those visits.
//
// Direct-mapped and bounded like StringCache: SLOTS entries of at most MAX_BYTES bytes each, in
// one arena. A tenant's bytes can only evict entries (a miss visits as before), never grow it,
// and an entry is used only when its context and every byte match.

const SLOTS = 1024;
export const MEMO_MAX_BYTES = 64;

export class UnchangedMemo {
  private readonly arena = new Uint8Array(SLOTS * MEMO_MAX_BYTES);
  private readonly words = new DataView(this.arena.buffer);
  private readonly lens = new Int32Array(SLOTS).fill(-1);
  private readonly contexts = new Int32Array(SLOTS);
  private readonly keys: string[] = new Array<string>(SLOTS).fill('');
  /** Set by `find`: the slot `bytes` hashes to (a hit's, or where `store` will put it). */
  slot = 0;

  /**
   * Whether `buf[start, end)` is remembered under `context` (1 ≤ context < 2^31, end - start ≤
   * MEMO_MAX_BYTES). `words` is a DataView over exactly `buf`. Either way `slot` names its slot,
   * for `key` or `store`.
   */
  find(context: number, buf: Uint8Array, words: DataView, start: number, end: number): boolean {
    const n = end - start;
    // The length, the context, and sampled bytes: from 8 bytes on, three 4-byte words (the first:
    // the key's start; the last: where values differ, as ids, addresses and paths do; and the
    // middle), else each byte. Bytes are compared in full below, so a weaker hash only costs misses.
    let h = Math.imul(0x811c9dc5 ^ n ^ (context << 8), 0x01000193);
    if (n >= 8) {
      h = Math.imul(h ^ words.getInt32(start, true), 0x01000193);
      h = Math.imul(h ^ words.getInt32(start + (n >>> 1) - 2, true), 0x01000193);
      h = Math.imul(h ^ words.getInt32(end - 4, true), 0x01000193);
    } else {
      for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    }
    // A multiply moves bits only upwards: fold the high ones (a word's last byte) down first.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    const slot = (h ^ (h >>> 13)) & (SLOTS - 1);
    this.slot = slot;
    if (this.lens[slot] !== n || this.contexts[slot] !== context) return false;
    // Four bytes at a time through DataViews (unaligned reads): 18 against 41 ns for 28 bytes
    // compared byte by byte (scratch micro-benchmark, Node 20).
    const own = this.words;
    const at = slot * MEMO_MAX_BYTES;
    let i = 0;
    for (; i + 4 <= n; i += 4) if (own.getInt32(at + i, true) !== words.getInt32(start + i, true)) return false;
    const arena = this.arena;
    for (; i < n; i++) if (arena[at + i] !== buf[start + i]) return false;
    return true;
  }

  /** The decoded key stored with the entry at `slot` ('' for a name). */
  key(slot: number): string {
    return this.keys[slot]!;
  }

  /**
   * Remembers `buf[start, end)` under `context` at `slot` (from the `find` that missed), with its
   * key. `words` is a DataView over exactly `buf`, as for `find`.
   */
  store(slot: number, context: number, buf: Uint8Array, words: DataView, start: number, end: number, key: string): void {
    const n = end - start;
    const arena = this.arena;
    const own = this.words;
    const at = slot * MEMO_MAX_BYTES;
    // Four bytes at a time, as `find` compares: every miss stores, and byte by byte that was 3.3%
    // of the default strategy's profile with `pii: allow`, 1.5% this way (one thread, --cpu-prof).
    let i = 0;
    for (; i + 4 <= n; i += 4) own.setInt32(at + i, words.getInt32(start + i, true), true);
    for (; i < n; i++) arena[at + i] = buf[start + i]!;
    this.lens[slot] = n;
    this.contexts[slot] = context;
    this.keys[slot] = key;
  }
}
