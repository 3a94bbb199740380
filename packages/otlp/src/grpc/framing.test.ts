import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcFrameDecoder, OtlpDecodeError, frameGrpcMessage, unframeGrpcMessages } from '../index.js';

/** The detail of the OTLP_GRPC_FRAME error `fn` throws, with its offset: `compressed flag is 2 at byte 8`. */
function frameError(fn: () => unknown): string {
  try { fn(); } catch (e) {
    assert.ok(e instanceof OtlpDecodeError && e.code === 'OTLP_GRPC_FRAME');
    const detail = /^OTLP_GRPC_FRAME: (.* at byte \d+): /.exec(e.message)?.[1];
    assert.ok(detail !== undefined && detail.endsWith(` at byte ${e.offset}`), e.message);
    return detail;
  }
  return 'no error';
}

const header = (flag: number, len: number): number[] => [flag, len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff];

test('gRPC frames: the whole-buffer and incremental decoders check the same things in the same order', () => {
  const one = frameGrpcMessage(Uint8Array.of(1, 2, 3));
  const two = Uint8Array.of(...one, ...frameGrpcMessage(Uint8Array.of(4), true));
  assert.deepEqual(unframeGrpcMessages(two).map((m) => [m.compressed, [...m.message]]), [[false, [1, 2, 3]], [true, [4]]]);
  assert.deepEqual(unframeGrpcMessages(new Uint8Array(0)), []);
  const cases: [Uint8Array, number | undefined][] = [
    [Uint8Array.of(...one, 0, 0, 0), undefined], // partial header
    [Uint8Array.of(...one, ...header(0, 4), 9), undefined], // partial body
    [Uint8Array.of(...one, ...header(2, 0)), undefined], // bad flag
    [Uint8Array.of(7, 0, 0), undefined], // a bad flag in a partial header is a partial header
    [Uint8Array.of(...header(0, 11), 1), 10], // longer than the limit
    [Uint8Array.of(...header(5, 11), 1), 10], // the flag is checked first
    [Uint8Array.of(...header(0, 32 * 1024 * 1024 + 1)), undefined], // the default limit: 32 MiB
  ];
  const whole = cases.map(([bytes, limit]) => frameError(() => unframeGrpcMessages(bytes, limit)));
  assert.deepEqual(whole, [
    'partial gRPC frame header at byte 8',
    'partial gRPC frame body at byte 8',
    'compressed flag is 2 at byte 8',
    'partial gRPC frame header at byte 0',
    'frame of 11 bytes exceeds 10 at byte 0',
    'compressed flag is 5 at byte 0',
    `frame of ${32 * 1024 * 1024 + 1} bytes exceeds ${32 * 1024 * 1024} at byte 0`,
  ]);
  // The incremental decoder waits for the rest of a partial frame and throws the same errors otherwise.
  const incremental = cases.map(([bytes, limit]) => {
    const d = new GrpcFrameDecoder(limit);
    const error = frameError(() => d.push(bytes));
    return error === 'no error' ? `pending ${d.pendingBytes}` : error;
  });
  assert.deepEqual(incremental, ['pending 3', 'pending 6', whole[2], 'pending 3', whole[4], whole[5], whole[6]]);
});
