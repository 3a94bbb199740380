import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeExportResponse } from '@cairn/otlp';
import { decodePartialSuccess, decodeRpcStatus, encodeRpcStatus } from './rpc-status.js';
import { parseDuration, parseSize } from './durations.js';
import { countItems } from '../testing/recording.js';

test('google.rpc.Status with RetryInfo round-trips', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 16 }), fc.string(), fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
    (code, message, retryDelayMs) => {
      const status = retryDelayMs === undefined ? { code, message } : { code, message, retryDelayMs };
      assert.deepEqual(decodeRpcStatus(encodeRpcStatus(status)), status);
    },
  ));
});

test('partial_success written by @cairn/otlp reads back', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.string(), (rejected, errorMessage) => {
    assert.deepEqual(decodePartialSuccess(encodeExportResponse({ rejected, errorMessage })), { rejected, errorMessage });
  }));
  assert.equal(decodePartialSuccess(encodeExportResponse()), undefined);
});

test('backend response readers and the item counter never throw on arbitrary bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    decodeRpcStatus(bytes);
    decodePartialSuccess(bytes);
    for (const signal of ['traces', 'logs', 'metrics'] as const) assert.ok(countItems(signal, bytes) >= 0);
  }), { numRuns: 2000 });
});

test('durations and sizes either parse to a non-negative number or throw the config error', () => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.double(), fc.integer()), (raw) => {
    for (const parse of [parseDuration, parseSize]) {
      try {
        const v = parse(raw, 'p');
        assert.ok(Number.isFinite(v) && v >= 0);
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'CAIRN_EXPORTER_CONFIG');
      }
    }
  }));
});
