import type { Signal } from '@cairn/otlp';
import type { Logger } from 'pino';
import type { Dispatcher } from '../delivery/dispatcher.js';
import { QueueFullError, type QueueStore } from '../queue/types.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { ProcessorPool } from '../workers/pool.js';
import type { BodyFormat, DestinationOutput } from './process.js';
import { countEntries, entriesOf, INDEX_BYTES_PER_ENTRY, tooManyItems } from './items.js';
import type { TailSampling } from '../stages/tail/runner.js';
import type { TailOutput } from '../stages/tail/sampler.js';

function isTailOutput(o: DestinationOutput): o is TailOutput {
  return o.tail !== undefined;
}

/** What a receiver tells its client. */
export type IngestOutcome =
  | { kind: 'accepted'; rejectedItems: number; message?: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'forbidden'; message: string }
  /** Try again later: HTTP 503 / gRPC UNAVAILABLE. */
  | { kind: 'unavailable'; reason: 'queue_full' | 'stopping' | 'internal'; message: string; retryAfterSeconds: number }
  /** Too much in flight right now: HTTP 429 / gRPC RESOURCE_EXHAUSTED. */
  | { kind: 'overloaded'; message: string; retryAfterSeconds: number };

/** A request refused before its body is read. */
export type Admission = Extract<IngestOutcome, { kind: 'unavailable' | 'overloaded' }>;

const STOPPING: Admission = { kind: 'unavailable', reason: 'stopping', message: 'the gateway is shutting down', retryAfterSeconds: 1 };
const OVERLOADED: Admission = { kind: 'overloaded', message: 'too much data in flight; retry later', retryAfterSeconds: 1 };

/**
 * The bytes one request holds against the in-flight budget: what was reserved at admission (the
 * declared body size), what decompression added, and the codec's index for its entries.
 */
export class Reservation {
  bytes = 0;
}

/**
 * JSON bodies are converted to protobuf on a processing thread; until then their entries are
 * unknown. They reserve this many times their size: the text as a string, and the protobuf
 * writer's buffer while it doubles. Their index is bounded on that thread by the item limit.
 */
const JSON_FACTOR = 4;

/**
 * The main thread's half of the pipeline: hands a request to a processing thread, commits what
 * comes back to the queue of every matched destination in one transaction, and only then says
 * "accepted". Memory is bounded by the bytes of requests in flight, not by counting spans.
 */
