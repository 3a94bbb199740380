import type { Signal } from '@cairn/otlp';

/** A queued batch without its body: what delivery plans an export request with. */
export interface BatchMeta {
  id: number;
  destination: string;
  /** The tenant that sent it, for per-tenant delivery figures. */
  tenant: string;
  signal: Signal;
  items: number;
  /** Size of the body. */
  bytes: number;
  attempts: number;
  enqueuedAt: number;
}

/** A batch committed to a destination's queue, with its body. */
export interface StoredBatch extends BatchMeta {
  body: Uint8Array;
}

export interface EnqueueEntry {
  destination: string;
  tenant: string;
  signal: Signal;
  body: Uint8Array;
  items: number;
}

export interface QueueDepth {
  bytes: number;
  batches: number;
}

export interface DeadLetter {
  id: number;
  destination: string;
  tenant: string;
  signal: Signal;
  items: number;
  bytes: number;
  reason: string;
  failedAt: number;
}

/** Bounds on the dead letters of a store, over all its destinations. */
export interface DeadLetterLimits {
  maxBytes: number;
  /** 0: no age limit. */
  maxAgeMs: number;
}

export interface DeadLetterStats {
  batches: number;
  bytes: number;
  /** Since this process started. */
  evictedBatches: number;
  evictedBytes: number;
}

/** A destination's queue is full: the receivers answer with backpressure, nothing is written. */
export class QueueFullError extends Error {
  readonly code = 'CAIRN_QUEUE_FULL';
  readonly destination: string;
  constructor(destination: string, depthBytes: number, limitBytes: number) {
    super(`queue of destination ${destination} is full (${depthBytes} of ${limitBytes} bytes)`);
    this.name = 'QueueFullError';
    this.destination = destination;
  }
}

/**
 * Where accepted batches wait for their destination. `enqueue` is atomic across destinations:
 * either every matched destination has the batch or none does, which is what lets a receiver
 * answer 200 only once the batch is safe everywhere it goes.
 */
export interface QueueStore {
  enqueue(entries: readonly EnqueueEntry[]): number[];
  /** Metadata of pending batches of a destination with id > `afterId`, in id order; no body is read. */
  peek(destination: string, afterId: number, limit: number): BatchMeta[];
  /**
   * The bodies of batches from `peek`, in the same order. A batch that left the queue since is
   * missing from the answer, and so is every batch after it.
   */
  load(destination: string, batches: readonly BatchMeta[]): StoredBatch[];
  /** `peek` then `load`: pending batches with their bodies. */
  read(destination: string, afterId: number, limit: number): StoredBatch[];
  /** The batch was delivered: forget it. */
  ack(destination: string, ids: readonly number[]): void;
  /** One more failed attempt, persisted so a restart keeps counting. */
  recordAttempt(destination: string, id: number): void;
  /** Move a batch that can never be delivered to the dead letters, with the reason. */
  deadLetter(batch: StoredBatch, reason: string): void;
  depth(destination: string): QueueDepth;
  deadLetters(destination?: string): DeadLetter[];
  /** Dead letters kept and evicted, per destination. */
  deadLetterStats(): ReadonlyMap<string, DeadLetterStats>;
  /** Evicts dead letters past `max_age`, then the oldest until they fit `max_size`. */
  pruneDeadLetters(now?: number): void;
  /** Reads back what another process changed in the store; true when something did. */
  sync(): boolean;
  close(): void;
}
