// The OTLP messages this package reads and writes, from opentelemetry-proto
// (common/v1/common.proto, resource/v1/resource.proto, trace/v1/trace.proto, logs/v1/logs.proto,
// metrics/v1/metrics.proto and the collector/*/v1/*_service.proto request and response messages).
// Field numbers and types follow those files; deprecated and reserved fields are left out, so
// they are treated (and passed through) as unknown fields.
import { Kind as K, Schema, type MessageType } from './types.js';

const R = 'repeated';
export const schema = new Schema();

// common/v1
schema.define('AnyValue', [
  [1, 'string_value', K.String], [2, 'bool_value', K.Bool], [3, 'int_value', K.Int64],
  [4, 'double_value', K.Double], [5, 'array_value', K.Message, 'ArrayValue'],
  [6, 'kvlist_value', K.Message, 'KeyValueList'], [7, 'bytes_value', K.Bytes],
]);
schema.define('ArrayValue', [[1, 'values', K.Message, R, 'AnyValue']]);
schema.define('KeyValueList', [[1, 'values', K.Message, R, 'KeyValue']]);
schema.define('KeyValue', [[1, 'key', K.String], [2, 'value', K.Message, 'AnyValue']]);
schema.define('InstrumentationScope', [
  [1, 'name', K.String], [2, 'version', K.String],
  [3, 'attributes', K.Message, R, 'KeyValue'], [4, 'dropped_attributes_count', K.Uint32],
]);
schema.define('EntityRef', [
  [1, 'schema_url', K.String], [2, 'type', K.String],
  [3, 'id_keys', K.String, R], [4, 'description_keys', K.String, R],
]);
// resource/v1
schema.define('Resource', [
  [1, 'attributes', K.Message, R, 'KeyValue'], [2, 'dropped_attributes_count', K.Uint32],
  [3, 'entity_refs', K.Message, R, 'EntityRef'],
]);

/** Defines `Resource<X>` and `Scope<X>` groups around a record type, like the three signals do. */
function groups(signal: string, records: string, recordType: string): void {
  schema.define(`Scope${signal}`, [
    [1, 'scope', K.Message, 'InstrumentationScope'], [2, records, K.Message, R, recordType],
    [3, 'schema_url', K.String],
  ]);
  schema.define(`Resource${signal}`, [
    [1, 'resource', K.Message, 'Resource'],
    [2, `scope_${signal.toLowerCase()}`, K.Message, R, `Scope${signal}`], [3, 'schema_url', K.String],
  ]);
}

// trace/v1
schema.define('Span', [
  [1, 'trace_id', K.Id], [2, 'span_id', K.Id], [3, 'trace_state', K.String], [4, 'parent_span_id', K.Id],
  [16, 'flags', K.Fixed32], [5, 'name', K.String], [6, 'kind', K.Enum],
  [7, 'start_time_unix_nano', K.Fixed64], [8, 'end_time_unix_nano', K.Fixed64],
  [9, 'attributes', K.Message, R, 'KeyValue'], [10, 'dropped_attributes_count', K.Uint32],
  [11, 'events', K.Message, R, 'Event'], [12, 'dropped_events_count', K.Uint32],
  [13, 'links', K.Message, R, 'Link'], [14, 'dropped_links_count', K.Uint32],
  [15, 'status', K.Message, 'Status'],
]);
schema.define('Event', [
  [1, 'time_unix_nano', K.Fixed64], [2, 'name', K.String],
  [3, 'attributes', K.Message, R, 'KeyValue'], [4, 'dropped_attributes_count', K.Uint32],
]);
schema.define('Link', [
  [1, 'trace_id', K.Id], [2, 'span_id', K.Id], [3, 'trace_state', K.String],
  [4, 'attributes', K.Message, R, 'KeyValue'], [5, 'dropped_attributes_count', K.Uint32],
  [6, 'flags', K.Fixed32],
]);
schema.define('Status', [[2, 'message', K.String], [3, 'code', K.Enum]]);
groups('Spans', 'spans', 'Span');