export class Ingest {
  private inFlightBytes = 0;
  private stopping = false;
  private pending = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly pool: ProcessorPool,
    private readonly store: QueueStore,
    private readonly dispatchers: ReadonlyMap<string, Dispatcher>,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly maxInFlightBytes: number,
    private readonly maxItems: number,
    /** Tail sampling: buffers traces of tail-sampled destinations in the queue's transaction. */
    private readonly tail?: TailSampling,
  ) {}

  /** Reserves room for a request body; an Admission is a refusal: answer without reading the body. */
  admit(bytes: number): Admission | Reservation {
    if (this.stopping) return STOPPING;
    if (this.inFlightBytes > 0 && this.inFlightBytes + bytes > this.maxInFlightBytes) return OVERLOADED;
    const reservation = new Reservation();
    reservation.bytes = bytes;
    this.inFlightBytes += bytes;
    this.metrics.inFlightBytes.set(this.inFlightBytes);
    return reservation;
  }

  /**
   * Adds `bytes` to a request's reservation (decompressed output, index), or refuses when the
   * budget is spent by other requests. A request alone may pass the budget: its own size limits
   * (max_decompressed_size, max_items_per_request) bound it, and it is never refused forever.
   */
  grow(reservation: Reservation, bytes: number): boolean {
    if (this.inFlightBytes > reservation.bytes && this.inFlightBytes + bytes > this.maxInFlightBytes) return false;
    reservation.bytes += bytes;
    this.inFlightBytes += bytes;
    this.metrics.inFlightBytes.set(this.inFlightBytes);
    return true;
  }

  /** Sets a reservation to `bytes`; for trimming a worst-case reservation to what arrived. */
  resize(reservation: Reservation, bytes: number): void {
    this.inFlightBytes = Math.max(0, this.inFlightBytes + bytes - reservation.bytes);
    reservation.bytes = bytes;
    this.metrics.inFlightBytes.set(this.inFlightBytes);
  }

  release(reservation: Reservation): void {
    this.inFlightBytes = Math.max(0, this.inFlightBytes - reservation.bytes);
    reservation.bytes = 0;
    this.metrics.inFlightBytes.set(this.inFlightBytes);
  }

  /**
   * Counts a protobuf request's entries (resource groups, scope groups, records, data points),
   * refuses it past `max_items_per_request`, and reserves the index the codec will build for them.
   */
  private reserveIndex(signal: Signal, format: BodyFormat, body: Uint8Array, reservation: Reservation): IngestOutcome | undefined {
    if (format === 'json') return this.grow(reservation, body.byteLength * JSON_FACTOR) ? undefined : OVERLOADED;
    const { counts, overflow } = countEntries(signal, body, this.maxItems);
    if (overflow) return { kind: 'invalid', message: tooManyItems(signal, overflow, this.maxItems) };
    return this.grow(reservation, entriesOf(counts) * INDEX_BYTES_PER_ENTRY) ? undefined : OVERLOADED;
  }

  /** Refuses new work and resolves once every request already inside has been answered. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.pending === 0) return;
    await Promise.race([new Promise<void>((resolve) => this.idle.push(resolve)), new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  async accept(receiver: string, signal: Signal, format: BodyFormat, body: Uint8Array, tenant: string, reservation: Reservation): Promise<IngestOutcome> {
    if (this.stopping) return STOPPING;
    this.pending++;
    const started = performance.now();
    const labels = { receiver, signal, tenant };
    // Read before processing: the body's buffer may move to a worker thread and be detached here.
    const bytes = body.byteLength;
    this.metrics.receivedBytes.inc(labels, bytes);
    try {
      const refused = this.reserveIndex(signal, format, body, reservation);
      if (refused) {
        const reason = refused.kind === 'invalid' ? 'too_many_items' : 'in_flight';
        this.metrics.refusedRequests.inc({ receiver, reason });
        this.metrics.refusedBytes.inc({ ...labels, reason }, bytes);
        return refused;
      }
      let result;
      try {
        result = await this.pool.process({ signal, format, body, tenant });
      } catch (error) {
        this.logger.error({ err: error, receiver, signal, tenant }, 'processing failed');
        this.metrics.refusedRequests.inc({ receiver, reason: 'internal' });
        this.metrics.refusedBytes.inc({ ...labels, reason: 'internal' }, bytes);
        return { kind: 'unavailable', reason: 'internal', message: 'processing failed; retry', retryAfterSeconds: 1 };
      }
      if (!result.ok) {
        this.metrics.refusedRequests.inc({ receiver, reason: result.status });
        this.metrics.refusedBytes.inc({ ...labels, reason: result.status }, bytes);
        return result.status === 'invalid' ? { kind: 'invalid', message: result.message } : { kind: 'forbidden', message: result.message };
      }
      this.metrics.received.inc(labels, result.items);
      if (result.rejectedItems > 0) this.metrics.refused.inc({ ...labels, reason: 'malformed' }, result.rejectedItems);
      try {
        const tailed = this.tail ? result.outputs.filter(isTailOutput) : [];
        const queued = result.outputs.filter((o) => !this.tail || !o.tail).map((o) => ({ destination: o.destination, tenant, signal, body: o.body, items: o.items }));
        if (tailed.length > 0) this.tail!.commit(tenant, tailed, queued);
        else if (queued.length > 0) this.store.enqueue(queued);
      } catch (error) {
        if (error instanceof QueueFullError) {
          this.metrics.refused.inc({ ...labels, reason: 'queue_full' }, result.items - result.rejectedItems);
          this.metrics.refusedBytes.inc({ ...labels, reason: 'queue_full' }, bytes);
          return { kind: 'unavailable', reason: 'queue_full', message: error.message, retryAfterSeconds: 5 };
        }
        this.logger.error({ err: error, receiver, signal, tenant }, 'queue commit failed');
        this.metrics.refused.inc({ ...labels, reason: 'internal' }, result.items - result.rejectedItems);
        this.metrics.refusedBytes.inc({ ...labels, reason: 'internal' }, bytes);
        return { kind: 'unavailable', reason: 'internal', message: 'the queue could not commit the batch; retry', retryAfterSeconds: 5 };
      }
      this.metrics.accepted.inc(labels, result.items - result.rejectedItems);
      this.metrics.acceptedBytes.inc(labels, bytes);
      if (result.unroutedItems > 0) this.metrics.unrouted.inc({ signal, tenant }, result.unroutedItems);
      for (const output of result.outputs) this.dispatchers.get(output.destination)?.notify();
      const accepted: IngestOutcome = { kind: 'accepted', rejectedItems: result.rejectedItems };
      if (result.rejectMessage) accepted.message = result.rejectMessage;
      return accepted;
    } finally {
      this.metrics.processing.observe({ receiver, signal }, (performance.now() - started) / 1000);
      this.pending--;
      if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
