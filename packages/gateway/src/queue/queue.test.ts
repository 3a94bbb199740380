import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryQueueStore } from './memory.js';
import { DeadLetterFile } from './dead-letter-file.js';
import { SqliteQueueStore } from './sqlite.js';
import { QueueFullError, type DeadLetterLimits, type QueueStore } from './types.js';

const body = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

function sqlitePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'cairn-queue-')), 'queue.db');
}

const stores: [string, (limits: Map<string, number>, deadLetters?: DeadLetterLimits) => QueueStore][] = [
  ['sqlite', (limits, deadLetters) => new SqliteQueueStore({ path: sqlitePath(), limits, ...(deadLetters ? { deadLetters } : {}) })],
  ['memory', (limits, deadLetters) => new MemoryQueueStore(limits, deadLetters)],
];

for (const [kind, open] of stores) {
  describe(`${kind} queue`, () => {
    it('commits one batch to several destinations and hands each its own copy in order', () => {
      const store = open(new Map());
      store.enqueue([
        { destination: 'a', tenant: 't', signal: 'traces', body: body(10, 1), items: 3 },
        { destination: 'b', tenant: 't', signal: 'traces', body: body(20, 2), items: 5 },
      ]);
      store.enqueue([{ destination: 'a', tenant: 't', signal: 'logs', body: body(5, 3), items: 1 }]);
      assert.deepEqual(store.read('a', 0, 10).map((b) => [b.signal, b.body.byteLength, b.items]), [['traces', 10, 3], ['logs', 5, 1]]);
      assert.deepEqual(store.read('b', 0, 10).map((b) => b.body[0]), [2]);
      assert.deepEqual(store.depth('a'), { bytes: 15, batches: 2 });
      store.close();
    });

    it('refuses a batch that would overfill any destination, and writes it nowhere', () => {
      const store = open(new Map([['a', 100], ['b', 25]]));
      store.enqueue([{ destination: 'b', tenant: 't', signal: 'traces', body: body(20), items: 1 }]);
      assert.throws(
        () => store.enqueue([
          { destination: 'a', tenant: 't', signal: 'traces', body: body(10), items: 1 },
          { destination: 'b', tenant: 't', signal: 'traces', body: body(10), items: 1 },
        ]),
        (error: unknown) => error instanceof QueueFullError && error.destination === 'b',
      );
      assert.deepEqual(store.depth('a'), { bytes: 0, batches: 0 });
      assert.equal(store.read('a', 0, 10).length, 0);
      store.close();
    });

    it('takes one oversized batch into an empty queue rather than refusing it forever', () => {
      const store = open(new Map([['a', 10]]));
      store.enqueue([{ destination: 'a', tenant: 't', signal: 'traces', body: body(50), items: 1 }]);
      assert.equal(store.depth('a').batches, 1);
      store.close();
    });

    it('acknowledges the batches of a merged request together, and ignores ids already gone', () => {
      const store = open(new Map());
      const ids = store.enqueue([10, 20, 30, 40].map((n) => ({ destination: 'a', tenant: 't', signal: 'traces' as const, body: body(n), items: 1 })));
      store.ack('a', [ids[0]!, ids[2]!, ids[0]!, 9999]);
      assert.deepEqual(store.depth('a'), { bytes: 60, batches: 2 });
      assert.deepEqual(store.read('a', 0, 10).map((b) => b.id), [ids[1], ids[3]]);
      store.close();
    });

    it('forgets acknowledged batches and moves undeliverable ones to the dead letters with the reason', () => {
      const store = open(new Map());
      const [first, second] = store.enqueue([
        { destination: 'a', tenant: 't', signal: 'traces', body: body(10), items: 1 },
        { destination: 'a', tenant: 't', signal: 'traces', body: body(30), items: 2 },
      ]);
      store.ack('a', [first!]);
      const [pending] = store.read('a', 0, 10);
      assert.equal(pending?.id, second);
      store.deadLetter(pending!, 'backend answered 400: bad span');
      assert.deepEqual(store.depth('a'), { bytes: 0, batches: 0 });
      assert.deepEqual(store.deadLetters('a').map((d) => [d.id, d.items, d.bytes, d.reason]), [[second, 2, 30, 'backend answered 400: bad span']]);
      store.close();
    });

    it('bounds the dead letters by max_size (oldest evicted first) and max_age, and counts what it evicted', () => {
      const store = open(new Map(), { maxBytes: 50, maxAgeMs: 60_000 });
      const ids = store.enqueue([
        { destination: 'a', tenant: 't', signal: 'traces', body: body(30, 1), items: 1 },
        { destination: 'b', tenant: 't', signal: 'traces', body: body(30, 2), items: 1 },
        { destination: 'a', tenant: 't', signal: 'traces', body: body(20, 3), items: 1 },
      ]);
      for (const [i, d] of [[0, 'a'], [1, 'b'], [2, 'a']] as const) store.deadLetter(store.read(d, ids[i]! - 1, 1)[0]!, 'refused');
      // 30 + 30 > 50: the first goes; 30 + 20 fits.
      assert.deepEqual(store.deadLetters().map((d) => d.id), [ids[1], ids[2]]);
      assert.deepEqual(store.deadLetterStats().get('a'), { batches: 1, bytes: 20, evictedBatches: 1, evictedBytes: 30 });
      assert.deepEqual(store.deadLetterStats().get('b'), { batches: 1, bytes: 30, evictedBatches: 0, evictedBytes: 0 });
      store.pruneDeadLetters(Date.now() + 61_000);
      assert.deepEqual(store.deadLetters(), []);
      assert.deepEqual(store.deadLetterStats().get('a'), { batches: 0, bytes: 0, evictedBatches: 2, evictedBytes: 50 });
      store.close();
    });
  });
}

