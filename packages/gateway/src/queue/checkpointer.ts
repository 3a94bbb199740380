// The WAL checkpointer: a worker thread with its own connection to the queue file that copies
// committed WAL frames into the database (`PRAGMA wal_checkpoint(PASSIVE)`) a few times a
// second. With SQLite's default auto-checkpoint, the commit that takes the WAL past 1,000 pages
// does that copy itself, on the gateway's main thread: with 4 KiB pages and ~200 KiB requests,
// one enqueue in twenty stalled for the copy of 4 MiB (bench/results/README.md, "WAL
// checkpoints"). A passive checkpoint never blocks the writer; under steady load it never lets
// the writer rewind the WAL either, so past a bound a RESTART follows it (wal.ts).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { checkpointWal, walLimitFrames } from './wal.js';

export interface CheckpointerInit {
  path: string;
  intervalMs: number;
  /** The WAL size past which a checkpoint makes the writer rewind it (wal.ts). */
  walLimitBytes: number;
}

const { path, intervalMs, walLimitBytes } = workerData as CheckpointerInit;
const db = new Database(path);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
const limitFrames = walLimitFrames(db, walLimitBytes);
function checkpoint(): void {
  try {
    const outcome = checkpointWal(db, limitFrames);
    parentPort!.postMessage({ kind: 'checkpoint', ...outcome });
  } catch (error) {
    parentPort!.postMessage({ kind: 'error', message: (error as Error).message });
  }
}

// 'now': a checkpoint at once (tests). The store ends the thread with terminate(); its
// connection closes as the thread's environment is torn down.
parentPort!.on('message', (message: 'now') => {
  if (message === 'now') checkpoint();
});
setInterval(checkpoint, intervalMs);
parentPort!.postMessage({ kind: 'ready' });
