import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeadLetterStats, QueueStore } from '../queue/types.js';
import { StrategyLedger } from './strategy-ledger.js';

/**
 * The gateway's own figures, for Prometheus. Names follow the Collector's habit of
 * `<component>_<what>_total`; labels are receiver, destination, tenant and signal, all of
 * bounded cardinality (they come from config, not from data).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly received: Counter<'receiver' | 'signal' | 'tenant'>;
  readonly receivedBytes: Counter<'receiver' | 'signal' | 'tenant'>;
  readonly accepted: Counter<'receiver' | 'signal' | 'tenant'>;
  readonly acceptedBytes: Counter<'receiver' | 'signal' | 'tenant'>;
  readonly refusedBytes: Counter<'receiver' | 'signal' | 'tenant' | 'reason'>;
  readonly failedBytes: Counter<'destination' | 'signal' | 'tenant' | 'retry'>;
  readonly refused: Counter<'receiver' | 'signal' | 'tenant' | 'reason'>;
  readonly refusedRequests: Counter<'receiver' | 'reason'>;
  readonly unrouted: Counter<'signal' | 'tenant'>;
  readonly exported: Counter<'destination' | 'signal' | 'tenant'>;
  readonly exportedBytes: Counter<'destination' | 'signal' | 'tenant'>;
  readonly failed: Counter<'destination' | 'signal' | 'tenant' | 'retry'>;
  readonly deadLetters: Counter<'destination' | 'signal' | 'tenant'>;
  readonly exportRequests: Counter<'destination'>;
  readonly exportedBatches: Counter<'destination'>;
  readonly processing: Histogram<'receiver' | 'signal'>;
  readonly exportLatency: Histogram<'destination'>;
  /** Bytes reserved by requests inside the gateway: bodies, decompressed output, codec index. */
  readonly inFlightBytes: Gauge;
  /** The data strategy's audit ledger (cairn_strategy_*; /api/strategy/ledger). */
  readonly ledger: StrategyLedger;

  constructor(store: () => QueueStore | undefined, destinations: readonly string[], routeErrors: () => number) {
    const registry = this.registry;
    this.ledger = new StrategyLedger(registry);
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
    this.received = counter('cairn_receiver_received_items_total', 'Spans, log records and data points received', ['receiver', 'signal', 'tenant']);
    this.receivedBytes = counter('cairn_receiver_received_bytes_total', 'Request bytes received (after decompression)', ['receiver', 'signal', 'tenant']);
    this.accepted = counter('cairn_receiver_accepted_items_total', 'Items committed to the queue of every matched destination', ['receiver', 'signal', 'tenant']);
    this.acceptedBytes = counter('cairn_receiver_accepted_bytes_total', 'Request bytes committed to the queue of every matched destination', ['receiver', 'signal', 'tenant']);
    this.refusedBytes = counter('cairn_receiver_refused_bytes_total', 'Request bytes refused (invalid, forbidden, backpressure, internal)', ['receiver', 'signal', 'tenant', 'reason']);
    this.failedBytes = counter('cairn_exporter_failed_bytes_total', 'Bytes of failed export attempts (retry=true will be tried again)', ['destination', 'signal', 'tenant', 'retry']);
    this.refused = counter('cairn_receiver_refused_items_total', 'Items refused (invalid, forbidden, backpressure, malformed ids)', ['receiver', 'signal', 'tenant', 'reason']);
    this.refusedRequests = counter('cairn_receiver_refused_requests_total', 'Requests refused before their items were known', ['receiver', 'reason']);
    this.unrouted = counter('cairn_pipeline_unrouted_items_total', 'Accepted items no destination matched', ['signal', 'tenant']);
    this.exported = counter('cairn_exporter_sent_items_total', 'Items delivered to a destination', ['destination', 'signal', 'tenant']);
    this.exportedBytes = counter('cairn_exporter_sent_bytes_total', 'Bytes delivered to a destination', ['destination', 'signal', 'tenant']);
    this.failed = counter('cairn_exporter_failed_items_total', 'Items of failed export attempts (retry=true will be tried again)', ['destination', 'signal', 'tenant', 'retry']);
    this.exportRequests = counter('cairn_exporter_sent_requests_total', 'Export requests a destination accepted', ['destination']);
    this.exportedBatches = counter('cairn_exporter_sent_batches_total', 'Queued batches those requests carried (more than requests when a backlog was merged)', ['destination']);
    this.deadLetters = counter('cairn_exporter_dead_letter_items_total', 'Items moved to the dead letters', ['destination', 'signal', 'tenant']);
    this.processing = new Histogram({
      name: 'cairn_receiver_processing_seconds', help: 'From a complete request body to the answer: decode, route, commit',
      labelNames: ['receiver', 'signal'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry],
    });
    this.exportLatency = new Histogram({
      name: 'cairn_exporter_latency_seconds', help: 'Duration of successful export calls',
      labelNames: ['destination'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers: [registry],
    });
    this.inFlightBytes = new Gauge({ name: 'cairn_receiver_in_flight_bytes', help: 'Bytes reserved against limits.max_in_flight_size (bodies after decompression plus the codec index)', registers: [registry] });
    new Gauge({
      name: 'cairn_queue_size_bytes', help: 'Bytes waiting in each destination queue', labelNames: ['destination'], registers: [registry],
      collect() {
        const s = store();
        for (const d of destinations) this.set({ destination: d }, s?.depth(d).bytes ?? 0);
      },
    });
    new Gauge({
      name: 'cairn_queue_size_batches', help: 'Batches waiting in each destination queue', labelNames: ['destination'], registers: [registry],
      collect() {
        const s = store();
        for (const d of destinations) this.set({ destination: d }, s?.depth(d).batches ?? 0);
      },
    });
    const deadLetterFigure = (name: string, help: string, pick: (s: DeadLetterStats) => number, type: typeof Gauge | typeof Counter) => new type({
      name, help, labelNames: ['destination'], registers: [registry],
      collect(this: Gauge | Counter) {
        const stats = store()?.deadLetterStats();
        this.reset();
        for (const d of destinations) {
          const value = stats?.get(d);
          if (this instanceof Gauge) this.set({ destination: d }, value ? pick(value) : 0);
          else if (value && pick(value) > 0) this.inc({ destination: d }, pick(value));
        }
      },
    });
    deadLetterFigure('cairn_dead_letters_batches', 'Batches kept in the dead letters', (s) => s.batches, Gauge);
    deadLetterFigure('cairn_dead_letters_bytes', 'Body bytes kept in the dead letters', (s) => s.bytes, Gauge);
    deadLetterFigure('cairn_dead_letters_evicted_batches_total', 'Dead letters evicted by storage.dead_letters max_size or max_age', (s) => s.evictedBatches, Counter);
    deadLetterFigure('cairn_dead_letters_evicted_bytes_total', 'Body bytes of evicted dead letters', (s) => s.evictedBytes, Counter);
    new Gauge({
      name: 'cairn_routing_condition_errors', help: 'Route conditions that failed at run time (counted as false)', registers: [registry],
      collect() {
        this.set(routeErrors());
      },
    });
  }
}
