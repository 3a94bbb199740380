// The decision cache: what was decided for recent traces, so their late spans follow it. In
// memory, one number per trace id (no object per cached trace); on disk, the `tail_decisions`
// table in the queue's SQLite file, written in the same transaction as the decision's moves
// (buffer rows deleted, kept spans queued) and trimmed oldest first to the cache size, so a
// restart loads what the previous process had decided and late spans still follow it.
import type Database from 'better-sqlite3';
import type { TailDecision, TailRule } from './rules.js';

export const DECISIONS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS tail_decisions (
    id INTEGER PRIMARY KEY,
    destination TEXT NOT NULL,
    trace BLOB NOT NULL,
    keep INTEGER NOT NULL,
    rate INTEGER NOT NULL,
    rule TEXT
  );
  CREATE INDEX IF NOT EXISTS tail_decisions_by_destination ON tail_decisions (destination);
`;

const TWO32 = 2 ** 32;

/** A decision in one number: rule index, rate, keep bit. */
export function encodeDecision(ruleIndex: number, decision: TailDecision): number {
  return ruleIndex * TWO32 * 2 + decision.rate * 2 + (decision.keep ? 1 : 0);
}

export function keepOf(value: number): boolean {
  return value % 2 === 1;
}

export function rateOf(value: number): number {
  return Math.floor(value / 2) % TWO32;
}

/** The decision without its rule: how late parts are grouped (rate and keep bit). */
export function outcomeOf(value: number): number {
  return value % (TWO32 * 2);
}

export function decodeDecision(rules: readonly TailRule[], value: number): TailDecision {
  return { keep: keepOf(value), rate: rateOf(value), rule: rules[Math.floor(value / (TWO32 * 2))]?.name ?? null };
}

interface StoredDecision {
  trace: Buffer;
  keep: number;
  rate: number;
  rule: string | null;
}

/** The `tail_decisions` table. */
export class DecisionStore {
  private readonly insertStatement: Database.Statement<[string, Uint8Array, number, number, string | null]>;
  private readonly trimStatement: Database.Statement<[string, number]>;
  private readonly countStatement: Database.Statement<[string], { n: number }>;
  private readonly loadStatement: Database.Statement<[string, number], StoredDecision>;
  private readonly clearStatement: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    db.exec(DECISIONS_SCHEMA);
    this.insertStatement = db.prepare('INSERT INTO tail_decisions (destination, trace, keep, rate, rule) VALUES (?, ?, ?, ?, ?)');
    this.trimStatement = db.prepare('DELETE FROM tail_decisions WHERE id IN (SELECT id FROM tail_decisions WHERE destination = ? ORDER BY id LIMIT ?)');
    this.countStatement = db.prepare('SELECT COUNT(*) AS n FROM tail_decisions WHERE destination = ?');
    this.loadStatement = db.prepare('SELECT trace, keep, rate, rule FROM tail_decisions WHERE destination = ? ORDER BY id DESC LIMIT ?');
    this.clearStatement = db.prepare('DELETE FROM tail_decisions WHERE destination = ?');
  }

  insert(destination: string, trace: Uint8Array, decision: TailDecision): void {
    this.insertStatement.run(destination, trace, decision.keep ? 1 : 0, decision.rate, decision.rule);
  }

  /** Deletes the `n` oldest decisions of `destination`. */
  trim(destination: string, n: number): void {
    this.trimStatement.run(destination, n);
  }

  count(destination: string): number {
    return this.countStatement.get(destination)!.n;
  }

  /** The newest `limit` decisions of `destination`, oldest first. */
  load(destination: string, limit: number): StoredDecision[] {
    return this.loadStatement.all(destination, limit).reverse();
  }

  clear(destination: string): void {
    this.clearStatement.run(destination);
  }
}

/** One destination's decisions, in memory and on disk. */
export class DecisionCache {
  /** Hex trace id → encoded decision, oldest first. */
  private readonly recent = new Map<string, number>();
  /** Rows of the destination in `tail_decisions`. */
  private stored = 0;

  constructor(readonly destination: string, private readonly store: DecisionStore) {}

  get(key: string): number | undefined {
    return this.recent.get(key);
  }

  /**
   * Inside the decision's transaction: records `decided` and trims the table to `size` rows,
   * oldest first. Returns the row count to `settle` once the transaction has committed.
   */
  persist(decided: readonly { id: Uint8Array; decision: TailDecision }[], size: number): number {
    for (const { id, decision } of decided) this.store.insert(this.destination, id, decision);
    const rows = this.stored + decided.length;
    if (rows <= size) return rows;
    this.store.trim(this.destination, rows - size);
    return size;
  }

  settle(rows: number): void {
    this.stored = rows;
  }

  /** Remembers a decision in memory; returns true when the oldest one was forgotten to make room. */
  remember(key: string, value: number, size: number): boolean {
    let evicted = false;
    if (this.recent.size >= size && !this.recent.has(key)) {
      this.recent.delete(this.recent.keys().next().value as string);
      evicted = true;
    }
    this.recent.set(key, value);
    return evicted;
  }

  /** Forgets every decision, in memory and on disk (the rules they name changed). */
  clear(): void {
    this.recent.clear();
    this.store.clear(this.destination);
    this.stored = 0;
  }

  /**
   * Start-up: the newest `size` decisions on disk, for the current rules. A decision names its
   * rule; one whose rule is no longer configured is not loaded (as a reload with new rules
   * forgets the cache), and its trace's late spans are decided afresh. Returns how many loaded.
   */
  load(rules: readonly TailRule[], size: number): number {
    this.stored = this.store.count(this.destination);
    if (this.stored > size) {
      this.store.trim(this.destination, this.stored - size);
      this.stored = size;
    }
    let loaded = 0;
    for (const row of this.store.load(this.destination, size)) {
      const index = row.rule === null ? rules.length : rules.findIndex((r) => r.name === row.rule);
      if (index < 0) continue;
      const key = row.trace.toString('hex');
      // A trace decided twice (forgotten, then buffered anew): its latest decision, at its place.
      this.recent.delete(key);
      this.recent.set(key, encodeDecision(index, { keep: row.keep === 1, rate: row.rate, rule: row.rule }));
      loaded++;
    }
    return loaded;
  }
}
