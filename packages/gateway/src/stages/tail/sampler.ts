// Tail sampling on the main thread: buffers each tail-sampled destination's spans by trace in
// the durable trace buffer (buffer.ts) in the same transaction as the request's queue commit,
// keeps a small index per undecided trace in memory, and decides traces when their
// decision_wait is over, or early (span or byte limit, buffer overflow). Kept traces move to the
// destination's queue in one transaction with their deletion from the buffer: a crash at any
// point leaves each span either buffered or queued, never neither. In dry run every trace is
// delivered, marked with what its decision would have done (stamp.ts).
import { decodeTraces } from '@cairn/otlp';
import { QueueFullError, type EnqueueEntry } from '../../queue/types.js';
import type { TraceBufferStore, BufferedPart } from './buffer.js';
import type { TailConfig } from './config.js';
import type { DecisionReason, TailCounts } from './counts.js';
import { DecisionStore, decodeDecision, encodeDecision, keepOf, rateOf } from './decisions.js';
import { decideTrace, type TailDecision, type TailRule } from './rules.js';
import type { TraceSlices } from './split.js';
import { DestinationState, TraceEntry } from './state.js';
import { weightStamper, type KeptStamper } from './stamp.js';

export interface TailDestination {
  config: TailConfig;
  rules: readonly TailRule[];
  /** `sampling.dry_run`: deliver every trace, marked with its decision, instead of dropping. */
  dryRun?: boolean;
}

/** A processing thread's output for a tail-sampled destination: its body split by trace. */
export interface TailOutput {
  destination: string;
  body: Uint8Array;
  items: number;
  tail: TraceSlices;
}

export interface TailSamplerOptions {
  store: TraceBufferStore;
  destinations: ReadonlyMap<string, TailDestination>;
  counts: TailCounts;
  /** Commits queue entries; throws QueueFullError when a destination queue is full. */
  enqueue: (entries: EnqueueEntry[]) => void;
  /** Kept traces were queued for `destination`. */
  notify?: (destination: string) => void;
  /** Wall-clock milliseconds (buffered rows carry it, so a restart knows how long they waited). */
  now?: () => number;
  stamper?: KeptStamper;
}

function hexOf(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, 16).toString('hex');
}

/**
 * Dry run: spans the per-span samplers would have dropped (marked `kept=false` before the
 * buffer). They would never have reached tail sampling, so its counts leave them out: the
 * destination's totals then count each would-be drop once.
 */
const marked = { spans: 0 };

/** Bytes per queue batch when kept traces are gathered for a destination. */
const KEPT_BATCH_BYTES = 1024 * 1024;

export class TailSampler {
  private readonly states = new Map<string, DestinationState>();
  private readonly store: TraceBufferStore;
  private readonly decisions: DecisionStore;
  private readonly counts: TailCounts;
  private readonly enqueue: (entries: EnqueueEntry[]) => void;
  private readonly notify: (destination: string) => void;
  private readonly now: () => number;
  private readonly stamper: KeptStamper;

  constructor(options: TailSamplerOptions) {
    this.store = options.store;
    this.decisions = new DecisionStore(options.store.db);
    this.counts = options.counts;
    this.enqueue = options.enqueue;
    this.notify = options.notify ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.stamper = options.stamper ?? weightStamper;
    for (const [name, d] of options.destinations) this.states.set(name, this.stateOf(name, d));
  }

  private stateOf(name: string, d: TailDestination): DestinationState {
    return new DestinationState(name, d.config, d.rules, d.dryRun === true, this.decisions);
  }

  has(destination: string): boolean {
    return this.states.has(destination);
  }

  /**
   * New settings (a strategy reload). Buffered traces stay and are decided by the new rules; a
   * destination that is no longer tail-sampled has its buffered traces delivered whole, now.
   */
  reconfigure(destinations: ReadonlyMap<string, TailDestination>, fallback: TailConfig): void {
    for (const [name, d] of destinations) {
      const state = this.states.get(name);
      if (!state) {
        // A destination newly tail-sampled: what it decided when it was before, if anything.
        const added = this.stateOf(name, d);
        added.cache.load(d.rules, d.config.decisionCacheSize);
        this.states.set(name, added);
      } else {
        // Cached decisions name their rule by index: new rules make them unreadable.
        if (JSON.stringify(state.config.rules) !== JSON.stringify(d.config.rules)) state.cache.clear();
        state.config = d.config;
        state.rules = d.rules;
        state.dryRun = d.dryRun === true;
      }
    }
    for (const [name, state] of this.states) {
      if (destinations.has(name)) continue;
      state.config = fallback;
      state.rules = [];
      state.dryRun = false;
      for (const [key, entry] of state.traces) if (!entry.urgent) state.markUrgent(key, entry, 'wait');
      if (state.traces.size === 0) this.states.delete(name);
    }
  }

