// The fast OTLP/HTTP protobuf exporter. Only the serializer differs from the stock
// OTLPTraceExporter: transport, retry with backoff, timeout, concurrency limit and response
// handling are OpenTelemetry's own export delegate, built with the same arguments, so they
// behave the same by construction.
import { OTLPExporterBase, type OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper, type ISerializer, type IExportTraceServiceResponse } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { encodeSpans } from './encode.js';

const serializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest: (spans) => encodeSpans(spans),
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

export type FastExporterConfig = OTLPExporterNodeConfigBase;

export class FastOtlpTraceExporter extends OTLPExporterBase<ReadableSpan[]> implements SpanExporter {
  constructor(config: FastExporterConfig = {}) {
    super(
      createOtlpHttpExportDelegate(
        convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
        serializer,
        'otlp_http_span_exporter',
        TraceExporterMetricsHelper,
        undefined,
      ),
    );
  }
}
