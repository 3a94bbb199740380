// The SLO counts and alert states on disk: `slo.db` under storage.directory, its own SQLite file
// (the queue's file stays the queue's). Per SLO and minute: weighted good, bad and unjudgeable,
// and per key that `good` reads, how many matching events lacked it. Alert states and their
// history survive a restart with the counts, so a firing alert is not notified twice.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AlertState } from './alerts.js';
import type { MinuteRow } from './evaluate.js';

export interface StoredMinute extends MinuteRow {
  minute: number;
  /** Matching events per `good` key that they lacked. */
  missing: Record<string, number>;
}

export interface HistoryEntry {
  slo: string;
  alert: string;
  state: 'firing' | 'resolved';
  at: number;
  burnRates: Record<string, number>;
}

export class SloStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS slo (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_minute INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS minute (slo TEXT NOT NULL, minute INTEGER NOT NULL, good REAL NOT NULL, bad REAL NOT NULL,
        unjudgeable REAL NOT NULL, missing TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (slo, minute)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS alert (slo TEXT NOT NULL, alert TEXT NOT NULL, state TEXT NOT NULL, since INTEGER, pending_since INTEGER,
        PRIMARY KEY (slo, alert)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, slo TEXT NOT NULL, alert TEXT NOT NULL, state TEXT NOT NULL,
        at INTEGER NOT NULL, burn_rates TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS history_slo ON history (slo, id);
    `);
    this.upsert = this.db.prepare('INSERT OR REPLACE INTO minute (slo, minute, good, bad, unjudgeable, missing) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /**
   * The minute an SLO began to count. A new SLO, or one whose indicator, objective or window
   * changed (another fingerprint), starts now with a full budget: its old counts are deleted.
   */
  register(name: string, fingerprint: string, nowMinute: number): number {
    const row = this.db.prepare('SELECT fingerprint, created_minute AS created FROM slo WHERE name = ?').get(name) as { fingerprint: string; created: number } | undefined;
    if (row && row.fingerprint === fingerprint) return row.created;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM minute WHERE slo = ?').run(name);
      this.db.prepare('DELETE FROM alert WHERE slo = ?').run(name);
      this.db.prepare('INSERT OR REPLACE INTO slo (name, fingerprint, created_minute) VALUES (?, ?, ?)').run(name, fingerprint, nowMinute);
    })();
    return nowMinute;
  }

  minutes(slo: string, from: number): StoredMinute[] {
    const rows = this.db.prepare('SELECT minute, good, bad, unjudgeable, missing FROM minute WHERE slo = ? AND minute >= ? ORDER BY minute').all(slo, from) as (MinuteRow & { minute: number; missing: string })[];
    return rows.map((r) => ({ minute: r.minute, good: r.good, bad: r.bad, unjudgeable: r.unjudgeable, missing: JSON.parse(r.missing) as Record<string, number> }));
  }

  /** Writes the given minutes (whole rows: the caller holds the sums) in one transaction. */
  write(rows: readonly { slo: string; row: StoredMinute }[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const { slo, row } of rows) this.upsert.run(slo, row.minute, row.good, row.bad, row.unjudgeable, JSON.stringify(row.missing));
    })();
  }

  /** Deletes minutes older than `before` for one SLO. */
  prune(slo: string, before: number): void {
    this.db.prepare('DELETE FROM minute WHERE slo = ? AND minute < ?').run(slo, before);
  }

  alertStates(slo: string): Map<string, AlertState> {
    const rows = this.db.prepare('SELECT alert, state, since, pending_since AS pendingSince FROM alert WHERE slo = ?').all(slo) as (AlertState & { alert: string })[];
    return new Map(rows.map((r) => [r.alert, { state: r.state, since: r.since, pendingSince: r.pendingSince }]));
  }

  saveAlert(slo: string, alert: string, s: AlertState, event?: HistoryEntry): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO alert (slo, alert, state, since, pending_since) VALUES (?, ?, ?, ?, ?)').run(slo, alert, s.state, s.since, s.pendingSince);
      if (event) this.db.prepare('INSERT INTO history (slo, alert, state, at, burn_rates) VALUES (?, ?, ?, ?, ?)').run(event.slo, event.alert, event.state, event.at, JSON.stringify(event.burnRates));
    })();
  }

  /** The last `limit` transitions of an SLO, oldest first. */
  history(slo: string, limit = 50): HistoryEntry[] {
    const rows = this.db.prepare('SELECT slo, alert, state, at, burn_rates AS burnRates FROM history WHERE slo = ? ORDER BY id DESC LIMIT ?').all(slo, limit) as (Omit<HistoryEntry, 'burnRates'> & { burnRates: string })[];
    return rows.reverse().map((r) => ({ ...r, burnRates: JSON.parse(r.burnRates) as Record<string, number> }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
