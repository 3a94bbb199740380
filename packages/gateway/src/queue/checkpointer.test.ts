import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteQueueStore } from './sqlite.js';

const BODY = new Uint8Array(200 * 1024).fill(7);
const walSize = (path: string): number => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);

describe('WAL checkpoints on a worker thread', () => {
  it('keep the WAL bounded while the main connection never checkpoints, and lose nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-ckpt-')), 'queue.db');
    // A long interval: checkpoints happen only when the test asks, so the bound below is the
    // checkpointer's doing and not timing.
    const store = new SqliteQueueStore({ path, limits: new Map([['d', 1 << 30]]), checkpointIntervalMs: 60_000 });
    try {
      assert.equal(store['db'].pragma('wal_autocheckpoint', { simple: true }), 0);
      const kept: number[] = [];
      let maxWal = 0;
      for (let i = 0; i < 120; i++) {
        const [id] = store.enqueue([{ destination: 'd', tenant: 't', signal: 'traces', body: BODY, items: 1 }]);
        if (i % 3 === 0) kept.push(id!);
        else store.ack('d', [id!]);
        if (i % 10 === 9) await store.checkpointNow();
        maxWal = Math.max(maxWal, walSize(path));
      }
      assert.ok(store.checkpoints.count >= 12, `${store.checkpoints.count} checkpoints`);
      assert.equal(store.checkpoints.errors, 0);
      // Ten enqueues of 200 KiB (plus their acks) between checkpoints: ~2 MiB of frames, and the
      // writer restarts the WAL once all of it was copied. Without checkpoints it would reach ~24 MiB.
      assert.ok(maxWal < 8 * 1024 * 1024, `the WAL reached ${maxWal} bytes`);
      assert.deepEqual(store.read('d', 0, 1000).map((b) => b.id), kept);
    } finally {
      store.close();
    }
    // Reopened by a plain connection: every kept batch is in the file.
    const db = new Database(path);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM batches').get() as { n: number }).n, 40);
    db.close();
  });

  it('gives checkpoints back to the main connection when the thread dies', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-ckpt-')), 'queue.db');
    const store = new SqliteQueueStore({ path, limits: new Map([['d', 1 << 30]]), checkpointIntervalMs: 60_000 });
    try {
      const worker = store['checkpointer']!;
      worker.ref(); // the store unrefs it; this test waits for its exit
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await worker.terminate();
      await exited;
      assert.equal(store['db'].pragma('wal_autocheckpoint', { simple: true }), 1000);
      store.enqueue([{ destination: 'd', tenant: 't', signal: 'traces', body: BODY, items: 1 }]);
      assert.equal(store.read('d', 0, 10).length, 1);
    } finally {
      store.close();
    }
  });

  it('never keeps its process alive: a store left open does not stop node from exiting', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-ckpt-')), 'queue.db');
    const module = fileURLToPath(new URL('./sqlite.js', import.meta.url));
    const script = `const { SqliteQueueStore } = await import(${JSON.stringify(module)});
      const store = new SqliteQueueStore({ path: ${JSON.stringify(path)}, limits: new Map(), checkpointIntervalMs: 50 });
      store.enqueue([{ destination: 'd', tenant: 't', signal: 'traces', body: new Uint8Array(10), items: 1 }]);
      console.log('open');`;
    // Bounded: before the fix the child never exited, and execFileSync kills it after 20 s.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
    assert.equal(out, 'open\n');
  });
});
