import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTraces } from '@cairn/otlp';
import { logsBatch, metricsBatch, tracesBatch } from '../../testing/fixtures.js';
import { DebugExporter } from './exporter.js';
import { validateDebugConfig } from './config.js';

function capture(verbosity: 'basic' | 'detailed'): { exporter: DebugExporter; lines: () => string[] } {
  let text = '';
  const exporter = new DebugExporter(validateDebugConfig({ verbosity }, 'debug'), { write: (s: string) => { text += s; } });
  return { exporter, lines: () => text.split('\n').filter((l) => l !== '') };
}

test('basic verbosity prints one summary line per batch with the services it came from', async () => {
  const { exporter, lines } = capture('basic');
  assert.deepEqual(await exporter.export(tracesBatch(['checkout', 'cart-api'], 60)), { kind: 'ok' });
  await exporter.export(logsBatch(5, 'cart-api'));
  await exporter.export(metricsBatch(3, 'checkout'));
  assert.deepEqual(lines(), [
    'traces: 2 resources, 120 spans from checkout, cart-api',
    'logs: 1 resource, 5 log records from cart-api',
    'metrics: 1 resource, 1 metric, 3 data points from checkout',
  ]);
});

test('detailed verbosity adds one line per span with name, trace id, span id and duration', async () => {
  const { exporter, lines } = capture('detailed');
  await exporter.export(tracesBatch(['checkout'], 2));
  assert.deepEqual(lines(), [
    'traces: 1 resource, 2 spans from checkout',
    '  span "GET /cart/1" trace=5b8efff798038103d269b633813fc60c span=0000000000000001 12.5ms',
    '  span "GET /cart/2" trace=5b8efff798038103d269b633813fc60c span=0000000000000002 12.5ms',
  ]);
});

test('detailed verbosity prints log bodies and data point values', async () => {
  const { exporter, lines } = capture('detailed');
  await exporter.export(logsBatch(1));
  await exporter.export(metricsBatch(2));
  assert.deepEqual(lines().filter((l) => l.startsWith('  ')), [
    '  log INFO "cart 0 updated" trace=5b8efff798038103d269b633813fc60c',
    '  point queue.depth 0.5 1',
    '  point queue.depth 1.5 1',
  ]);
});

test('a resource without service.name shows as unknown_service, the name the ownership check uses', async () => {
  const { exporter, lines } = capture('basic');
  const body = buildTraces([{ scopeSpans: [{ spans: [{ traceId: '01'.repeat(16), spanId: '02'.repeat(8), name: 'x', startTimeUnixNano: 1n, endTimeUnixNano: 2n }] }] }]);
  await exporter.export({ signal: 'traces', body, items: 1 });
  assert.deepEqual(lines(), ['traces: 1 resource, 1 span from unknown_service']);
});

test('an undecodable batch or a broken output never throws', async () => {
  const { exporter, lines } = capture('basic');
  assert.equal((await exporter.export({ signal: 'traces', body: Uint8Array.of(0x0a, 0x09), items: 0 })).kind, 'ok');
  assert.match(lines()[0] ?? '', /^traces: undecodable batch of 2 bytes/);
  const broken = new DebugExporter({ verbosity: 'basic' }, { write: () => { throw new Error('EPIPE'); } });
  assert.deepEqual(await broken.export(tracesBatch()), { kind: 'ok' });
});
