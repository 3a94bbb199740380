// The WAL checkpointer: a worker thread with its own connection to the queue file that copies
// committed WAL frames into the database (`PRAGMA wal_checkpoint(PASSIVE)`) a few times a
// second. With SQLite's default auto-checkpoint, the commit that takes the WAL past 1,000 pages
// does that copy itself, on the gateway's main thread: with 4 KiB pages and ~200 KiB requests,
// one enqueue in twenty stalled for the copy of 4 MiB (bench/results/README.md, "WAL
// checkpoints"). A passive checkpoint never blocks the writer; the writer reuses the WAL from
// its start once every frame is copied, so the file stays bounded by what one interval writes.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointerInit {
  path: string;
  intervalMs: number;
}

const { path, intervalMs } = workerData as CheckpointerInit;
const db = new Database(path);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
function checkpoint(): void {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    parentPort!.postMessage({ kind: 'checkpoint', log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 });
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
