// The inventory on the main thread: sums the deltas the processing threads return into the live
// bucket, flushes it to SQLite every few seconds (and at stop), prunes past retention, and
// answers queries from the file (flushing first, so a query sees everything accepted so far).
import { join } from 'node:path';
import { Admitted, InventoryAggregate } from './aggregate.js';
import { InventoryStore, type LoadFilter } from './store.js';
import type { SloReads } from './gaps.js';
import type { InventoryConfig, InventoryDelta } from './types.js';

export const INVENTORY_FILE = 'inventory.db';
const FLUSH_EVERY_MS = 5_000;

export interface InventoryOptions {
  /** The clock, for tests; Date.now by default. */
  now?: () => number;
  synchronous?: 'normal' | 'full';
}

export class Inventory {
  readonly store: InventoryStore;
  private readonly now: () => number;
  /** Live aggregates by bucket start: a delta lands in the bucket of the moment it arrived. */
  private live = new Map<number, InventoryAggregate>();
  /** What each live bucket has admitted so far, across flushes (the bound on rows per bucket). */
  private admitted = new Map<number, Admitted>();
  private timer: NodeJS.Timeout | undefined;
  private flushes = 0;
  /**
   * The SLO hook: which keys each SLO reads, for `cairn gaps`'s "SLO fields missing" and
   * `cairn report`'s "read by". The SLO feature sets it; empty until then.
   */
  sloReads: () => SloReads[] = () => [];
  /** Where a failed timed flush is reported (the gateway's logger). */
  onError: (error: Error) => void = () => {};

  constructor(readonly config: InventoryConfig, directory: string, options: InventoryOptions = {}) {
    this.now = options.now ?? Date.now;
    this.store = new InventoryStore(join(directory, INVENTORY_FILE), options.synchronous);
  }

  bucketOf(ms: number): number {
    return Math.floor(ms / this.config.bucketMs) * this.config.bucketMs;
  }

  add(delta: InventoryDelta): void {
    const bucket = this.bucketOf(this.now());
    let aggregate = this.live.get(bucket);
    if (!aggregate) {
      let admitted = this.admitted.get(bucket);
      if (!admitted) {
        // A new bucket: the older ones take no more rows of their own.
        this.admitted.clear();
        admitted = new Admitted();
        this.admitted.set(bucket, admitted);
      }
      aggregate = new InventoryAggregate(this.config.maxAttributes, admitted);
      this.live.set(bucket, aggregate);
    }
    aggregate.add(delta);
  }

  /** Writes the live buckets to SQLite; every 60th flush also prunes past retention. */
  flush(): void {
    const live = this.live;
    this.live = new Map();
    for (const [bucket, aggregate] of live) if (!aggregate.empty) this.store.save(bucket, aggregate);
    if (this.flushes++ % 60 === 0) this.store.prune(this.bucketOf(this.now() - this.config.retentionMs));
  }

  /** Everything in [from, to) for the chosen services; the buckets that overlap the range are included whole. */
  query(filter: LoadFilter): InventoryAggregate {
    this.flush();
    return this.store.load({ ...filter, from: this.bucketOf(filter.from) });
  }

  start(): void {
    this.timer = setInterval(() => {
      try {
        this.flush();
      } catch (error) {
        // A full disk must not take the gateway down: the inventory is a statistic, the queue is not.
        this.onError(error as Error);
      }
    }, FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** Flushes what is left and closes the file. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
    this.store.close();
  }
}
