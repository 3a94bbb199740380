// What the sampler keeps in memory per tail-sampled destination: the index of its undecided
// traces (a few numbers each; their spans are on disk), which of them are due early and why, and
// its decision cache.
import type { TailConfig } from './config.js';
import type { DecisionReason } from './counts.js';
import { DecisionCache, type DecisionStore } from './decisions.js';
import type { TailRule } from './rules.js';

/** The in-memory index of one undecided trace: a few numbers; its spans are on disk. */
export class TraceEntry {
  spans = 0;
  bytes = 0;
  /** Set when the trace is queued for an early decision. */
  urgent: DecisionReason | undefined = undefined;
  constructor(readonly firstSeen: number) {}
}

export class DestinationState {
  /** Undecided traces by hex trace id, in the order they were first seen (oldest first). */
  readonly traces = new Map<string, TraceEntry>();
  bytes = 0;
  /** Traces to decide before their wait is over, in the order they became urgent. */
  urgent: string[] = [];
  urgentBytes = 0;
  /** Recent decisions for late spans, in memory and in the file. */
  readonly cache: DecisionCache;
  /** The last decision round found the queue full; a full buffer then refuses new data. */
  blocked = false;
  readonly errors = { count: 0 };
  constructor(readonly name: string, public config: TailConfig, public rules: readonly TailRule[], public dryRun: boolean, decisions: DecisionStore) {
    this.cache = new DecisionCache(name, decisions);
  }

  markUrgent(key: string, entry: TraceEntry, reason: DecisionReason): void {
    entry.urgent = reason;
    this.urgent.push(key);
    this.urgentBytes += entry.bytes;
  }

  checkLimits(key: string, entry: TraceEntry): void {
    if (entry.spans > this.config.maxSpansPerTrace) this.markUrgent(key, entry, 'span_limit');
    else if (entry.bytes > this.config.maxBytesPerTrace) this.markUrgent(key, entry, 'byte_limit');
  }

  /** Past the byte bound, the oldest traces not already on their way out are decided early. */
  checkOverflow(): void {
    if (this.bytes - this.urgentBytes <= this.config.bufferMaxBytes) return;
    for (const [key, entry] of this.traces) {
      if (this.bytes - this.urgentBytes <= this.config.bufferMaxBytes) break;
      if (!entry.urgent) this.markUrgent(key, entry, 'overflow');
    }
  }
}
