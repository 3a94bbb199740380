// The durable trace buffer: spans of tail-sampled destinations wait here, in the queue's SQLite
// file, until their trace is decided. One row per (request, destination, trace): the trace's part
// of the request as a complete ExportTraceServiceRequest (split.ts), so a trace is the
// concatenation of its rows. Only an index lives in memory (trace.ts); span bytes stay on disk.
import type Database from 'better-sqlite3';

export const TAIL_SCHEMA = `
  CREATE TABLE IF NOT EXISTS tail_spans (
    id INTEGER PRIMARY KEY,
    destination TEXT NOT NULL,
    trace BLOB NOT NULL,
    tenant TEXT NOT NULL,
    spans INTEGER NOT NULL,
    body BLOB NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS tail_spans_by_trace ON tail_spans (destination, trace);
`;

export interface BufferedPart {
  tenant: string;
  spans: number;
  body: Uint8Array;
}

/** One undecided trace as found in the file at start-up. */
export interface StoredTrace {
  destination: string;
  trace: Buffer;
  receivedAt: number;
  spans: number;
  bytes: number;
}

export class TraceBufferStore {
  private readonly insertStatement: Database.Statement<[string, Uint8Array, string, number, Uint8Array, number]>;
  private readonly readStatement: Database.Statement<[string, Uint8Array], BufferedPart>;
  private readonly deleteStatement: Database.Statement<[string, Uint8Array]>;

  constructor(readonly db: Database.Database) {
    db.exec(TAIL_SCHEMA);
    this.insertStatement = db.prepare('INSERT INTO tail_spans (destination, trace, tenant, spans, body, received_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.readStatement = db.prepare('SELECT tenant, spans, body FROM tail_spans WHERE destination = ? AND trace = ? ORDER BY id');
    this.deleteStatement = db.prepare('DELETE FROM tail_spans WHERE destination = ? AND trace = ?');
  }

  /**
   * Runs `fn` in one transaction (nested calls become savepoints). BEGIN IMMEDIATE: a decision
   * reads a trace's spans before it writes, and a deferred transaction that another connection's
   * write lock meets at that point fails with SQLITE_BUSY without waiting (queue/sqlite.ts).
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  insert(destination: string, trace: Uint8Array, tenant: string, spans: number, body: Uint8Array, receivedAt: number): void {
    this.insertStatement.run(destination, trace, tenant, spans, body, receivedAt);
  }

  read(destination: string, trace: Uint8Array): BufferedPart[] {
    return this.readStatement.all(destination, trace);
  }

  delete(destination: string, trace: Uint8Array): void {
    this.deleteStatement.run(destination, trace);
  }

  /** Every undecided trace, oldest first (by its first row): what a restart rebuilds the index from. */
  undecided(): StoredTrace[] {
    return (this.db
      .prepare('SELECT destination, trace, MIN(id) AS first, MIN(received_at) AS receivedAt, SUM(spans) AS spans, SUM(length(body)) AS bytes FROM tail_spans GROUP BY destination, trace ORDER BY first')
      .all() as (StoredTrace & { first: number })[]).map(({ first: _first, ...t }) => t);
  }
}
