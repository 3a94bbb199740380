// Real OTLP backends for tests and benchmarks: `@cairn/gateway/testing`.
export { OtlpHttpSink, type OtlpHttpSinkOptions, type SinkFailure, type ReceivedRequest, type SinkState, type SinkTotals } from './sink.js';
export { OtlpGrpcSink } from './grpc-sink.js';
