// @cairn/otlp: OTLP wire formats with zero runtime dependencies.
//
// Hand-written rather than generated: on the bench corpus (bench/otlp, real SDK spans with 10
// attributes) the view decodes and visits every attribute several times faster than protobufjs
// decodes, and edits re-encode only the records they touch (see bench/results/otlp.json).

export { OtlpDecodeError, type OtlpErrorCode } from './wire/errors.js';
export { DEFAULT_LIMITS, type DecodeOptions } from './wire/limits.js';
export type { Signal } from './schema/otlp.js';

export { BatchView, UNKNOWN_SERVICE } from './batch/view.js';
export { AttributeCursor, bytesEqualString, ValueType, type AnyValue } from './batch/attributes.js';
export { BatchEditor, encodeResources, type EditTarget } from './batch/edit.js';
export { Rewriter, Place, PLACE_NAMES, type RewriteVisitor } from './batch/rewrite.js';
export { StringCache } from './batch/string-cache.js';
export { WireReader } from './batch/read.js';

export { TracesView, SpanCursor, EventCursor, LinkCursor, SpanKind, StatusCode, decodeTraces } from './traces/view.js';
export { LogsView, LogRecordCursor, decodeLogs } from './logs/view.js';
export { MetricsView, MetricCursor, DataPointCursor, ExemplarCursor, decodeMetrics, type MetricType, type DataPointType } from './metrics/view.js';

export { jsonToProtobuf } from './json/decode.js';
export { viewToJson } from './json/encode.js';
export { decodeTracesJson, decodeLogsJson, decodeMetricsJson, protobufToJson } from './json/signals.js';

export {
  TracesBuilder, buildTraces,
  type SpanInput, type EventInput, type LinkInput, type ResourceInput, type ScopeInput, type ResourceSpansInput, type TimeInput, type IdInput,
} from './build/traces.js';
export type { AttributeValue, Attributes } from './build/values.js';
export { encodeExportResponse, encodeExportResponseJson, type ExportResult } from './build/response.js';
export { decodePartialSuccess, decodeRpcStatus, encodeRpcStatus, encodeRpcStatusJson, RpcCode, type PartialSuccess, type RpcStatus } from './build/status.js';

export { frameGrpcMessage, unframeGrpcMessages, GrpcFrameDecoder, otlpGrpcMethod, type GrpcMessage, type RawGrpcMethod } from './grpc/framing.js';
export { decodeUtf8 } from './wire/utf8.js';
