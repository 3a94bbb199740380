// The reference's durable queue, the obvious way: one SQLite table (better-sqlite3, WAL,
// synchronous=NORMAL as Cairn's default), a request committed in one transaction before the
// client hears 200, rows deleted when the backend took them.
import Database from 'better-sqlite3';

export interface QueuedRow { id: number; items: number; bytes: number }

export class ReferenceQueue {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[Uint8Array, number, number]>;
  private readonly meta: Database.Statement<[number, number], QueuedRow>;
  private readonly bodies: Database.Statement<[number, number], { body: Buffer }>;
  private readonly remove: Database.Statement<[number, number]>;
  private readonly commit: (body: Uint8Array, items: number) => number;
  /** Bytes queued, for the queue limit (a 503 when full, as Cairn's). */
  bytes = 0;

  constructor(path: string, readonly maxBytes: number) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL, items INTEGER NOT NULL, enqueued_at INTEGER NOT NULL)');
    this.insert = this.db.prepare('INSERT INTO queue (body, items, enqueued_at) VALUES (?, ?, ?)');
    this.meta = this.db.prepare('SELECT id, items, length(body) AS bytes FROM queue WHERE id > ? ORDER BY id LIMIT ?');
    this.bodies = this.db.prepare('SELECT body FROM queue WHERE id BETWEEN ? AND ? ORDER BY id');
    this.remove = this.db.prepare('DELETE FROM queue WHERE id BETWEEN ? AND ?');
    const insert = this.insert;
    this.commit = this.db.transaction((body: Uint8Array, items: number) => Number(insert.run(body, items, Date.now()).lastInsertRowid));
  }

  enqueue(body: Uint8Array, items: number): number {
    const id = this.commit(body, items);
    this.bytes += body.byteLength;
    return id;
  }

  /** Row metadata after `afterId`: what a batch weighs, without reading bodies. */
  peek(afterId: number, limit: number): QueuedRow[] {
    return this.meta.all(afterId, limit);
  }

  read(firstId: number, lastId: number): Buffer[] {
    return this.bodies.all(firstId, lastId).map((row) => row.body);
  }

  ack(firstId: number, lastId: number, bytes: number): void {
    this.remove.run(firstId, lastId);
    this.bytes -= bytes;
  }

  close(): void {
    this.db.close();
  }
}
