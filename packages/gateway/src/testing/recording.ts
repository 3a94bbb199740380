// What both test sinks (OTLP/HTTP and OTLP/gRPC) remember about the requests they accepted, and
// the bounded wait tests use to see them arrive.
import { decodeLogs, decodeMetrics, decodeTraces, type ExportResult, type Signal } from '@cairn/otlp';
import { countEntries } from '../pipeline/items.js';

export interface ReceivedRequest {
  readonly signal: Signal;
  /** The Export*ServiceRequest in protobuf (JSON bodies are converted), after decompression. */
  readonly body: Uint8Array;
  /** How the body arrived: `protobuf` or `json`. */
  readonly format: 'protobuf' | 'json';
  /** `gzip` when the body was compressed on the wire (HTTP sink only; the gRPC sink cannot see it). */
  readonly encoding: 'gzip' | 'identity';
  /** Bytes on the wire (compressed size when gzip). */
  readonly wireBytes: number;
  /** Lower-cased request headers (HTTP) or metadata (gRPC). */
  readonly headers: Readonly<Record<string, string>>;
  /** Spans, log records or data points. */
  readonly items: number;
  /** Span ids (hex) of a traces request. */
  readonly spanIds: readonly string[];
}

export interface SinkTotals {
  requests: number;
  /** Bytes on the wire. */
  bytes: number;
  spans: number;
  logs: number;
  points: number;
}

const ITEM_KEY: Record<Signal, 'spans' | 'logs' | 'points'> = { traces: 'spans', logs: 'logs', metrics: 'points' };

/** Items and span ids of a request, read through the @cairn/otlp views (validates the body). */
export function inspect(signal: Signal, body: Uint8Array): { items: number; spanIds: string[] } {
  if (signal === 'traces') {
    const view = decodeTraces(body);
    const spanIds: string[] = [];
    const c = view.spans();
    while (c.next()) spanIds.push(c.spanIdHex);
    return { items: view.spanCount, spanIds };
  }
  if (signal === 'logs') return { items: decodeLogs(body).logCount, spanIds: [] };
  return { items: decodeMetrics(body).dataPointCount, spanIds: [] };
}

/**
 * Counts items without validating or decoding anything but tags and lengths (the gateway's own
 * pre-decode count): the blackhole sink must stay cheap next to the gateway it measures.
 * Malformed input counts what it can.
 */
export function countItems(signal: Signal, buf: Uint8Array): number {
  const { counts } = countEntries(signal, buf, Infinity);
  return signal === 'metrics' ? counts.points : counts.records;
}

export class Recording {
  readonly requests: ReceivedRequest[] = [];
  readonly totals: SinkTotals = { requests: 0, bytes: 0, spans: 0, logs: 0, points: 0 };
  private waiters = new Set<() => void>();
  /** Distinct span ids, kept as they arrive: waits over many requests stay linear. */
  private readonly seen = new Set<string>();

  /** Every span id received so far, in arrival order. */
  get spanIds(): string[] {
    return this.requests.flatMap((r) => r.spanIds);
  }

  /** How many distinct spans arrived. */
  get distinctSpans(): number {
    return this.seen.size;
  }

  /** Whether every one of `ids` (hex span ids) has arrived. */
  hasAllSpans(ids: Iterable<string>): boolean {
    for (const id of ids) if (!this.seen.has(id)) return false;
    return true;
  }

  add(request: ReceivedRequest | undefined, signal: Signal, wireBytes: number, items: number): void {
    if (request) {
      this.requests.push(request);
      for (const id of request.spanIds) this.seen.add(id);
    }
    this.totals.requests++;
    this.totals.bytes += wireBytes;
    this.totals[ITEM_KEY[signal]] += items;
    for (const wake of this.waiters) wake();
  }

