// The inventory on disk: one SQLite file (inventory.db under storage.directory), one row per
// (bucket, group) and per (bucket, group, attribute). A flush merges the live aggregate into the
// stored rows of its bucket (sketches by register maximum) in one transaction, so a restart loses
// at most what arrived since the last flush, and two flushes of one bucket add up.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Signal } from '@cairn/otlp';
import { MergeableSketch } from '../livecheck/hll.js';
import { InventoryAggregate, MAX_VALUES, type AttributeAggregate } from './aggregate.js';
import { OTHER, type Place } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS groups (
  bucket INTEGER NOT NULL, service TEXT NOT NULL, signal TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
  events REAL NOT NULL, observed INTEGER NOT NULL, narrow REAL NOT NULL, errors REAL NOT NULL, errors_narrow REAL NOT NULL,
  PRIMARY KEY (bucket, service, signal, name, kind)
);
CREATE TABLE IF NOT EXISTS attributes (
  bucket INTEGER NOT NULL, service TEXT NOT NULL, signal TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
  place TEXT NOT NULL, key TEXT NOT NULL,
  types TEXT NOT NULL, count REAL NOT NULL, observed INTEGER NOT NULL, bytes INTEGER NOT NULL, sketch BLOB NOT NULL,
  vals TEXT NOT NULL, findings TEXT NOT NULL, scanned INTEGER NOT NULL,
  PRIMARY KEY (bucket, service, signal, name, kind, place, key)
);
CREATE TABLE IF NOT EXISTS routes (
  bucket INTEGER NOT NULL, service TEXT NOT NULL, route TEXT NOT NULL, spans REAL NOT NULL, narrow REAL NOT NULL,
  PRIMARY KEY (bucket, service, route)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

interface AttributeRow {
  service: string; signal: Signal; name: string; kind: string; place: Place; key: string;
  types: string; count: number; observed: number; bytes: number; sketch: Uint8Array; vals: string; findings: string; scanned: number;
}

interface GroupRow {
  service: string; signal: Signal; name: string; kind: string; events: number; observed: number; narrow: number; errors: number; errors_narrow: number;
}

export interface LoadFilter {
  from: number;
  to: number;
  /** Only these services ('all': every one). */
  services: 'all' | ReadonlySet<string>;
}

export class InventoryStore {
  private readonly db: Database.Database;

  constructor(readonly path: string, synchronous: 'normal' | 'full' = 'normal') {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  /** Read-only access for `cairn report` on a gateway's file. */
  static openReadOnly(path: string): InventoryStore {
    return new InventoryStore(path);
  }

  /** Adds `aggregate` (what arrived in `bucket`) to the stored rows, in one transaction. */
  save(bucket: number, aggregate: InventoryAggregate): void {
    const getGroup = this.db.prepare<[number, string, string, string, string], GroupRow>('SELECT * FROM groups WHERE bucket = ? AND service = ? AND signal = ? AND name = ? AND kind = ?');
    const putGroup = this.db.prepare('INSERT OR REPLACE INTO groups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const getAttr = this.db.prepare<[number, string, string, string, string, string, string], AttributeRow>('SELECT * FROM attributes WHERE bucket = ? AND service = ? AND signal = ? AND name = ? AND kind = ? AND place = ? AND key = ?');
    const putAttr = this.db.prepare('INSERT OR REPLACE INTO attributes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const putRoute = this.db.prepare('INSERT INTO routes VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET spans = spans + excluded.spans, narrow = narrow + excluded.narrow');
    this.db.transaction(() => {
      for (const g of aggregate.groups.values()) {
        const old = getGroup.get(bucket, g.service, g.signal, g.name, g.kind);
        putGroup.run(bucket, g.service, g.signal, g.name, g.kind, g.events + (old?.events ?? 0), g.observed + (old?.observed ?? 0), g.narrow + (old?.narrow ?? 0), g.errors + (old?.errors ?? 0), g.errorsNarrow + (old?.errors_narrow ?? 0));
        for (const a of g.attributes.values()) {
          const row = getAttr.get(bucket, g.service, g.signal, g.name, g.kind, a.place, a.key);
          const merged = row ? mergeRow(a, row) : a;
          putAttr.run(bucket, g.service, g.signal, g.name, g.kind, a.place, a.key, JSON.stringify([...merged.types].sort()), merged.count, merged.observed, merged.bytes,
            merged.sketch.toBytes(), JSON.stringify(Object.fromEntries(merged.values)), JSON.stringify(Object.fromEntries(merged.findings)), merged.scanned);
        }
      }
      for (const r of aggregate.routes.values()) putRoute.run(bucket, r.service, r.route, r.spans, r.narrow);
    })();
  }

  /** Everything stored for buckets starting in [from, to), for the chosen services, merged. */
  load(filter: LoadFilter): InventoryAggregate {
    const out = new InventoryAggregate();
    const allowed = (service: string): boolean => filter.services === 'all' || filter.services.has(service);
    const groups = this.db.prepare<[number, number], GroupRow>('SELECT service, signal, name, kind, events, observed, narrow, errors, errors_narrow FROM groups WHERE bucket >= ? AND bucket < ?').all(filter.from, filter.to);
    for (const g of groups) {
      if (!allowed(g.service)) continue;
      out.addGroup({ ...g, errorsNarrow: g.errors_narrow, attributes: [] });
    }
    const attrs = this.db.prepare<[number, number], AttributeRow>('SELECT * FROM attributes WHERE bucket >= ? AND bucket < ?').iterate(filter.from, filter.to);
    for (const a of attrs) {
      if (!allowed(a.service)) continue;
      out.addGroup({ service: a.service, signal: a.signal, name: a.name, kind: a.kind, events: 0, observed: 0, narrow: 0, errors: 0, errorsNarrow: 0, attributes: [fromRow(a)] });
    }
    const routes = this.db.prepare<[number, number], { service: string; route: string; spans: number; narrow: number }>('SELECT service, route, spans, narrow FROM routes WHERE bucket >= ? AND bucket < ?').all(filter.from, filter.to);
    for (const r of routes) if (allowed(r.service)) out.addRoute(r);
    return out;
  }

  /** Drops buckets that start before `before`; returns how many rows went. */
  prune(before: number): number {
    let n = 0;
    this.db.transaction(() => {
      for (const table of ['groups', 'attributes', 'routes']) n += this.db.prepare(`DELETE FROM ${table} WHERE bucket < ?`).run(before).changes;
    })();
    return n;
  }

  /** The first and last bucket stored, if any. */
  span(): { first: number; last: number } | undefined {
    const row = this.db.prepare<[], { first: number | null; last: number | null }>('SELECT min(bucket) AS first, max(bucket) AS last FROM groups').get();
    return row?.first == null || row.last == null ? undefined : { first: row.first, last: row.last };
  }

  close(): void {
    this.db.close();
  }
}

function fromRow(row: AttributeRow): AttributeAggregate {
  return {
    key: row.key, place: row.place, types: new Set(JSON.parse(row.types) as string[]), count: row.count, observed: row.observed, bytes: row.bytes,
    sketch: MergeableSketch.fromBytes(row.sketch), values: new Map(Object.entries(JSON.parse(row.vals) as Record<string, number>)),
    findings: new Map(Object.entries(JSON.parse(row.findings) as Record<string, number>)), scanned: row.scanned,
  };
}

function mergeRow(a: AttributeAggregate, row: AttributeRow): AttributeAggregate {
  const old = fromRow(row);
  const sketch = old.sketch;
  sketch.merge(a.sketch);
  const values = old.values;
  for (const [v, n] of a.values) {
    const key = values.has(v) || values.size < MAX_VALUES ? v : OTHER;
    values.set(key, (values.get(key) ?? 0) + n);
  }
  const findings = new Map(old.findings);
  for (const [d, n] of a.findings) findings.set(d, (findings.get(d) ?? 0) + n);
  return {
    key: a.key, place: a.place, types: new Set([...old.types, ...a.types]), count: old.count + a.count, observed: old.observed + a.observed,
    bytes: old.bytes + a.bytes, sketch, values, findings, scanned: old.scanned + a.scanned,
  };
}
