import type { Signal } from '@cairn/otlp';

/**
 * One batch on its way out: an OTLP Export*ServiceRequest in protobuf, exactly as the queue
 * holds it. Whole batches cross every boundary; exporters never see single spans.
 */
export interface OutboundBatch {
  signal: Signal;
  /** ExportTraceServiceRequest / ExportLogsServiceRequest / ExportMetricsServiceRequest bytes. */
  body: Uint8Array;
  /** Spans, log records or data points in the batch, for metrics and logs. */
  items: number;
}

/**
 * What happened to one export attempt. The delivery loop acts on it: `ok` removes the batch
 * from the queue, `retry` backs off (honouring `retryAfterMs` from Retry-After or gRPC
 * RetryInfo), `reject` moves it to the dead-letter table with the reason and never retries.
 */
export type ExportOutcome =
  | { kind: 'ok'; /** Items the backend reported as rejected in a partial success. */ rejectedItems?: number; message?: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'reject'; reason: string };

export interface Exporter {
  /** `otlphttp`, `otlpgrpc`, `file`, `debug`. */
  readonly kind: string;
  /** Never throws: every failure is an outcome. Must settle within the configured timeout. */
  export(batch: OutboundBatch): Promise<ExportOutcome>;
  /** Flush and release sockets and files. */
  shutdown(): Promise<void>;
}
