// OTLP/JSON bodies into the same views as protobuf, and views back out as OTLP/JSON.
import type { DecodeOptions } from '../wire/limits.js';
import { TracesView } from '../traces/view.js';
import { LogsView } from '../logs/view.js';
import { MetricsView } from '../metrics/view.js';
import { indexBatch } from '../batch/view.js';
import type { Signal } from '../schema/otlp.js';
import { jsonToProtobuf } from './decode.js';
import { protobufToJson as unchecked } from './encode.js';

export function decodeTracesJson(json: string | Uint8Array, options?: DecodeOptions): TracesView {
  return new TracesView(jsonToProtobuf('traces', json, options), options);
}

export function decodeLogsJson(json: string | Uint8Array, options?: DecodeOptions): LogsView {
  return new LogsView(jsonToProtobuf('logs', json, options), options);
}

export function decodeMetricsJson(json: string | Uint8Array, options?: DecodeOptions): MetricsView {
  return new MetricsView(jsonToProtobuf('metrics', json, options), options);
}

/** Validates protobuf request bytes, then writes them as OTLP/JSON (one line). */
export function protobufToJson(signal: Signal, bytes: Uint8Array, options?: DecodeOptions): string {
  indexBatch(bytes, signal, options);
  return unchecked(signal, bytes);
}
