// `inventory:` in cairn.yaml: defaults, and refusals that name the path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../config/load.js';

const BASE = 'receivers: { otlp: { http: { endpoint: 127.0.0.1:0 } } }\nauth: { anonymous: true }\ndestinations: { d: { exporter: { debug: {} } } }\n';

function problems(yaml: string): string[] {
  try {
    parseConfig(BASE + yaml, 'cairn.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

test('defaults: off, hourly buckets, 30 days', () => {
  assert.deepEqual(parseConfig(BASE, 'cairn.yaml').inventory, { enabled: false, bucketMs: 3_600_000, retentionMs: 30 * 86_400_000, maxAttributes: 20_000, maxShare: 0.15 });
  assert.deepEqual(parseConfig(`${BASE}inventory: { enabled: true, bucket: 15m, retention: 48h, max_attributes: 500, max_share: 1 }\n`, 'c.yaml').inventory, { enabled: true, bucketMs: 900_000, retentionMs: 172_800_000, maxAttributes: 500, maxShare: 1 });
});

test('refused: a bucket that does not divide a day, retention under a bucket, unknown keys', () => {
  assert.match(problems('inventory: { bucket: 7m }\n').join('\n'), /inventory\.bucket: must divide a day/);
  assert.match(problems('inventory: { bucket: 30s }\n').join('\n'), /inventory\.bucket: must divide a day and be at least 1m/);
  assert.match(problems('inventory: { bucket: 2h, retention: 1h }\n').join('\n'), /inventory\.retention: must be at least one bucket/);
  assert.match(problems('inventory: { enable: true }\n').join('\n'), /inventory/);
  assert.match(problems('inventory: { max_attributes: 5 }\n').join('\n'), /inventory\.max_attributes/);
});

test('max_share: in (0, 1]', () => {
  assert.match(problems('inventory: { max_share: 0 }\n').join('\n'), /inventory\.max_share/);
  assert.match(problems('inventory: { max_share: 1.5 }\n').join('\n'), /inventory\.max_share/);
});