// logs/v1
schema.define('LogRecord', [
  [1, 'time_unix_nano', K.Fixed64], [11, 'observed_time_unix_nano', K.Fixed64],
  [2, 'severity_number', K.Enum], [3, 'severity_text', K.String], [5, 'body', K.Message, 'AnyValue'],
  [6, 'attributes', K.Message, R, 'KeyValue'], [7, 'dropped_attributes_count', K.Uint32],
  [8, 'flags', K.Fixed32], [9, 'trace_id', K.Id], [10, 'span_id', K.Id], [12, 'event_name', K.String],
]);
groups('Logs', 'log_records', 'LogRecord');

// metrics/v1
schema.define('Metric', [
  [1, 'name', K.String], [2, 'description', K.String], [3, 'unit', K.String],
  [5, 'gauge', K.Message, 'Gauge'], [7, 'sum', K.Message, 'Sum'], [9, 'histogram', K.Message, 'Histogram'],
  [10, 'exponential_histogram', K.Message, 'ExponentialHistogram'], [11, 'summary', K.Message, 'Summary'],
  [12, 'metadata', K.Message, R, 'KeyValue'],
]);
schema.define('Gauge', [[1, 'data_points', K.Message, R, 'NumberDataPoint']]);
schema.define('Sum', [
  [1, 'data_points', K.Message, R, 'NumberDataPoint'], [2, 'aggregation_temporality', K.Enum],
  [3, 'is_monotonic', K.Bool],
]);
schema.define('Histogram', [
  [1, 'data_points', K.Message, R, 'HistogramDataPoint'], [2, 'aggregation_temporality', K.Enum],
]);
schema.define('ExponentialHistogram', [
  [1, 'data_points', K.Message, R, 'ExponentialHistogramDataPoint'], [2, 'aggregation_temporality', K.Enum],
]);
schema.define('Summary', [[1, 'data_points', K.Message, R, 'SummaryDataPoint']]);
schema.define('NumberDataPoint', [
  [7, 'attributes', K.Message, R, 'KeyValue'], [2, 'start_time_unix_nano', K.Fixed64],
  [3, 'time_unix_nano', K.Fixed64], [4, 'as_double', K.Double], [6, 'as_int', K.Sfixed64],
  [5, 'exemplars', K.Message, R, 'Exemplar'], [8, 'flags', K.Uint32],
]);
schema.define('HistogramDataPoint', [
  [9, 'attributes', K.Message, R, 'KeyValue'], [2, 'start_time_unix_nano', K.Fixed64],
  [3, 'time_unix_nano', K.Fixed64], [4, 'count', K.Fixed64], [5, 'sum', K.Double],
  [6, 'bucket_counts', K.Fixed64, R], [7, 'explicit_bounds', K.Double, R],
  [8, 'exemplars', K.Message, R, 'Exemplar'], [10, 'flags', K.Uint32], [11, 'min', K.Double], [12, 'max', K.Double],
]);
schema.define('ExponentialHistogramDataPoint', [
  [1, 'attributes', K.Message, R, 'KeyValue'], [2, 'start_time_unix_nano', K.Fixed64],
  [3, 'time_unix_nano', K.Fixed64], [4, 'count', K.Fixed64], [5, 'sum', K.Double], [6, 'scale', K.Sint32],
  [7, 'zero_count', K.Fixed64], [8, 'positive', K.Message, 'Buckets'], [9, 'negative', K.Message, 'Buckets'],
  [10, 'flags', K.Uint32], [11, 'exemplars', K.Message, R, 'Exemplar'], [12, 'min', K.Double],
  [13, 'max', K.Double], [14, 'zero_threshold', K.Double],
]);
schema.define('Buckets', [[1, 'offset', K.Sint32], [2, 'bucket_counts', K.Uint64, R]]);
schema.define('SummaryDataPoint', [
  [7, 'attributes', K.Message, R, 'KeyValue'], [2, 'start_time_unix_nano', K.Fixed64],
  [3, 'time_unix_nano', K.Fixed64], [4, 'count', K.Fixed64], [5, 'sum', K.Double],
  [6, 'quantile_values', K.Message, R, 'ValueAtQuantile'], [8, 'flags', K.Uint32],
]);
schema.define('ValueAtQuantile', [[1, 'quantile', K.Double], [2, 'value', K.Double]]);
schema.define('Exemplar', [
  [7, 'filtered_attributes', K.Message, R, 'KeyValue'], [2, 'time_unix_nano', K.Fixed64],
  [3, 'as_double', K.Double], [6, 'as_int', K.Sfixed64], [4, 'span_id', K.Id], [5, 'trace_id', K.Id],
]);
groups('Metrics', 'metrics', 'Metric');

