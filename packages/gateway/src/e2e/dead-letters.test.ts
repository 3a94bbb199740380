// Dead letters are bounded by storage.dead_letters and counted in /metrics.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { post, span, traces } from './client.js';
import { WAIT_MS, eventually, metric } from './harness.js';

describe('dead letters: bounded and counted', () => {
  let sink: OtlpHttpSink;
  let gateway: Gateway | undefined;
  const body = () => traces('checkout', [span('refused')]);
  const size = body().byteLength;

  before(async () => {
    sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dead-'));
    // Room for one dead letter of this size, not two.
    const config = parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
auth: { anonymous: true }
storage: { directory: ${JSON.stringify(dir)}, dead_letters: { max_size: ${Math.floor(size * 1.5)} } }
destinations:
  backend:
    exporter: { otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none, timeout: 2s } }
    batch: { enabled: false }
    concurrency: 1
`, 'dead-letters.yaml');
    gateway = await Gateway.start(config, { workers: 0, logger: pino({ level: 'silent' }) });
  });

  after(async () => {
    await gateway?.stop();
    await sink.close();
  });

  it('keeps the newest within max_size, evicts the oldest, and /metrics says so', async () => {
    sink.failNext(3, { status: 400, message: 'refused' });
    for (let i = 0; i < 3; i++) {
      assert.equal((await post(`http://127.0.0.1:${gateway!.ports.http}/v1/traces`, body())).status, 200);
      await eventually(() => gateway!.queue.depth('backend').batches === 0, WAIT_MS, `batch ${i} leaves the queue`);
    }
    const kept = gateway!.queue.deadLetters('backend');
    assert.equal(kept.length, 1);
    const text = await gateway!.metrics.registry.metrics();
    assert.equal(metric(text, 'cairn_dead_letters_batches', 'destination="backend"'), 1);
    assert.equal(metric(text, 'cairn_dead_letters_bytes', 'destination="backend"'), kept[0]!.bytes);
    assert.equal(metric(text, 'cairn_dead_letters_evicted_batches_total', 'destination="backend"'), 2);
    assert.equal(metric(text, 'cairn_dead_letters_evicted_bytes_total', 'destination="backend"'), 2 * kept[0]!.bytes);
  });
});
