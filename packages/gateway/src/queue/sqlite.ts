import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Signal } from '@cairn/otlp';
import { checkLimits } from './memory.js';
import { DeadLetterTally, NO_DEAD_LETTER_LIMITS } from './dead-letters.js';
import type { BatchMeta, DeadLetter, DeadLetterLimits, DeadLetterStats, EnqueueEntry, QueueDepth, QueueStore, StoredBatch } from './types.js';
import type { CheckpointerInit } from './checkpointer.js';
import { DEFAULT_WAL_LIMIT_BYTES, type CheckpointOutcome } from './wal.js';

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

export interface SqliteQueueOptions {
  path: string;
  /** Byte limit per destination. */
  limits: ReadonlyMap<string, number>;
  /**
   * `normal` (default) survives a crash of the process: a committed batch is in the WAL, which
   * the OS holds even if the process is killed. `full` also survives power loss, at an fsync
   * per commit.
   */
  synchronous?: 'normal' | 'full';
  /** Bytes of recent bodies kept in memory so delivery need not read them back from disk. */
  cacheBytes?: number;
  /** Bounds on the dead letters (queue-wide); unbounded if absent. */
  deadLetters?: DeadLetterLimits;
  /**
   * How often a worker thread checkpoints the WAL (checkpointer.ts), in ms; 0 leaves it to
   * SQLite's auto-checkpoint on the committing (main) thread. Default 200.
   */
  checkpointIntervalMs?: number;
  /**
   * The WAL's bound in bytes (wal.ts): past it a checkpoint makes the writer rewind the WAL, and
   * the file is truncated back to it. Default 64 MiB.
   */
  walLimitBytes?: number;
}

/** The tables, created if missing. `cairn deadletters` opens the same file with the same schema. */
export const QUEUE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination TEXT NOT NULL,
    tenant TEXT NOT NULL DEFAULT '',
    signal INTEGER NOT NULL,
    body BLOB NOT NULL,
    items INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    enqueued_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS batches_by_destination ON batches (destination, id);
  CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    destination TEXT NOT NULL,
    signal INTEGER NOT NULL,
    items INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    reason TEXT NOT NULL,
    failed_at INTEGER NOT NULL,
    body BLOB,
    tenant TEXT NOT NULL DEFAULT ''
  );
