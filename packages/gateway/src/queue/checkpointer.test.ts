import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteQueueStore } from './sqlite.js';
import { checkpointWal, RESTART_WAIT_MS, walLimitFrames } from './wal.js';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { TraceBufferStore } from '../stages/tail/buffer.js';

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

  // Under steady load a commit lands during every passive checkpoint, so the WAL is never all
  // copied when the writer looks, and it never rewinds (the gateway benchmark's WAL reached 3.9 GB
  // in 26 s). A reader's open snapshot stops a passive checkpoint at the same place
  // deterministically: what the writer commits after the snapshot stays uncopied, as a commit
  // made during the checkpoint would.
  const starved = (limitBytes: number, checkpointerTimeoutMs = 0) => {
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-wal-')), 'queue.db');
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.pragma(`journal_size_limit = ${limitBytes}`);
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)');
    // By default no busy wait, so a RESTART the reader blocks answers busy at once.
    const checkpointer = new Database(path, { timeout: checkpointerTimeoutMs });
    const reader = new Database(path);
    const insert = writer.prepare('INSERT INTO t (b) VALUES (?)');
    const blob = new Uint8Array(40_000).fill(1);
    for (let i = 0; i < 10; i++) insert.run(blob);
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM t').get();
    for (let i = 0; i < 10; i++) insert.run(blob);
    const limit = walLimitFrames(checkpointer, limitBytes);
    const started = performance.now();
    const first = checkpointWal(checkpointer, limit);
    const firstMs = performance.now() - started;
    reader.exec('COMMIT');
    const frames = () => (checkpointer.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
    return { path, writer, checkpointer, insert, blob, first, firstMs, limit, frames, close: () => { for (const db of [writer, checkpointer, reader]) db.close(); } };
  };

  it('without a RESTART, a commit after a partial passive checkpoint does not rewind the WAL', () => {
    const s = starved(1 << 30);
    try {
      assert.ok(s.first.checkpointed < s.first.log, 'the snapshot held the checkpoint back');
      assert.equal(s.first.restarted, false);
      assert.equal(s.first.busy, false);
      s.insert.run(s.blob);
      // The commit appended to the WAL instead of starting it over.
      assert.ok(s.frames() > s.first.log, `${s.frames()} frames after ${s.first.log}`);
    } finally {
      s.close();
    }
  });

  it('past the bound, a RESTART follows the passive checkpoint; once it finishes the next commit rewinds the WAL and truncates the file to the bound', () => {
    const s = starved(256 * 1024);
    try {
      // ~240 frames against a bound of 62: the RESTART ran, and the reader's snapshot kept it from finishing.
      assert.ok(s.first.log > s.limit, `${s.first.log} frames`);
      assert.equal(s.first.busy, true);
      assert.equal(s.first.restarted, false);
      const second = checkpointWal(s.checkpointer, s.limit);
      assert.equal(second.restarted, true);
      assert.equal(second.checkpointed, second.log);
      s.insert.run(s.blob);
      assert.ok(s.frames() < 20, `the WAL holds ${s.frames()} frames after the rewind`);
      assert.ok(walSize(s.path) <= 256 * 1024, `the WAL file is ${walSize(s.path)} bytes`);
      assert.equal((s.writer.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n, 21);
    } finally {
      s.close();
    }
  });

  it(`a RESTART that a reader holds up gives up after ${RESTART_WAIT_MS} ms, not the connection's 5 s busy timeout (it holds the writer back meanwhile)`, () => {
    const s = starved(256 * 1024, 5000);
    try {
      assert.equal(s.first.busy, true);
      assert.ok(s.firstMs >= RESTART_WAIT_MS * 0.9, `gave up after ${s.firstMs} ms`);
      // Generous for a loaded machine, and far below the 5,000 ms it waited before.
      assert.ok(s.firstMs < 2_000, `gave up after ${s.firstMs} ms`);
      assert.equal(s.checkpointer.pragma('busy_timeout', { simple: true }), 5000, 'the connection keeps its own timeout');
    } finally {
      s.close();
    }
  });

  // The RESTART takes the write lock from another connection. A deferred transaction that reads
  // before it writes cannot wait for that lock (its snapshot is taken) and fails with SQLITE_BUSY
  // at once: the tail buffer's decisions did, and fell behind (e2e/tail.test.ts "overload").
  it('write transactions on the queue file wait for another connection\'s write lock instead of failing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-ckpt-')), 'queue.db');
    const store = new SqliteQueueStore({ path, limits: new Map([['d', 1 << 30]]), checkpointIntervalMs: 0 });
    const buffer = new TraceBufferStore(store.database);
    const trace = new Uint8Array(16).fill(1);
    buffer.insert('d', trace, 't', 1, BODY, 0);
    const held = new Int32Array(new SharedArrayBuffer(4));
    // Another connection holds the write lock for 1 s from a thread of its own.
    const holder = new Worker(`
      const { workerData } = require('node:worker_threads');
      const Database = require(workerData.module);
      const db = new Database(workerData.path);
      db.exec('BEGIN IMMEDIATE');
      Atomics.store(workerData.held, 0, 1);
      Atomics.notify(workerData.held, 0);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      db.exec('COMMIT');
      db.close();
    `, { eval: true, workerData: { path, held, module: createRequire(import.meta.url).resolve('better-sqlite3') } });
    try {
      Atomics.wait(held, 0, 0, 10_000);
      assert.equal(held[0], 1, 'the other connection holds the write lock');
      // Read, then write, in one transaction, as a tail decision does: it waits, then commits.
      const moved = buffer.transaction(() => {
        const parts = buffer.read('d', trace);
        buffer.delete('d', trace);
        return store.enqueue(parts.map((p) => ({ destination: 'd', tenant: p.tenant, signal: 'traces' as const, body: p.body, items: p.spans })));
      });
      assert.equal(moved.length, 1);
      assert.equal(buffer.read('d', trace).length, 0);
      assert.equal(store.read('d', 0, 10).length, 1);
    } finally {
      await holder.terminate();
      store.close();
    }
  });

  it('the store sets the bound on its writer and counts the RESTARTs that keep its WAL under it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-ckpt-')), 'queue.db');
    const store = new SqliteQueueStore({ path, limits: new Map([['d', 1 << 30]]), checkpointIntervalMs: 60_000, walLimitBytes: 1024 * 1024 });
    try {
      assert.equal(store['db'].pragma('journal_size_limit', { simple: true }), 1024 * 1024);
      for (let i = 0; i < 20; i++) store.ack('d', store.enqueue([{ destination: 'd', tenant: 't', signal: 'traces', body: BODY, items: 1 }]));
      assert.ok(walSize(path) > 2 * 1024 * 1024, `${walSize(path)} bytes before the checkpoint`);
      await store.checkpointNow();
      assert.equal(store.checkpoints.restarts, 1);
      store.enqueue([{ destination: 'd', tenant: 't', signal: 'traces', body: BODY, items: 1 }]);
      assert.ok(walSize(path) <= 1024 * 1024, `the WAL is ${walSize(path)} bytes after the rewind`);
      assert.equal(store.read('d', 0, 10).length, 1);
    } finally {
      store.close();
    }
  });
});
