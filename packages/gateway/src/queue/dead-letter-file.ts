// The dead letters of a queue file, for an operator (`cairn deadletters`): list, show, replay,
// purge. It opens the same SQLite file as the gateway, which may be running: WAL lets both read
// at once and the busy timeout serializes writes; a running gateway notices a replay within a
// second (it polls SQLite's data_version) and its dispatcher sends the batches again.
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { decodeLogs, decodeMetrics, decodeTraces, OtlpDecodeError, type BatchView, type LogsView, type MetricsView, type Signal, type TracesView } from '@cairn/otlp';
import { openQueueDatabase, toDeadLetter, type DeadLetterRow } from './sqlite.js';
import type { DeadLetter } from './types.js';

export class DeadLetterFileError extends Error {
  readonly code = 'CAIRN_DEAD_LETTERS';
}

/** Which dead letters a command acts on: given ids, one destination, or (both empty) all. */
export interface DeadLetterSelection {
  ids?: readonly number[];
  destination?: string;
}

/** What a dead letter's body holds, decoded: enough to recognize it. */
export interface DeadLetterSummary {
  letter: DeadLetter;
  services: string[];
  /** Span, log-body or metric names, the first few. */
  names: string[];
  /** Set when the body does not decode (it was refused, after all). */
  decodeError?: string;
}

const NAMES_SHOWN = 10;

export class DeadLetterFile {
  private constructor(private readonly db: Database.Database, readonly path: string) {}

  /** Opens an existing queue file; a missing file is an error, not a new empty queue. */
  static open(path: string): DeadLetterFile {
    if (!existsSync(path)) throw new DeadLetterFileError(`no queue file at ${path}; is storage.directory right, and has the gateway run once?`);
    return new DeadLetterFile(openQueueDatabase(path), path);
  }

  list(destination?: string): DeadLetter[] {
    const where = destination === undefined ? '' : 'WHERE destination = ?';
    const rows = this.db.prepare(`SELECT id, destination, tenant, signal, items, bytes, reason, failed_at FROM dead_letters ${where} ORDER BY id`).all(...(destination === undefined ? [] : [destination])) as DeadLetterRow[];
    return rows.map(toDeadLetter);
  }

  show(id: number): DeadLetterSummary {
    const row = this.db.prepare('SELECT id, destination, tenant, signal, items, bytes, reason, failed_at, body FROM dead_letters WHERE id = ?').get(id) as (DeadLetterRow & { body: Buffer | null }) | undefined;
    if (!row) throw new DeadLetterFileError(`no dead letter ${id} in ${this.path}; \`cairn deadletters list\` shows them`);
    const letter = toDeadLetter(row);
    if (!row.body) return { letter, services: [], names: [], decodeError: 'the body was not kept' };
    try {
      return { letter, ...describe(letter.signal, row.body) };
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      return { letter, services: [], names: [], decodeError: `${error.code} at byte ${error.offset}: ${error.message}` };
    }
  }

  /**
   * Moves the selected dead letters back into the live queue of their destination, as new
   * batches at its end with no attempts, in one transaction. Returns what moved.
   */
  replay(selection: DeadLetterSelection, now = Date.now()): DeadLetter[] {
    const { where, params } = whereOf(selection);
    // BEGIN IMMEDIATE: it reads, then writes, while a running gateway may hold the write lock;
    // a deferred transaction would fail with SQLITE_BUSY there instead of waiting (sqlite.ts).
    return this.db.transaction(() => {
      const rows = this.db.prepare(`SELECT id, destination, tenant, signal, items, bytes, reason, failed_at FROM dead_letters ${where} AND body IS NOT NULL ORDER BY id`).all(...params) as DeadLetterRow[];
      const insert = this.db.prepare('INSERT INTO batches (destination, tenant, signal, body, items, attempts, enqueued_at) SELECT destination, tenant, signal, body, items, 0, ? FROM dead_letters WHERE id = ?');
      const remove = this.db.prepare('DELETE FROM dead_letters WHERE id = ?');
      for (const row of rows) {
        insert.run(now, row.id);
        remove.run(row.id);
      }
      return rows.map(toDeadLetter);
    }).immediate();
  }

  /** Deletes the selected dead letters for good. Returns how many. */
  purge(selection: DeadLetterSelection): number {
    const { where, params } = whereOf(selection);
    return this.db.prepare(`DELETE FROM dead_letters ${where}`).run(...params).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function whereOf(selection: DeadLetterSelection): { where: string; params: (string | number)[] } {
  const clauses: string[] = ['1 = 1'];
  const params: (string | number)[] = [];
  if (selection.destination !== undefined) {
    clauses.push('destination = ?');
    params.push(selection.destination);
  }
  if (selection.ids && selection.ids.length > 0) {
    clauses.push(`id IN (${selection.ids.map(() => '?').join(', ')})`);
    params.push(...selection.ids);
  }
  return { where: `WHERE ${clauses.join(' AND ')}`, params };
}

function describe(signal: Signal, body: Uint8Array): { services: string[]; names: string[] } {
  const view: BatchView = signal === 'traces' ? decodeTraces(body) : signal === 'logs' ? decodeLogs(body) : decodeMetrics(body);
  const services = new Set<string>();
  for (let r = 0; r < view.resourceCount; r++) services.add(view.serviceName(r));
  const names = new Set<string>();
  if (signal === 'traces') {
    const spans = (view as TracesView).spans();
    while (names.size < NAMES_SHOWN && spans.next()) names.add(spans.name);
  } else if (signal === 'metrics') {
    const metrics = (view as MetricsView).metrics();
    while (names.size < NAMES_SHOWN && metrics.next()) names.add(metrics.name);
  } else {
    const logs = (view as LogsView).logs();
    while (names.size < NAMES_SHOWN && logs.next()) {
      const value = logs.body;
      names.add(typeof value === 'string' ? value.slice(0, 80) : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))?.slice(0, 80) ?? '');
    }
  }
  return { services: [...services], names: [...names] };
}