// collector/*/v1: the export requests and responses.
schema.define('ExportTraceServiceRequest', [[1, 'resource_spans', K.Message, R, 'ResourceSpans']]);
schema.define('ExportLogsServiceRequest', [[1, 'resource_logs', K.Message, R, 'ResourceLogs']]);
schema.define('ExportMetricsServiceRequest', [[1, 'resource_metrics', K.Message, R, 'ResourceMetrics']]);
schema.define('ExportTracePartialSuccess', [[1, 'rejected_spans', K.Int64], [2, 'error_message', K.String]]);
schema.define('ExportLogsPartialSuccess', [[1, 'rejected_log_records', K.Int64], [2, 'error_message', K.String]]);
schema.define('ExportMetricsPartialSuccess', [[1, 'rejected_data_points', K.Int64], [2, 'error_message', K.String]]);
schema.define('ExportTraceServiceResponse', [[1, 'partial_success', K.Message, 'ExportTracePartialSuccess']]);
schema.define('ExportLogsServiceResponse', [[1, 'partial_success', K.Message, 'ExportLogsPartialSuccess']]);
schema.define('ExportMetricsServiceResponse', [[1, 'partial_success', K.Message, 'ExportMetricsPartialSuccess']]);

function mark(name: string, level: number, attrField = 0, holderField = 0): void {
  const t = schema.get(name);
  t.level = level;
  t.attrField = attrField;
  t.holderField = holderField;
}
for (const signal of ['Spans', 'Logs', 'Metrics']) {
  mark(`Resource${signal}`, 0, 0, 1);
  mark(`Scope${signal}`, 1, 0, 1);
}
mark('Span', 2, 9);
mark('LogRecord', 2, 6);
mark('Metric', 2, 12);
mark('NumberDataPoint', 3, 7);
mark('HistogramDataPoint', 3, 9);
mark('ExponentialHistogramDataPoint', 3, 1);
mark('SummaryDataPoint', 3, 7);
for (const [name, field] of [['Resource', 1], ['InstrumentationScope', 3], ['Event', 3], ['Link', 4], ['KeyValueList', 1]] as const) {
  schema.get(name).attrField = field;
}
schema.get('AnyValue').isAnyValue = true;
// The oneofs: a message that sets two members is read differently by different parsers.
schema.oneof('AnyValue', [1, 2, 3, 4, 5, 6, 7]);
schema.oneof('Metric', [5, 7, 9, 10, 11]);
schema.oneof('NumberDataPoint', [4, 6]);
schema.oneof('Exemplar', [3, 6]);
schema.link();

/** The three signals, by the name used throughout the API. */
export type Signal = 'traces' | 'logs' | 'metrics';

export const REQUEST_TYPE: Record<Signal, MessageType> = {
  traces: schema.get('ExportTraceServiceRequest'),
  logs: schema.get('ExportLogsServiceRequest'),
  metrics: schema.get('ExportMetricsServiceRequest'),
};

export const RESPONSE_TYPE: Record<Signal, MessageType> = {
  traces: schema.get('ExportTraceServiceResponse'),
  logs: schema.get('ExportLogsServiceResponse'),
  metrics: schema.get('ExportMetricsServiceResponse'),
};

/** The record message of each signal (index level 2). */
export const RECORD_TYPE: Record<Signal, MessageType> = {
  traces: schema.get('Span'),
  logs: schema.get('LogRecord'),
  metrics: schema.get('Metric'),
};