  /** Undecided traces and their bytes per destination (gauges, tests). */
  buffered(): { destination: string; traces: number; bytes: number }[] {
    return [...this.states.values()].map((d) => ({ destination: d.name, traces: d.traces.size, bytes: d.bytes }));
  }

  /** Rule evaluations that threw, per destination. */
  ruleErrors(destination: string): number {
    return this.states.get(destination)?.errors.count ?? 0;
  }

  /**
   * Rebuilds the index from the buffer file (start-up): every trace a previous process buffered
   * and did not decide. Its wait continues from when it was first buffered. A destination no
   * longer tail-sampled gets its traces delivered whole. The decisions the previous process
   * recorded are loaded into the decision cache, so late spans of those traces still follow them.
   */
  restore(known: ReadonlySet<string>, fallback: TailConfig): { traces: number; unknown: number; decisions: number } {
    let traces = 0;
    let unknown = 0;
    let decisions = 0;
    for (const d of this.states.values()) decisions += d.cache.load(d.rules, d.config.decisionCacheSize);
    for (const t of this.store.undecided()) {
      let d = this.states.get(t.destination);
      if (!d) {
        if (!known.has(t.destination)) {
          unknown++;
          continue;
        }
        this.states.set(t.destination, (d = new DestinationState(t.destination, fallback, [], false, this.decisions)));
      }
      const entry = new TraceEntry(t.receivedAt);
      entry.spans = t.spans;
      entry.bytes = t.bytes;
      const key = t.trace.toString('hex');
      d.traces.set(key, entry);
      d.bytes += entry.bytes;
      if (d.rules.length === 0 && fallback === d.config) d.markUrgent(key, entry, 'restart');
      else d.checkLimits(key, entry);
      traces++;
    }
    for (const d of this.states.values()) d.checkOverflow();
    return { traces, unknown, decisions };
  }

  /**
   * Commits a request: `queued` (outputs of other destinations) to the queue and each tail
   * output's traces to the buffer, in one transaction. Parts of traces decided already follow
   * the cached decision: kept ones go to the queue in the same transaction, dropped ones are
   * counted. Throws what the queue throws (QueueFullError), and QueueFullError when a
   * destination's buffer is full while its queue is (backpressure instead of unbounded growth).
   */
  commit(tenant: string, outputs: readonly TailOutput[], queued: EnqueueEntry[]): void {
    const now = this.now();
    const inserts: { d: DestinationState; key: string; id: Uint8Array; spans: number; body: Uint8Array }[] = [];
    const late: { d: DestinationState; value: number; spans: number }[] = [];
    const entries = queued.slice();
    for (const output of outputs) {
      const d = this.states.get(output.destination);
      if (!d) {
        entries.push({ destination: output.destination, tenant, signal: 'traces', body: output.body, items: output.items });
        continue;
      }
      if (d.blocked && d.bytes >= d.config.bufferMaxBytes) throw new QueueFullError(d.name, d.bytes, d.config.bufferMaxBytes);
      const { traceIds, ends, spans } = output.tail;
      // Late parts that go to the queue (kept ones; every one in dry run), by decision.
      const delivered = new Map<number, { bodies: Uint8Array[]; spans: number }>();
      let start = 0;
      for (let t = 0; t < ends.length; t++) {
        const id = traceIds.subarray(t * 16, t * 16 + 16);
        const body = output.body.subarray(start, ends[t]!);
        start = ends[t]!;
        const key = hexOf(id);
        const cached = d.cache.get(key);
        if (cached === undefined) {
          inserts.push({ d, key, id, spans: spans[t]!, body });
          continue;
        }
        if (!d.dryRun && !keepOf(cached)) {
          late.push({ d, value: cached, spans: spans[t]! });
          continue;
        }
        let group = delivered.get(cached);
        if (!group) delivered.set(cached, (group = { bodies: [], spans: 0 }));
        group.bodies.push(body);
        group.spans += spans[t]!;
      }
      for (const [value, group] of delivered) {
        marked.spans = 0;
        entries.push({ destination: d.name, tenant, signal: 'traces', body: this.weigh(d, Buffer.concat(group.bodies), keepOf(value), rateOf(value)), items: group.spans });
        late.push({ d, value, spans: group.spans - marked.spans });
      }
    }
    this.store.transaction(() => {
      for (const p of inserts) this.store.insert(p.d.name, p.id, tenant, p.spans, p.body, now);
      if (entries.length > 0) this.enqueue(entries);
    });
    for (const p of inserts) {
      let entry = p.d.traces.get(p.key);
      if (!entry) p.d.traces.set(p.key, (entry = new TraceEntry(now)));
      entry.spans += p.spans;
      entry.bytes += p.body.byteLength;
      p.d.bytes += p.body.byteLength;
      if (entry.urgent) p.d.urgentBytes += p.body.byteLength;
      else p.d.checkLimits(p.key, entry);
    }
    for (const l of late) {
      if (l.spans === 0) continue;
      const { rule, keep, rate } = decodeDecision(l.d.rules, l.value);
      this.counts.spanCount(l.d.name, rule, keep, true, rate, l.spans);
    }
    for (const output of outputs) {
      const d = this.states.get(output.destination);
      if (d) d.checkOverflow();
    }
  }

