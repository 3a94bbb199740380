// ExportLogsServiceRequest as a lazy view. Field numbers: opentelemetry/proto/logs/v1/logs.proto.
import type { DecodeOptions } from '../wire/limits.js';
import { BatchEditor } from '../batch/edit.js';
import { BatchView, IndexedCursor, Level } from '../batch/view.js';
import type { AnyValue, AttributeCursor } from '../batch/attributes.js';
import { keepHiddenClass } from '../batch/anchor.js';

/** A view over an ExportLogsServiceRequest (or LogsData: same wire shape). */
export class LogsView extends BatchView {
  constructor(bytes: Uint8Array, options?: DecodeOptions) {
    super(bytes, 'logs', options);
  }

  /** Starts recording edits; `encode()` writes the edited request. */
  edit(): BatchEditor<'resource' | 'scope' | 'log'> {
    return new BatchEditor(this);
  }

  get logCount(): number {
    return this.countAt(Level.Record);
  }

  /** A cursor over all log records, in wire order. */
  logs(): LogRecordCursor {
    return new LogRecordCursor(this);
  }
}

/** Validates and indexes a protobuf ExportLogsServiceRequest. Throws OtlpDecodeError. */
export function decodeLogs(bytes: Uint8Array, options?: DecodeOptions): LogsView {
  return new LogsView(bytes, options);
}

export class LogRecordCursor extends IndexedCursor {
  constructor(view: LogsView) {
    super(view, Level.Record);
  }

  get scopeIndex(): number { return this.parentIndex; }
  get resourceIndex(): number { return this.view.scopeResource(this.parentIndex); }
  get timeUnixNano(): bigint { return this.fixed64(1); }
  get observedTimeUnixNano(): bigint { return this.fixed64(11); }
  /** SeverityNumber: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL; 0 unspecified. */
  get severityNumber(): number { return this.uint(2); }
  get severityText(): string { return this.str(3); }
  /** The body, decoded (null when absent). */
  get body(): AnyValue { return this.anyValue(5); }
  get hasBody(): boolean { return this.has(5); }
  get droppedAttributesCount(): number { return this.uint(7); }
  get flags(): number { return this.fixed32(8); }
  get traceIdHex(): string { return this.hex(9); }
  get spanIdHex(): string { return this.hex(10); }
  /** Raw trace id bytes (empty when the record has none). */
  get traceId(): Uint8Array { return this.bytes(9); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  traceIdLength(): number { return this.idLength(9, 16); }
  /** Raw span id bytes (empty when the record has none). */
  get spanId(): Uint8Array { return this.bytes(10); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  spanIdLength(): number { return this.idLength(10, 8); }
  get eventName(): string { return this.str(12); }
  attributes(cursor?: AttributeCursor): AttributeCursor { return this.attrs(6, cursor); }
}

// See anchor.ts.
const anchorView = new LogsView(new Uint8Array(0));
keepHiddenClass([anchorView.logs(), anchorView.edit()]);
