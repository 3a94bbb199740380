import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Signal } from '@cairn/otlp';
import { checkLimits } from './memory.js';
import type { BatchMeta, DeadLetter, EnqueueEntry, QueueDepth, QueueStore, StoredBatch } from './types.js';

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
}

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
    dead: Database.Statement<[number, string, number, number, number, string, number, Uint8Array]>;
  };
  private readonly enqueueAll: (entries: readonly EnqueueEntry[]) => number[];
  private readonly removeAll: (ids: readonly number[]) => (number | undefined)[];
  private readonly limits: ReadonlyMap<string, number>;

  constructor(options: SqliteQueueOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
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
        body BLOB
      );
    `);
    this.limits = options.limits;
    this.cacheLimit = options.cacheBytes ?? 32 * 1024 * 1024;
    this.statements = {
      insert: this.db.prepare('INSERT INTO batches (destination, tenant, signal, body, items, attempts, enqueued_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // length() of a BLOB comes from the record header: the body's pages are not read.
      readMeta: this.db.prepare('SELECT id, destination, tenant, signal, items, length(body) AS bytes, attempts, enqueued_at FROM batches WHERE destination = ? AND id > ? ORDER BY id LIMIT ?'),
      readBodies: this.db.prepare('SELECT id, body FROM batches WHERE destination = ? AND id >= ? AND id <= ? ORDER BY id'),
      remove: this.db.prepare('DELETE FROM batches WHERE id = ? RETURNING length(body) AS size'),
      attempt: this.db.prepare('UPDATE batches SET attempts = attempts + 1 WHERE id = ?'),
      dead: this.db.prepare('INSERT OR REPLACE INTO dead_letters (id, destination, signal, items, bytes, reason, failed_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    };
    for (const row of this.db.prepare('SELECT destination, COUNT(*) AS batches, COALESCE(SUM(length(body)), 0) AS bytes FROM batches GROUP BY destination').all() as { destination: string; batches: number; bytes: number }[]) {
      this.depths.set(row.destination, { bytes: row.bytes, batches: row.batches });
    }
    const remove = this.statements.remove;
    this.removeAll = this.db.transaction((ids: readonly number[]) => ids.map((id) => remove.get(id)?.size));
    const insert = this.statements.insert;
    this.enqueueAll = this.db.transaction((entries: readonly EnqueueEntry[]) => {
      const now = Date.now();
      return entries.map((entry) => Number(insert.run(entry.destination, entry.tenant, SIGNALS.indexOf(entry.signal), entry.body, entry.items, 0, now).lastInsertRowid));
    });
  }

  enqueue(entries: readonly EnqueueEntry[]): number[] {
    checkLimits(entries, this.limits, (d) => this.depth(d));
    const ids = this.enqueueAll(entries);
    entries.forEach((entry, i) => {
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
    const move = this.db.transaction(() => {
      this.statements.dead.run(batch.id, batch.destination, SIGNALS.indexOf(batch.signal), batch.items, batch.body.byteLength, reason, Date.now(), batch.body);
      return this.statements.remove.get(batch.id)?.size;
    });
    const size = move();
    if (size !== undefined) this.forget(batch.destination, batch.id, size);
  }

  depth(destination: string): QueueDepth {
    let depth = this.depths.get(destination);
    if (!depth) this.depths.set(destination, (depth = { bytes: 0, batches: 0 }));
    return depth;
  }

  deadLetters(destination?: string): DeadLetter[] {
    const rows = this.db
      .prepare(`SELECT id, destination, signal, items, bytes, reason, failed_at FROM dead_letters ${destination === undefined ? '' : 'WHERE destination = ?'} ORDER BY id`)
      .all(...(destination === undefined ? [] : [destination])) as { id: number; destination: string; signal: number; items: number; bytes: number; reason: string; failed_at: number }[];
    return rows.map((r) => ({ id: r.id, destination: r.destination, signal: SIGNALS[r.signal]!, items: r.items, bytes: r.bytes, reason: r.reason, failedAt: r.failed_at }));
  }

  close(): void {
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