  /** True when some trace is waiting for an early decision. */
  get hasUrgent(): boolean {
    for (const d of this.states.values()) if (d.urgent.length > 0) return true;
    return false;
  }

  /** When the oldest undecided trace's wait ends (ms, the sampler's clock), or undefined. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const d of this.states.values()) {
      for (const entry of d.traces.values()) {
        const due = entry.firstSeen + d.config.decisionWaitMs;
        if (next === undefined || due < next) next = due;
        break;
      }
    }
    return next;
  }

  /**
   * Decides up to `limit` traces per destination: the urgent ones first, then those whose wait is
   * over, oldest first. Returns how many were decided. A destination whose queue is full keeps
   * its traces buffered for the next round.
   */
  decide(limit = 256): number {
    const now = this.now();
    let decided = 0;
    for (const d of this.states.values()) {
      const batch: { key: string; entry: TraceEntry; reason: DecisionReason }[] = [];
      const taken: string[] = [];
      while (d.urgent.length > 0 && batch.length < limit) {
        const key = d.urgent.shift()!;
        taken.push(key);
        const entry = d.traces.get(key);
        if (entry?.urgent) batch.push({ key, entry, reason: entry.urgent });
      }
      if (batch.length < limit) {
        for (const [key, entry] of d.traces) {
          if (entry.firstSeen + d.config.decisionWaitMs > now) break;
          if (entry.urgent) continue;
          batch.push({ key, entry, reason: 'wait' });
          if (batch.length >= limit) break;
        }
      }
      if (batch.length === 0) continue;
      let round: DecidedBatch;
      try {
        round = this.store.transaction(() => this.decideBatch(d, batch));
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
        d.blocked = true;
        d.urgent.unshift(...taken);
        this.counts.queueFull.inc({ destination: d.name });
        continue;
      }
      d.blocked = false;
      d.cache.settle(round.stored);
      batch.forEach(({ key, entry, reason }, i) => {
        const { decision, ruleIndex, spans } = round.results[i]!;
        d.traces.delete(key);
        d.bytes -= entry.bytes;
        if (entry.urgent) d.urgentBytes -= entry.bytes;
        if (d.cache.remember(key, encodeDecision(ruleIndex, decision), d.config.decisionCacheSize)) this.counts.cacheEvictions.inc({ destination: d.name });
        this.counts.trace(d.name, decision.rule, decision.keep, reason, decision.rate, spans);
      });
      decided += batch.length;
      if (round.delivered) this.notify(d.name);
    }
    return decided;
  }

  /** Decides every buffered trace now, whatever its wait (tests, shutdown is not one: buffered traces survive it). */
  decideAll(): number {
    let total = 0;
    for (const d of this.states.values()) for (const [key, entry] of d.traces) if (!entry.urgent) d.markUrgent(key, entry, 'wait');
    for (let n = this.decide(); n > 0; n = this.decide()) total += n;
    return total;
  }

