import { DeadLetterTally, NO_DEAD_LETTER_LIMITS } from './dead-letters.js';
import { QueueFullError, type BatchMeta, type DeadLetter, type DeadLetterLimits, type DeadLetterStats, type EnqueueEntry, type QueueDepth, type QueueStore, type StoredBatch } from './types.js';

/**
 * The memory-only queue, for those who choose speed over durability: a restart loses what is
 * queued. Same contract as the SQLite store, byte limits included.
 */
export class MemoryQueueStore implements QueueStore {
  private nextId = 1;
  private readonly pending = new Map<string, Map<number, StoredBatch>>();
  private readonly depths = new Map<string, QueueDepth>();
  /** Metadata only: a memory queue's dead letters cannot be replayed, their bodies are not kept. */
  private dead: DeadLetter[] = [];
  private readonly tally = new DeadLetterTally();

  constructor(private readonly limits: ReadonlyMap<string, number>, private readonly deadLetterLimits: DeadLetterLimits = NO_DEAD_LETTER_LIMITS) {}

  enqueue(entries: readonly EnqueueEntry[]): number[] {
    checkLimits(entries, this.limits, (d) => this.depth(d));
    return entries.map((entry) => {
      const batch: StoredBatch = { id: this.nextId++, ...entry, bytes: entry.body.byteLength, attempts: 0, enqueuedAt: Date.now() };
      this.queueOf(entry.destination).set(batch.id, batch);
      const depth = this.depth(entry.destination);
      depth.bytes += entry.body.byteLength;
      depth.batches++;
      return batch.id;
    });
  }

  peek(destination: string, afterId: number, limit: number): BatchMeta[] {
    const out: BatchMeta[] = [];
    // Map iteration is insertion order, which is id order.
    for (const batch of this.queueOf(destination).values()) {
      if (batch.id <= afterId) continue;
      out.push(batch);
      if (out.length >= limit) break;
    }
    return out;
  }

  load(destination: string, batches: readonly BatchMeta[]): StoredBatch[] {
    const queue = this.queueOf(destination);
    const out: StoredBatch[] = [];
    for (const meta of batches) {
      const batch = queue.get(meta.id);
      if (!batch) break;
      out.push(batch);
    }
    return out;
  }

  read(destination: string, afterId: number, limit: number): StoredBatch[] {
    return this.load(destination, this.peek(destination, afterId, limit));
  }

  ack(destination: string, ids: readonly number[]): void {
    const queue = this.queueOf(destination);
    const depth = this.depth(destination);
    for (const id of ids) {
      const batch = queue.get(id);
      if (!batch) continue;
      queue.delete(id);
      depth.bytes -= batch.body.byteLength;
      depth.batches--;
    }
  }

  recordAttempt(destination: string, id: number): void {
    const batch = this.queueOf(destination).get(id);
    if (batch) batch.attempts++;
  }

  deadLetter(batch: StoredBatch, reason: string): void {
    this.ack(batch.destination, [batch.id]);
    const now = Date.now();
    this.dead.push({ id: batch.id, destination: batch.destination, tenant: batch.tenant, signal: batch.signal, items: batch.items, bytes: batch.body.byteLength, reason, failedAt: now });
    this.tally.added(batch.destination, batch.body.byteLength);
    this.pruneDeadLetters(now);
  }

  deadLetterStats(): ReadonlyMap<string, DeadLetterStats> {
    return this.tally.stats;
  }

  pruneDeadLetters(now = Date.now()): void {
    const { maxAgeMs, maxBytes } = this.deadLetterLimits;
    let over = this.tally.totalBytes - maxBytes;
    // Oldest first: the array is in the order they failed.
    let drop = 0;
    while (drop < this.dead.length && ((maxAgeMs > 0 && this.dead[drop]!.failedAt < now - maxAgeMs) || over > 0)) {
      const d = this.dead[drop++]!;
      over -= d.bytes;
      this.tally.evicted(d.destination, d.bytes);
    }
    if (drop > 0) this.dead = this.dead.slice(drop);
  }

