// The audit ledger's data: what the content stages did to one batch, as plain counters that a
// worker thread returns with the processed batch (structured-cloned) and the main thread adds to
// /metrics and /api/strategy/ledger. Values are never stored here: only keys, actions, rules and
// detector names.
//
// Attribute keys come from tenants, so a delta keeps at most MAX_LEDGER_KEYS distinct keys per
// table; the rest are counted under OTHER_KEY so a hostile sender cannot grow the ledger without
// bound.

export const MAX_LEDGER_KEYS = 256;
export const OTHER_KEY = '(other)';

/** One destination's action on one attribute key (or place: `span.name`, `log.body`…). */
export interface LedgerAction {
  readonly destination: string;
  /** The attribute key, or the place for names and bodies (`span.name`, `event.name`, `log.body`). */
  readonly key: string;
  /** `hash`, `mask`, `truncate`, `drop`, `sanitize`. */
  readonly action: string;
  /** The strategy rule that chose it: `sensitivity.pii`, `overrides["url.full"]`, `unknown`, `unknown.scan`, `jurisdictions[0].sensitivity.pii`, `sanitizer.url`… */
  readonly rule: string;
  count: number;
}

/** One detector finding in one service's attribute (counted once per batch, not per destination). */
export interface LedgerFinding {
  readonly service: string;
  readonly key: string;
  readonly detector: string;
  count: number;
}

/** Normalization counts (shared stage, destination-independent). */
export interface LedgerNormalization {
  /** `from` rewritten to its canonical key `to`. */
  readonly renamed: { readonly from: string; readonly to: string; count: number }[];
  /** Both the alias and the canonical key were present: the canonical value won. */
  readonly conflicts: { readonly key: string; count: number }[];
  /** Lossless type coercions (`"200"` → 200 for an int attribute). */
  readonly coerced: { readonly key: string; readonly to: string; count: number }[];
}

/** What the content stages did to one batch. Empty arrays when they did nothing. */
export interface LedgerDelta {
  readonly actions: LedgerAction[];
  readonly findings: LedgerFinding[];
  readonly normalization: LedgerNormalization;
  /** Jurisdiction `when` expressions that failed at run time (counted as false). */
  jurisdictionErrors: number;
}

export function emptyLedgerDelta(): LedgerDelta {
  return { actions: [], findings: [], normalization: { renamed: [], conflicts: [], coerced: [] }, jurisdictionErrors: 0 };
}

export function isEmptyLedgerDelta(d: LedgerDelta): boolean {
  const n = d.normalization;
  return d.actions.length === 0 && d.findings.length === 0 && n.renamed.length === 0 && n.conflicts.length === 0 && n.coerced.length === 0 && d.jurisdictionErrors === 0;
}

/** Writes to any recorder of this thread, for the rewriter's memo of visits without side effects (RewriteVisitor.effects). */
let writes = 0;
export function ledgerWrites(): number {
  return writes;
}

/**
 * Accumulates counters for one batch. Rows are found through a string-keyed map so a repeated
 * (destination, key, action, rule) adds to one row; `delta()` hands out the plain structure.
 */
export class LedgerRecorder {
  private readonly rows = new Map<string, { count: number }>();
  private readonly actionRows = new Map<string, LedgerAction[]>();
  private keys = new Set<string>();
  private d = emptyLedgerDelta();

  /** Bounded key: the first MAX_LEDGER_KEYS distinct keys of the batch, then OTHER_KEY. */
  private bound(key: string): string {
    if (this.keys.size < MAX_LEDGER_KEYS) { this.keys.add(key); return key; }
    if (this.keys.has(key)) return key;
    if (this.keys.size >= MAX_LEDGER_KEYS) return OTHER_KEY;
    this.keys.add(key);
    return key;
  }

  /** Called per redacted value: rows are found by key, then compared, so no string is built. */
  action(destination: string, key: string, action: string, rule: string, n = 1): void {
    writes++;
    const k = this.bound(key);
    let rows = this.actionRows.get(k);
    if (rows === undefined) { rows = []; this.actionRows.set(k, rows); }
    for (const row of rows) {
      if (row.destination === destination && row.action === action && row.rule === rule) { row.count += n; return; }
    }
    const created: LedgerAction = { destination, key: k, action, rule, count: n };
    this.d.actions.push(created);
    rows.push(created);
  }

  finding(service: string, key: string, detector: string, n = 1): void {
    writes++;
    const k = this.bound(key);
    const id = `f\u0000${service}\u0000${k}\u0000${detector}`;
    const row = this.rows.get(id);
    if (row) { row.count += n; return; }
    const created: LedgerFinding = { service, key: k, detector, count: n };
    this.d.findings.push(created);
    this.rows.set(id, created);
  }

  renamed(from: string, to: string): void {
    writes++;
    const f = this.bound(from);
    const id = `r\u0000${f}\u0000${to}`;
    const row = this.rows.get(id);
    if (row) { row.count++; return; }
    const created = { from: f, to, count: 1 };
    this.d.normalization.renamed.push(created);
    this.rows.set(id, created);
  }

  conflict(key: string): void {
    writes++;
    const id = `c\u0000${key}`;
    const row = this.rows.get(id);
    if (row) { row.count++; return; }
    const created = { key, count: 1 };
    this.d.normalization.conflicts.push(created);
    this.rows.set(id, created);
  }

  coerced(key: string, to: string): void {
    writes++;
    const id = `t\u0000${key}\u0000${to}`;
    const row = this.rows.get(id);
    if (row) { row.count++; return; }
    const created = { key, to, count: 1 };
    this.d.normalization.coerced.push(created);
    this.rows.set(id, created);
  }

  jurisdictionError(): void {
    writes++;
    this.d.jurisdictionErrors++;
  }

  /** The counters so far; the recorder starts empty again. */
  take(): LedgerDelta {
    const out = this.d;
    this.d = emptyLedgerDelta();
    this.rows.clear();
    this.actionRows.clear();
    this.keys = new Set();
    return out;
  }
}
