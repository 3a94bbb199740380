/** Limits applied while decoding untrusted input. Every one of them is checked before use. */
export interface DecodeOptions {
  /** Largest accepted message, in bytes (protobuf) or UTF-16 code units (JSON text). Default 32 MiB. */
  readonly maxMessageBytes?: number;
  /** Deepest accepted AnyValue nesting (arrays and kvlists inside values). Default 32. */
  readonly maxDepth?: number;
  /** Most attributes accepted on one span, event, link, log record, data point, resource, scope or kvlist. Default 1024. */
  readonly maxAttributes?: number;
  /**
   * What to do with string fields that are not valid UTF-8.
   * - `replace` (default): decoding a string yields U+FFFD for each invalid sequence, as
   *   OTEP 0257 recommends; unedited bytes still pass through untouched.
   * - `reject`: validate every string field up front and throw `OTLP_INVALID_UTF8`.
   */
  readonly utf8?: 'replace' | 'reject';
}

export interface ResolvedLimits {
  readonly maxMessageBytes: number;
  readonly maxDepth: number;
  readonly maxAttributes: number;
  readonly rejectInvalidUtf8: boolean;
}

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxMessageBytes: 32 * 1024 * 1024,
  maxDepth: 32,
  maxAttributes: 1024,
  rejectInvalidUtf8: false,
};

export function resolveLimits(options: DecodeOptions | undefined): ResolvedLimits {
  if (options === undefined) return DEFAULT_LIMITS;
  return {
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes,
    maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxAttributes: options.maxAttributes ?? DEFAULT_LIMITS.maxAttributes,
    rejectInvalidUtf8: options.utf8 === 'reject',
  };
}
