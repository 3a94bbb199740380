import type { DeadLetterLimits, DeadLetterStats } from './types.js';

/** Keeps dead letters unbounded: for tests and stores built without limits. */
export const NO_DEAD_LETTER_LIMITS: DeadLetterLimits = { maxBytes: Infinity, maxAgeMs: 0 };

/** What each destination's dead letters hold, and what eviction removed: the figures /metrics shows. */
export class DeadLetterTally {
  readonly stats = new Map<string, DeadLetterStats>();

  of(destination: string): DeadLetterStats {
    let s = this.stats.get(destination);
    if (!s) this.stats.set(destination, (s = { batches: 0, bytes: 0, evictedBatches: 0, evictedBytes: 0 }));
    return s;
  }

  get totalBytes(): number {
    let bytes = 0;
    for (const s of this.stats.values()) bytes += s.bytes;
    return bytes;
  }

  added(destination: string, bytes: number): void {
    const s = this.of(destination);
    s.batches++;
    s.bytes += bytes;
  }

  evicted(destination: string, bytes: number): void {
    const s = this.of(destination);
    s.batches--;
    s.bytes -= bytes;
    s.evictedBatches++;
    s.evictedBytes += bytes;
  }

  /** Counts read back from the store (another process may have replayed or purged); evictions stay. */
  reset(rows: readonly { destination: string; batches: number; bytes: number }[]): void {
    for (const s of this.stats.values()) {
      s.batches = 0;
      s.bytes = 0;
    }
    for (const row of rows) {
      const s = this.of(row.destination);
      s.batches = row.batches;
      s.bytes = row.bytes;
    }
  }
}
