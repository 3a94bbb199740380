// The memory and dead-letter settings of issue 8: defaults, parsing, and refusal of bad values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULTS, parseConfig } from './load.js';

const DESTINATIONS = 'destinations:\n  d: { exporter: { debug: {} } }\n';

describe('resource limits in cairn.yaml', () => {
  it('defaults: 100,000 items a request, dead letters up to 256 MiB and 7 days', () => {
    const config = parseConfig(DESTINATIONS, 'cairn.yaml');
    assert.equal(config.limits.maxItemsPerRequest, 100_000);
    assert.deepEqual(config.storage.deadLetters, { maxBytes: 256 * 1024 * 1024, maxAgeMs: 7 * 24 * 3600_000 });
    assert.equal(DEFAULTS.limits.maxItemsPerRequest, 100_000);
  });

  it('reads limits.max_items_per_request and storage.dead_letters', () => {
    const config = parseConfig(`limits: { max_items_per_request: 500 }\nstorage: { dead_letters: { max_size: 1MiB, max_age: 0 } }\n${DESTINATIONS}`, 'cairn.yaml');
    assert.equal(config.limits.maxItemsPerRequest, 500);
    assert.deepEqual(config.storage.deadLetters, { maxBytes: 1024 * 1024, maxAgeMs: 0 });
  });

  it('refuses a zero item limit and a dead-letter age that is not a duration, naming the path', () => {
    assert.throws(() => parseConfig(`limits: { max_items_per_request: 0 }\n${DESTINATIONS}`, 'cairn.yaml'), (e: unknown) => e instanceof ConfigError && /limits\.max_items_per_request/.test(e.message));
    assert.throws(() => parseConfig(`storage: { dead_letters: { max_age: soon } }\n${DESTINATIONS}`, 'cairn.yaml'), (e: unknown) => e instanceof ConfigError && /storage\.dead_letters\.max_age/.test(e.message));
  });
});
