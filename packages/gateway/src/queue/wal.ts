// The queue's WAL bound. A passive checkpoint (checkpointer.ts) copies the frames committed when
// it starts and never blocks the writer, and the writer rewinds the WAL to its start only at a
// write that finds every frame copied. Under steady load a commit lands during every checkpoint,
// so that moment never comes: in the gateway benchmark the WAL grew without end (3.9 GB after 26 s
// of pass-through at ~360k spans/s), and with it the WAL index that every page read searches, so
// the main thread's SQLite time per batch kept growing (29% of its samples in the first seconds,
// 47% after 20). Once a passive checkpoint leaves the WAL past the bound, a RESTART checkpoint
// copies what arrived meanwhile and waits for the writer's current transaction, so the next
// commit rewinds the WAL; `journal_size_limit` (the store's writer connection) then truncates the
// file to the bound. The writer waits (busy_timeout) only while that remainder is copied.
//
// A RESTART holds new writers back while it waits for readers, and another process may be one
// (`cairn deadletters` reading the same file): so it waits at most RESTART_WAIT_MS, not the
// connection's 5 s, and a RESTART that could not finish is tried again at the next checkpoint.
import type Database from 'better-sqlite3';

/** The longest a RESTART waits for the writer's transaction and for readers, holding new writers back. */
export const RESTART_WAIT_MS = 100;

/** The WAL size past which a checkpoint makes the writer rewind it. */
export const DEFAULT_WAL_LIMIT_BYTES = 64 * 1024 * 1024;

export interface CheckpointOutcome {
  /** Frames in the WAL, and of them copied into the database, after the last checkpoint run. */
  log: number;
  checkpointed: number;
  /** Whether a RESTART ran to completion (the next commit rewinds the WAL). */
  restarted: boolean;
  /** A RESTART that could not finish (busy): the next checkpoint tries again. */
  busy: boolean;
}

type Row = { busy: number; log: number; checkpointed: number };

/**
 * One checkpoint of the queue file on `db` (a connection of its own): passive, then a RESTART if
 * the WAL still holds more than `limitFrames` frames.
 */
export function checkpointWal(db: Database.Database, limitFrames: number): CheckpointOutcome {
  const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as Row[];
  const log = passive?.log ?? 0;
  if (log <= limitFrames) return { log, checkpointed: passive?.checkpointed ?? 0, restarted: false, busy: false };
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${Math.min(timeout, RESTART_WAIT_MS)}`);
  let restart: Row | undefined;
  try {
    [restart] = db.pragma('wal_checkpoint(RESTART)') as Row[];
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
  const busy = (restart?.busy ?? 1) !== 0;
  return { log: restart?.log ?? log, checkpointed: restart?.checkpointed ?? 0, restarted: !busy, busy };
}

/** The bound in frames for the database on `db` (its page size; a frame is a page plus 24 bytes). */
export function walLimitFrames(db: Database.Database, limitBytes: number): number {
  const page = db.pragma('page_size', { simple: true }) as number;
  return Math.max(1, Math.floor(limitBytes / (page + 24)));
}