  /**
   * Resolves once `predicate` holds (checked on every request), rejects after `timeoutMs`: only
   * a bound on how long a failing test waits, so far above what a loaded machine takes.
   */
  waitFor(predicate: (r: Recording) => boolean, timeoutMs = 30_000): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`sink: condition not met within ${timeoutMs} ms (${this.totals.requests} requests received)`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  clear(): void {
    this.requests.length = 0;
    this.seen.clear();
    Object.assign(this.totals, { requests: 0, bytes: 0, spans: 0, logs: 0, points: 0 });
  }
}

/** What the HTTP and gRPC sinks share: the recording, injected failures, partial success, stalls. */
export abstract class RecordingSink<Failure> {
  protected readonly recording = new Recording();
  protected readonly failures: Failure[] = [];
  protected partial: ExportResult | undefined;
  protected stallMs = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Set while `hold()` is in force: every answer waits for it. */
  private held: { promise: Promise<void>; release: () => void } | undefined;

  /** Requests received (empty in blackhole mode). */
  get requests(): readonly ReceivedRequest[] { return this.recording.requests; }
  get totals(): Readonly<SinkTotals> { return this.recording.totals; }
  /** Every span id received, in arrival order. */
  get spanIds(): string[] { return this.recording.spanIds; }
  get distinctSpans(): number { return this.recording.distinctSpans; }
  hasAllSpans(ids: Iterable<string>): boolean { return this.recording.hasAllSpans(ids); }

  /** The next `n` requests get this failure instead of being accepted (they are not recorded). */
  failNext(n: number, failure: Failure): void {
    for (let i = 0; i < n; i++) this.failures.push(failure);
  }

  /** Accepted requests get a partial success answer with these rejected items, until cleared with undefined. */
  partialSuccess(result: ExportResult | undefined): void {
    this.partial = result;
  }

  /** Holds every answer for `ms` before giving it (0 to stop): makes exporters time out. */
  stall(ms: number): void {
    this.stallMs = ms;
  }

  /**
   * Holds every answer until `release()`: a backend that has stopped answering. Unlike a timed
   * stall, what it holds back does not depend on the machine's speed, so tests that need a
   * backlog use this.
   */
  hold(): void {
    if (this.held) return;
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.held = { promise, release };
  }

  protected get holding(): boolean {
    return this.held !== undefined;
  }

  /** Lets every held answer go, and answers at once from now on. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    held?.release();
  }

  /** Resolves once `predicate` holds, rejects after `timeoutMs`. */
  waitFor(predicate: (sink: SinkState) => boolean, timeoutMs = 30_000): Promise<void> {
    return this.recording.waitFor(predicate, timeoutMs);
  }

  /** Forgets what was received (failures and settings stay). */
  clear(): void {
    this.recording.clear();
  }

  /**
   * Records an accepted request (in blackhole mode only its bytes and item count); returns the
   * reason when the body is not a valid request, for a 400 / INVALID_ARGUMENT answer.
   */
  protected accept(arrival: Omit<ReceivedRequest, 'items' | 'spanIds'>, blackhole: boolean): string | undefined {
    const { signal, body, wireBytes } = arrival;
    if (blackhole) {
      this.recording.add(undefined, signal, wireBytes, countItems(signal, body));
      return undefined;
    }
    let seen: { items: number; spanIds: string[] };
    try {
      seen = inspect(signal, body);
    } catch (err) {
      return `bad body: ${(err as Error).message}`;
    }
    this.recording.add({ ...arrival, ...seen }, signal, wireBytes, seen.items);
    return undefined;
  }

  /** Waits out the current stall; `cancelStalls()` ends every wait early (on shutdown). */
  protected stalled(): Promise<void> {
    if (this.held) return this.held.promise;
    if (this.stallMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.timers.delete(t); resolve(); }, this.stallMs);
      this.timers.add(t);
    });
  }

  protected cancelStalls(): void {
    this.release();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export interface SinkState {
  readonly totals: SinkTotals;
  readonly requests: readonly ReceivedRequest[];
  readonly spanIds: string[];
  readonly distinctSpans: number;
  hasAllSpans(ids: Iterable<string>): boolean;
}