  sync(): boolean {
    return false;
  }

  depth(destination: string): QueueDepth {
    let depth = this.depths.get(destination);
    if (!depth) this.depths.set(destination, (depth = { bytes: 0, batches: 0 }));
    return depth;
  }

  deadLetters(destination?: string): DeadLetter[] {
    return this.dead.filter((d) => destination === undefined || d.destination === destination);
  }

  close(): void {
    this.pending.clear();
  }

  private queueOf(destination: string): Map<number, StoredBatch> {
    let queue = this.pending.get(destination);
    if (!queue) this.pending.set(destination, (queue = new Map()));
    return queue;
  }
}

/** Throws QueueFullError, before anything is written, if any destination would go over its limit. */
export function checkLimits(entries: readonly EnqueueEntry[], limits: ReadonlyMap<string, number>, depth: (destination: string) => QueueDepth): void {
  const adding = new Map<string, number>();
  for (const entry of entries) adding.set(entry.destination, (adding.get(entry.destination) ?? 0) + entry.body.byteLength);
  for (const [destination, bytes] of adding) {
    const limit = limits.get(destination) ?? Infinity;
    const current = depth(destination).bytes;
    // An empty queue takes any one batch, so a batch larger than the limit is not refused forever.
    if (current > 0 && current + bytes > limit) throw new QueueFullError(destination, current, limit);
  }
}

/**
 * Destinations whose queue is on disk and those that chose memory, behind one store: limits are
 * checked on both before anything is written, so a refused batch is written nowhere.
 */
export class RoutedQueueStore implements QueueStore {
  constructor(
    private readonly durable: QueueStore,
    private readonly memory: QueueStore,
    private readonly inMemory: ReadonlySet<string>,
    private readonly limits: ReadonlyMap<string, number>,
  ) {}

  private storeOf(destination: string): QueueStore {
    return this.inMemory.has(destination) ? this.memory : this.durable;
  }

  enqueue(entries: readonly EnqueueEntry[]): number[] {
    checkLimits(entries, this.limits, (d) => this.depth(d));
    const durable = entries.filter((e) => !this.inMemory.has(e.destination));
    const memory = entries.filter((e) => this.inMemory.has(e.destination));
    return [...(durable.length ? this.durable.enqueue(durable) : []), ...(memory.length ? this.memory.enqueue(memory) : [])];
  }

  peek(destination: string, afterId: number, limit: number): BatchMeta[] {
    return this.storeOf(destination).peek(destination, afterId, limit);
  }

  load(destination: string, batches: readonly BatchMeta[]): StoredBatch[] {
    return this.storeOf(destination).load(destination, batches);
  }

  read(destination: string, afterId: number, limit: number): StoredBatch[] {
    return this.storeOf(destination).read(destination, afterId, limit);
  }

  ack(destination: string, ids: readonly number[]): void {
    this.storeOf(destination).ack(destination, ids);
  }

  recordAttempt(destination: string, id: number): void {
    this.storeOf(destination).recordAttempt(destination, id);
  }

  deadLetter(batch: StoredBatch, reason: string): void {
    this.storeOf(batch.destination).deadLetter(batch, reason);
  }

  depth(destination: string): QueueDepth {
    return this.storeOf(destination).depth(destination);
  }

  deadLetters(destination?: string): DeadLetter[] {
    return [...this.durable.deadLetters(destination), ...this.memory.deadLetters(destination)];
  }

  deadLetterStats(): ReadonlyMap<string, DeadLetterStats> {
    return new Map([...this.durable.deadLetterStats(), ...this.memory.deadLetterStats()]);
  }

  pruneDeadLetters(now?: number): void {
    this.durable.pruneDeadLetters(now);
    this.memory.pruneDeadLetters(now);
  }

  sync(): boolean {
    return this.durable.sync();
  }

  close(): void {
    this.durable.close();
    this.memory.close();
  }
}