  /**
   * Inside the transaction: read, evaluate, delete, queue the kept parts (every part in dry run),
   * record the decisions for late spans.
   */
  private decideBatch(d: DestinationState, batch: readonly { key: string }[]): DecidedBatch {
    const out: DecidedTrace[] = [];
    const kept = new Map<string, KeptGroup>();
    const entries: EnqueueEntry[] = [];
    const flush = (tenant: string, group: KeptGroup): void => {
      if (group.bodies.length === 0) return;
      entries.push({ destination: d.name, tenant, signal: 'traces', body: Buffer.concat(group.bodies), items: group.spans });
      group.bodies = [];
      group.bytes = 0;
      group.spans = 0;
    };
    for (const { key } of batch) {
      const id = Buffer.from(key, 'hex');
      const parts = this.store.read(d.name, id);
      const { decision, ruleIndex } = this.evaluate(d, parts, id);
      let spans = 0;
      for (const p of parts) spans += p.spans;
      this.store.delete(d.name, id);
      const result: DecidedTrace = { id, decision, ruleIndex, spans };
      out.push(result);
      if ((!decision.keep && !d.dryRun) || parts.length === 0) continue;
      marked.spans = 0;
      const byTenant = new Map<string, { bodies: Uint8Array[]; spans: number }>();
      for (const p of parts) {
        let list = byTenant.get(p.tenant);
        if (!list) byTenant.set(p.tenant, (list = { bodies: [], spans: 0 }));
        list.bodies.push(p.body);
        list.spans += p.spans;
      }
      for (const [tenant, mine] of byTenant) {
        const body = this.weigh(d, mine.bodies.length === 1 ? mine.bodies[0]! : Buffer.concat(mine.bodies), decision.keep, decision.rate);
        let group = kept.get(tenant);
        if (!group) kept.set(tenant, (group = { bodies: [], bytes: 0, spans: 0 }));
        group.bodies.push(body);
        group.bytes += body.byteLength;
        group.spans += mine.spans;
        if (group.bytes >= KEPT_BATCH_BYTES) flush(tenant, group);
      }
      result.spans -= marked.spans;
    }
    for (const [tenant, group] of kept) flush(tenant, group);
    if (entries.length > 0) this.enqueue(entries);
    return { results: out, delivered: entries.length > 0, stored: d.cache.persist(out, d.config.decisionCacheSize) };
  }

  /**
   * A kept part with its weight written, or in dry run any part marked with its decision; adds to
   * `marked.spans` the spans the per-span samplers' dry run had already marked as dropped.
   */
  private weigh(d: DestinationState, body: Uint8Array, keep: boolean, rate: number): Uint8Array {
    return d.dryRun ? this.stamper.mark(body, keep, rate, marked) : this.stamper.stamp(body, rate);
  }

  private evaluate(d: DestinationState, parts: readonly BufferedPart[], id: Uint8Array): { decision: TailDecision; ruleIndex: number } {
    const none = { decision: { keep: true, rule: null, rate: 1 }, ruleIndex: d.rules.length };
    if (parts.length === 0 || d.rules.length === 0) return none;
    let trace;
    try {
      const bytes = parts.length === 1 ? parts[0]!.body : Buffer.concat(parts.map((p) => p.body));
      trace = decodeTraces(bytes, { maxMessageBytes: bytes.length, maxAttributes: 1 << 20, maxDepth: 64 });
    } catch {
      // Never lose acknowledged spans to a decode surprise: keep them, and count it.
      d.errors.count++;
      this.counts.ruleErrors.inc({ destination: d.name });
      return none;
    }
    const before = d.errors.count;
    const decision = decideTrace(d.rules, trace, id, d.errors);
    if (d.errors.count > before) this.counts.ruleErrors.inc({ destination: d.name }, d.errors.count - before);
    const ruleIndex = decision.rule === null ? d.rules.length : d.rules.findIndex((r) => r.name === decision.rule);
    return { decision, ruleIndex };
  }
}

interface DecidedTrace {
  id: Uint8Array;
  decision: TailDecision;
  ruleIndex: number;
  spans: number;
}

interface DecidedBatch {
  results: DecidedTrace[];
  /** Something was queued for the destination. */
  delivered: boolean;
  /** Rows of the destination's decisions on disk once the transaction commits. */
  stored: number;
}

interface KeptGroup {
  bodies: Uint8Array[];
  bytes: number;
  spans: number;
}
