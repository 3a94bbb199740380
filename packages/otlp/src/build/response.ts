// Export<Signal>ServiceResponse: empty on full success, partial_success otherwise
// (collector/*/v1/*_service.proto: partial_success = 1 { rejected_<items> = 1; error_message = 2 }).
import { ProtoWriter, WireType } from '../wire/writer.js';
import type { Signal } from '../schema/otlp.js';
import { responseToJson } from '../json/encode.js';

export interface ExportResult {
  /** Spans, log records or data points rejected. */
  readonly rejected?: number;
  readonly errorMessage?: string;
}

/** The protobuf response body; empty bytes for a full success. */
export function encodeExportResponse(result: ExportResult = {}): Uint8Array {
  const w = new ProtoWriter(64);
  if (result.rejected || result.errorMessage) {
    w.tag(1, WireType.Len);
    const m = w.begin(32);
    if (result.rejected) { w.tag(1, WireType.Varint); w.varint(result.rejected); }
    if (result.errorMessage) w.stringField(2, result.errorMessage);
    w.end(m);
  }
  return w.finish();
}

/** The OTLP/JSON response body, e.g. `{"partialSuccess":{"rejectedSpans":"2","errorMessage":"…"}}` or `{}`. */
export function encodeExportResponseJson(signal: Signal, result: ExportResult = {}): string {
  return responseToJson(signal, encodeExportResponse(result));
}