`;

/** Opens (or creates) a queue file: WAL, a busy timeout so two processes can share it, the schema. */
export function openQueueDatabase(path: string, synchronous: 'normal' | 'full' = 'normal'): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(QUEUE_SCHEMA);
  // Files from before dead letters kept their tenant.
  const columns = db.prepare('PRAGMA table_info(dead_letters)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'tenant')) db.exec("ALTER TABLE dead_letters ADD COLUMN tenant TEXT NOT NULL DEFAULT ''");
  return db;
}

export const SIGNAL_CODES = SIGNALS;

interface MetaRow {
  id: number;
  destination: string;
  tenant: string;
  signal: number;
  items: number;
  bytes: number;
  attempts: number;
  enqueued_at: number;
}

/**
 * The durable queue: one SQLite database (better-sqlite3, WAL) holding every destination's
 * batches, so one transaction commits a batch to all its destinations at once.
 */
export class SqliteQueueStore implements QueueStore {
  private readonly db: Database.Database;
  private readonly depths = new Map<string, QueueDepth>();
  /**
   * The highest batch id per destination, so `peek` past it answers without SQL: delivery asks
   * after every export, and mostly finds the queue drained (about two empty peeks a request in
   * the strategy benchmark, ~6% of the main thread). Rows another connection adds (a dead-letter
   * replay) are seen at `sync`, as they were before.
   */
  private readonly lastIds = new Map<string, number>();
  private readonly cache = new Map<number, Uint8Array>();
  private cachedBytes = 0;
  private readonly cacheLimit: number;
  private readonly statements: {
    insert: Database.Statement<[string, string, number, Uint8Array, number, number, number]>;
    readMeta: Database.Statement<[string, number, number], MetaRow>;
    /** Bodies of a destination's batches from one id to another, both included. */
    readBodies: Database.Statement<[string, number, number], { id: number; body: Buffer }>;
    /** Deletes a batch and says how many body bytes left the queue (nothing if it was gone). */
    remove: Database.Statement<[number], { size: number }>;
    attempt: Database.Statement<[number]>;
    dead: Database.Statement<[number, string, string, number, number, number, string, number, Uint8Array]>;
    expire: Database.Statement<[number], { destination: string; bytes: number }>;
    oldest: Database.Statement<[], { id: number; destination: string; bytes: number }>;
    evict: Database.Statement<[number]>;
  };
  private readonly enqueueAll: (entries: readonly EnqueueEntry[]) => number[];
  private readonly removeAll: (ids: readonly number[]) => (number | undefined)[];
  private readonly limits: ReadonlyMap<string, number>;
  private readonly deadLetterLimits: DeadLetterLimits;
  private readonly tally = new DeadLetterTally();
  private dataVersion: number;
  private checkpointer: Worker | undefined;
  /** Checkpoints the worker made, the last one's WAL size in frames, and the RESTARTs that bounded it (wal.ts; for tests and metrics). */
  readonly checkpoints = { count: 0, walFrames: 0, errors: 0, restarts: 0 };

  constructor(options: SqliteQueueOptions) {
    this.db = openQueueDatabase(options.path, options.synchronous);
    const walLimit = options.walLimitBytes ?? DEFAULT_WAL_LIMIT_BYTES;
    // Set on the writer's connection: the rewind a RESTART checkpoint allows truncates the file to it.
    this.db.pragma(`journal_size_limit = ${Math.floor(walLimit)}`);
    const interval = options.checkpointIntervalMs ?? 200;
    if (interval > 0) this.startCheckpointer(options.path, interval, walLimit);
    this.limits = options.limits;
    this.cacheLimit = options.cacheBytes ?? 32 * 1024 * 1024;
    this.statements = {
      insert: this.db.prepare('INSERT INTO batches (destination, tenant, signal, body, items, attempts, enqueued_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // length() of a BLOB comes from the record header: the body's pages are not read.
      readMeta: this.db.prepare('SELECT id, destination, tenant, signal, items, length(body) AS bytes, attempts, enqueued_at FROM batches WHERE destination = ? AND id > ? ORDER BY id LIMIT ?'),
      readBodies: this.db.prepare('SELECT id, body FROM batches WHERE destination = ? AND id >= ? AND id <= ? ORDER BY id'),
      remove: this.db.prepare('DELETE FROM batches WHERE id = ? RETURNING length(body) AS size'),
      attempt: this.db.prepare('UPDATE batches SET attempts = attempts + 1 WHERE id = ?'),
      dead: this.db.prepare('INSERT OR REPLACE INTO dead_letters (id, destination, tenant, signal, items, bytes, reason, failed_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      expire: this.db.prepare('DELETE FROM dead_letters WHERE failed_at < ? RETURNING destination, bytes'),
      oldest: this.db.prepare('SELECT id, destination, bytes FROM dead_letters ORDER BY failed_at, id'),
      evict: this.db.prepare('DELETE FROM dead_letters WHERE id = ?'),
    };
    this.deadLetterLimits = options.deadLetters ?? NO_DEAD_LETTER_LIMITS;
    this.countAll();
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    const remove = this.statements.remove;
    // Every write transaction here is BEGIN IMMEDIATE: it takes the write lock first, waiting for
    // it (busy_timeout) if another connection holds it, as the checkpointer's RESTART does while it
    // bounds the WAL (wal.ts) and `cairn deadletters` does from its own process. A deferred one
    // that reads first and then writes gets SQLITE_BUSY at once instead: no busy wait is possible
    // once its read snapshot is taken.
    this.removeAll = this.db.transaction((ids: readonly number[]) => ids.map((id) => remove.get(id)?.size)).immediate;
    const insert = this.statements.insert;
    this.enqueueAll = this.db.transaction((entries: readonly EnqueueEntry[]) => {
      const now = Date.now();
      return entries.map((entry) => Number(insert.run(entry.destination, entry.tenant, SIGNALS.indexOf(entry.signal), entry.body, entry.items, 0, now).lastInsertRowid));
    }).immediate;
  }

  /**
   * The database, for the durable trace buffer (stages/tail), whose rows must commit in the same
   * transaction as the queue's.
   */
  get database(): Database.Database {
    return this.db;
  }

  enqueue(entries: readonly EnqueueEntry[]): number[] {
    checkLimits(entries, this.limits, (d) => this.depth(d));
    const ids = this.enqueueAll(entries);
    entries.forEach((entry, i) => {
      if (ids[i]! > (this.lastIds.get(entry.destination) ?? 0)) this.lastIds.set(entry.destination, ids[i]!);
      const depth = this.depth(entry.destination);
      depth.bytes += entry.body.byteLength;
      depth.batches++;
      if (this.cachedBytes + entry.body.byteLength <= this.cacheLimit) {
        this.cache.set(ids[i]!, entry.body);
        this.cachedBytes += entry.body.byteLength;
      }
    });
    return ids;
  }

  peek(destination: string, afterId: number, limit: number): BatchMeta[] {
    if (afterId >= (this.lastIds.get(destination) ?? 0)) return [];
    return this.statements.readMeta.all(destination, afterId, limit).map(toMeta);
  }

  load(destination: string, batches: readonly BatchMeta[]): StoredBatch[] {
    // Recent bodies are still in memory; the rest come in one range read from the first missing
    // to the last (measured against a point read per missing body, the range was faster by 8-36%
    // for three of four batch and page sizes and 6% slower for the fourth).
    let fromDisk: Map<number, Uint8Array> | undefined;
    const missing = batches.filter((b) => !this.cache.has(b.id));
    if (missing.length > 0) {
      fromDisk = new Map(this.statements.readBodies.all(destination, missing[0]!.id, missing[missing.length - 1]!.id).map((row) => [row.id, row.body]));
    }
    const out: StoredBatch[] = [];
    for (const meta of batches) {
      const body = this.cache.get(meta.id) ?? fromDisk?.get(meta.id);
      if (!body) break;
      out.push({ ...meta, body });
    }
    return out;
  }

  read(destination: string, afterId: number, limit: number): StoredBatch[] {
    return this.load(destination, this.peek(destination, afterId, limit));
  }

  ack(destination: string, ids: readonly number[]): void {
    // One transaction for a merged request's batches: one WAL commit instead of one per batch.
    const removed = ids.length === 1 ? [this.statements.remove.get(ids[0]!)?.size] : this.removeAll(ids);
    ids.forEach((id, i) => {
      const size = removed[i];
      if (size !== undefined) this.forget(destination, id, size);
    });
  }

  recordAttempt(_destination: string, id: number): void {
    this.statements.attempt.run(id);
  }

  deadLetter(batch: StoredBatch, reason: string): void {
    const now = Date.now();
    const move = this.db.transaction(() => {
      this.statements.dead.run(batch.id, batch.destination, batch.tenant, SIGNALS.indexOf(batch.signal), batch.items, batch.body.byteLength, reason, now, batch.body);
      return this.statements.remove.get(batch.id)?.size;
    }).immediate;
    const size = move();
    if (size !== undefined) this.forget(batch.destination, batch.id, size);
    this.tally.added(batch.destination, batch.body.byteLength);
    this.pruneDeadLetters(now);
  }

  deadLetterStats(): ReadonlyMap<string, DeadLetterStats> {
    return this.tally.stats;
  }

  pruneDeadLetters(now = Date.now()): void {
    const { maxAgeMs, maxBytes } = this.deadLetterLimits;
    if (maxAgeMs > 0) {
      for (const row of this.statements.expire.all(now - maxAgeMs)) this.tally.evicted(row.destination, row.bytes);
    }
    let over = this.tally.totalBytes - maxBytes;
    if (over <= 0) return;
    const victims: { id: number; destination: string; bytes: number }[] = [];
    for (const row of this.statements.oldest.iterate()) {
      if (over <= 0) break;
      victims.push(row);
      over -= row.bytes;
    }
    this.db.transaction(() => {
      for (const v of victims) this.statements.evict.run(v.id);
    }).immediate();
    for (const v of victims) this.tally.evicted(v.destination, v.bytes);
  }

  /**
   * Reads back what another process changed in the file (`cairn deadletters replay` or `purge`
   * while the gateway runs): queue depths and dead-letter counts. True when something changed.
   */
  sync(): boolean {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return false;
    this.dataVersion = version;
    this.countAll();
    return true;
  }

  private countAll(): void {
    this.depths.clear();
    this.lastIds.clear();
    for (const row of this.db.prepare('SELECT destination, COUNT(*) AS batches, COALESCE(SUM(length(body)), 0) AS bytes, MAX(id) AS last FROM batches GROUP BY destination').all() as { destination: string; batches: number; bytes: number; last: number }[]) {
      this.depths.set(row.destination, { bytes: row.bytes, batches: row.batches });
      this.lastIds.set(row.destination, row.last);
    }
    this.tally.reset(this.db.prepare('SELECT destination, COUNT(*) AS batches, COALESCE(SUM(bytes), 0) AS bytes FROM dead_letters GROUP BY destination').all() as { destination: string; batches: number; bytes: number }[]);
  }

  depth(destination: string): QueueDepth {
    let depth = this.depths.get(destination);
    if (!depth) this.depths.set(destination, (depth = { bytes: 0, batches: 0 }));
    return depth;
  }

  deadLetters(destination?: string): DeadLetter[] {
    const rows = this.db
      .prepare(`SELECT id, destination, tenant, signal, items, bytes, reason, failed_at FROM dead_letters ${destination === undefined ? '' : 'WHERE destination = ?'} ORDER BY id`)
      .all(...(destination === undefined ? [] : [destination])) as DeadLetterRow[];
    return rows.map(toDeadLetter);
  }

  /**
   * Moves WAL checkpoints to a worker thread. If the thread fails, auto-checkpoint comes back on
   * the main connection: the WAL must never grow without bound.
   */
  private startCheckpointer(path: string, intervalMs: number, walLimitBytes: number): void {
    this.db.pragma('wal_autocheckpoint = 0');
    const init: CheckpointerInit = { path, intervalMs, walLimitBytes };
    const worker = new Worker(new URL('./checkpointer.js', import.meta.url), { workerData: init });
    worker.on('message', (m: { kind: string } & Partial<CheckpointOutcome>) => {
      if (m.kind === 'checkpoint') {
        this.checkpoints.count++;
        this.checkpoints.walFrames = m.log ?? 0;
        if (m.restarted) this.checkpoints.restarts++;
      }
      else if (m.kind === 'error') this.checkpoints.errors++;
    });
    const fallBack = (): void => {
      if (this.checkpointer !== worker) return;
      this.checkpointer = undefined;
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
    };
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
    // After the listeners: adding a 'message' listener refs the thread's port again, and a store
    // left open then kept its process from ever exiting (a test failing before close() hung).
    worker.unref();
    this.checkpointer = worker;
  }

  /** Asks the checkpointer for a checkpoint now (tests); resolves when it has reported one. */
  checkpointNow(): Promise<void> {
    const worker = this.checkpointer;
    if (!worker) return Promise.resolve();
    const before = this.checkpoints.count + this.checkpoints.errors;
    // Referenced while the answer is awaited: the thread is otherwise unref'd, and a caller with
    // nothing else pending would see its event loop end first.
    worker.ref();
    return new Promise((resolve) => {
      const onMessage = (): void => {
        if (this.checkpoints.count + this.checkpoints.errors > before) { worker.off('message', onMessage); worker.unref(); resolve(); }
      };
      worker.on('message', onMessage);
      worker.postMessage('now');
    });
  }

  close(): void {
    const worker = this.checkpointer;
    this.checkpointer = undefined;
    // Closing, the main connection checkpoints what remains unless the thread is in the middle
    // of a checkpoint; then the WAL stays and is read back at the next open. Nothing is lost.
    if (worker) void worker.terminate();
    if (this.db.open) this.db.close();
  }

  private forget(destination: string, id: number, size: number): void {
    const body = this.cache.get(id);
    if (body) {
      this.cache.delete(id);
      this.cachedBytes -= body.byteLength;
    }
    const depth = this.depth(destination);
    depth.batches--;
    depth.bytes -= size;
  }
}

function toMeta(row: MetaRow): BatchMeta {
  return {
    id: row.id,
    destination: row.destination,
    tenant: row.tenant,
    signal: SIGNALS[row.signal] ?? 'traces',
    items: row.items,
    bytes: row.bytes,
    attempts: row.attempts,
    enqueuedAt: row.enqueued_at,
  };
}

export interface DeadLetterRow {
  id: number;
  destination: string;
  tenant: string;
  signal: number;
  items: number;
  bytes: number;
  reason: string;
  failed_at: number;
}

export function toDeadLetter(r: DeadLetterRow): DeadLetter {
  return { id: r.id, destination: r.destination, tenant: r.tenant, signal: SIGNALS[r.signal] ?? 'traces', items: r.items, bytes: r.bytes, reason: r.reason, failedAt: r.failed_at };
}