describe('sqlite queue durability', () => {
  it('keeps committed batches, their attempts and depths across a reopen', () => {
    const path = sqlitePath();
    const first = new SqliteQueueStore({ path, limits: new Map() });
    const [id] = first.enqueue([{ destination: 'a', tenant: 't', signal: 'metrics', body: body(64, 7), items: 4 }]);
    first.enqueue([{ destination: 'a', tenant: 't', signal: 'traces', body: body(32, 8), items: 2 }]);
    first.recordAttempt('a', id!);
    first.close();

    const second = new SqliteQueueStore({ path, limits: new Map() });
    assert.deepEqual(second.depth('a'), { bytes: 96, batches: 2 });
    const batches = second.read('a', 0, 10);
    assert.deepEqual(batches.map((b) => [b.signal, b.items, b.attempts, b.body[0], b.body.byteLength]), [['metrics', 4, 1, 7, 64], ['traces', 2, 0, 8, 32]]);
    second.ack('a', [batches[0]!.id]);
    assert.deepEqual(second.depth('a'), { bytes: 32, batches: 1 });
    second.close();
  });

  it('reads past the in-memory cache when bodies were evicted', () => {
    const store = new SqliteQueueStore({ path: sqlitePath(), limits: new Map(), cacheBytes: 15 });
    store.enqueue([{ destination: 'a', tenant: 't', signal: 'traces', body: body(10, 1), items: 1 }]);
    store.enqueue([{ destination: 'a', tenant: 't', signal: 'traces', body: body(10, 2), items: 1 }]);
    assert.deepEqual(store.read('a', 0, 10).map((b) => b.body[0]), [1, 2]);
    store.close();
  });

  it('answers a peek past its last batch without reading, and sees batches another connection adds once it syncs', () => {
    const path = sqlitePath();
    const store = new SqliteQueueStore({ path, limits: new Map() });
    assert.deepEqual(store.peek('a', 0, 8), []);
    const [first] = store.enqueue([{ destination: 'a', tenant: 't', signal: 'traces', body: body(10, 1), items: 1 }]);
    assert.deepEqual(store.peek('a', 0, 8).map((b) => b.id), [first]);
    assert.deepEqual(store.peek('a', first!, 8), []);
    // The batch is refused for good and moved aside, then replayed by another connection
    // (`cairn deadletters replay`, the console's replay): a new row with a higher id.
    store.deadLetter(store.read('a', 0, 8)[0]!, 'HTTP 400');
    const file = DeadLetterFile.open(path);
    assert.equal(file.replay({ destination: 'a' }).length, 1);
    file.close();
    assert.equal(store.sync(), true);
    const replayed = store.peek('a', first!, 8);
    assert.equal(replayed.length, 1);
    assert.ok(replayed[0]!.id > first!);
    assert.deepEqual(store.read('a', first!, 8).map((b) => b.body[0]), [1]);
    // Reopened, the last id comes from the file.
    store.close();
    const reopened = new SqliteQueueStore({ path, limits: new Map() });
    assert.deepEqual(reopened.peek('a', 0, 8).map((b) => b.id), [replayed[0]!.id]);
    assert.deepEqual(reopened.peek('a', replayed[0]!.id, 8), []);
    reopened.close();
  });
});
