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

test('google.rpc.Status bytes are those of the previous hand-rolled encoder', () => {
  // Hex written by the encoder before it moved onto ProtoWriter: the output must not change.
  const cases: [Parameters<typeof encodeRpcStatus>[0], string][] = [
    [{ code: 0, message: '' }, ''],
    [{ code: 14, message: 'unavailable' }, '080e120b756e617661696c61626c65'],
    [
      { code: 8, message: 'héllo \u{1F600} \ud800', retryDelayMs: 1500 },
      '0808120f68c3a96c6c6f20f09f988020efbfbd1a360a28747970652e676f6f676c65617069732e636f6d2f676f6f676c652e7270632e5265747279496e666f120a0a0808011080cab5ee01',
    ],
    [{ code: 3, message: 'x'.repeat(200), retryDelayMs: 0 }, `080312c801${'78'.repeat(200)}1a2e0a28747970652e676f6f676c65617069732e636f6d2f676f6f676c652e7270632e5265747279496e666f12020a00`],
    [
      { code: 16, message: '', retryDelayMs: 2 ** 40 + 999 },
      '08101a3a0a28747970652e676f6f676c65617069732e636f6d2f676f6f676c652e7270632e5265747279496e666f120e0a0c08cceea48c0410c09fc6f102',
    ],
    [{ code: 300, message: 'm', retryDelayMs: 250 }, '08ac0212016d1a330a28747970652e676f6f676c65617069732e636f6d2f676f6f676c652e7270632e5265747279496e666f12070a051080e59a77'],
  ];
  for (const [status, hex] of cases) {
    const bytes = encodeRpcStatus(status);
    assert.equal(Buffer.from(bytes).toString('hex'), hex);
    assert.equal(bytes.byteOffset, 0);
    assert.equal(bytes.buffer.byteLength, bytes.length);
  }
});
