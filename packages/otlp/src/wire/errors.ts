/**
 * The one error type of this package. Every malformed input (protobuf, JSON or gRPC framing)
 * ends in an `OtlpDecodeError`, never a `TypeError` or a `RangeError`, so a receiver can answer
 * 400 with `message` and keep serving.
 */
export type OtlpErrorCode =
  | 'OTLP_TRUNCATED'
  | 'OTLP_WIRE_TYPE'
  | 'OTLP_INVALID_TAG'
  | 'OTLP_VARINT_OVERLONG'
  | 'OTLP_DEPTH'
  | 'OTLP_TOO_LARGE'
  | 'OTLP_TOO_MANY_ATTRIBUTES'
  | 'OTLP_INVALID_UTF8'
  | 'OTLP_DUPLICATE_FIELD'
  | 'OTLP_ONEOF_CONFLICT'
  | 'OTLP_DUPLICATE_ATTRIBUTE_KEY'
  | 'OTLP_SERVICE_NAME_NOT_STRING'
  | 'OTLP_JSON_SYNTAX'
  | 'OTLP_JSON_TYPE'
  | 'OTLP_JSON_VALUE'
  | 'OTLP_GRPC_FRAME';

const HINTS: Record<OtlpErrorCode, string> = {
  OTLP_TRUNCATED: 'the message ends inside a field; check that the whole body was received and is not compressed',
  OTLP_WIRE_TYPE: 'a field has the wrong protobuf wire type; the sender does not speak this OTLP message',
  OTLP_INVALID_TAG: 'a field tag is invalid (field number 0 or a group); the body is probably not OTLP protobuf',
  OTLP_VARINT_OVERLONG: 'a varint is longer than 10 bytes; the body is corrupt',
  OTLP_DEPTH: 'AnyValue nesting is deeper than the limit; flatten the value or raise maxDepth',
  OTLP_TOO_LARGE: 'the message is larger than the limit; send smaller batches or raise maxMessageBytes',
  OTLP_TOO_MANY_ATTRIBUTES: 'a record carries more attributes than the limit; drop attributes at the source or raise maxAttributes',
  OTLP_INVALID_UTF8: 'a string field is not valid UTF-8; fix the sender or decode with utf8: "replace"',
  OTLP_DUPLICATE_FIELD: 'a singular field (a message such as resource, scope or status, or a JSON object key) occurs twice; parsers disagree on what it means, so the whole request is refused',
  OTLP_ONEOF_CONFLICT: 'two members of one oneof are set (e.g. an AnyValue with both string_value and int_value); parsers disagree on which counts',
  OTLP_DUPLICATE_ATTRIBUTE_KEY: 'a resource or scope carries the same attribute key twice; OTLP requires unique keys and parsers disagree on which copy counts',
  OTLP_SERVICE_NAME_NOT_STRING: 'the resource attribute service.name must be a string value; send it as a string or leave it out',
  OTLP_JSON_SYNTAX: 'the body is not valid JSON',
  OTLP_JSON_TYPE: 'a JSON value has the wrong type for its OTLP field',
  OTLP_JSON_VALUE: 'a JSON value is out of range or badly encoded (ids are hex, bytes are base64, 64-bit integers are decimal)',
  OTLP_GRPC_FRAME: 'the gRPC length-prefixed frame is malformed or too large',
};

export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
  /** A stable code, e.g. `OTLP_TRUNCATED`. */
  readonly code: OtlpErrorCode;
  /** Byte offset in the protobuf input, or character offset in the JSON text. */
  readonly offset: number;
  /** For JSON input: where the bad value sits, e.g. `resourceSpans[0].scopeSpans[0].spans[3].traceId`. */
  readonly path: string | undefined;

  constructor(code: OtlpErrorCode, offset: number, detail: string, path?: string) {
    const where = path === undefined ? `at byte ${offset}` : `at ${path} (offset ${offset})`;
    super(`${code}: ${detail} ${where}: ${HINTS[code]}`);
    this.code = code;
    this.offset = offset;
    this.path = path;
  }
}
