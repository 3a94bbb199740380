import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeExportResponse } from './response.js';
import { decodePartialSuccess, decodeRpcStatus, encodeRpcStatus } from './status.js';

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
