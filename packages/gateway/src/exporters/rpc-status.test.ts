import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePartialSuccess, decodeRpcStatus } from '@cairn/otlp';
import { parseDuration, parseSize } from './durations.js';
import { countItems } from '../testing/recording.js';

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
