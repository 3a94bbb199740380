// The fused walk (normalize and redact in one rewrite per destination) against the two walks it
// replaces (normalize the whole request, decode it again, redact per destination): on random
// batches of the three signals, with aliases, renamed keys, int coercions, PII and drops in every
// place, both give the same bytes to every destination and the same ledger. Resources sometimes
// carry an alias too, which sends the batch down the two-walk path; a routed subset exercises
// the walks that must not count normalization twice. Cases: 200 per signal (CI=true: 50).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { requestArbitraries } from '@cairn/otlp/testing';
import type { Signal } from '@cairn/otlp';
import { parseConfig } from '../config/load.js';
import { BatchProcessor, type ProcessResult } from '../pipeline/process.js';
import { compileForTest, exampleRegistry } from './test-support.js';
import type { LedgerDelta } from './ledger.js';

const CASES = process.env.CI === 'true' ? 50 : 200;
const config = parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-fused-unused }
auth: { anonymous: true }
destinations:
  hashed: { exporter: { debug: {} } }
  dropped: { exporter: { debug: {} }, when: '"note" in resource' }
  masked: { exporter: { debug: {} } }
  plain: { exporter: { debug: {} } }
`, 'fused.yaml');
const strategy = compileForTest({
  hashed: { key: 'hashed-key-0123456789', unknown: 'scan', sensitivity: { pii: 'hash', internal: 'hash' } },
  dropped: { key: 'dropped-key-0123456789', unknown: 'drop', sensitivity: { pii: 'drop', public: 'drop' } },
  masked: { key: 'masked-key-0123456789', unknown: 'scan', sensitivity: { pii: 'mask', public: { truncate: 1 } } },
}, exampleRegistry());
const fusedProcessor = new BatchProcessor(config, { strategy });
const twoWalks = new BatchProcessor(config, { strategy, fuseContentWalks: false });

const str = fc.oneof(
  fc.constantFrom('200', '0200', '-3', '7', 'ana@example.com', 'call +44 20 7946 0958', 'GET /cart', '10.1.2.3', ''),
  fc.string({ maxLength: 12 }),
);
// Canonical keys, their aliases (itemCount → acme.cart.item_count, an int), a renamed key
// (acme.cart.value → acme.cart.total), PII keys and undeclared ones.
const keys = fc.constantFrom('acme.cart.item_count', 'itemCount', 'items', 'acme.cart.total', 'acme.cart.value', 'cartTotal', 'user.email', 'email', 'user.id', 'userId', 'client.address', 'note', 'url.full');
const arbs = requestArbitraries(fc, str, keys);

function sorted(delta: LedgerDelta | undefined): unknown {
  if (!delta) return undefined;
  const by = (xs: readonly object[]) => xs.map((x) => JSON.stringify(x)).sort();
  const n = delta.normalization;
  return { actions: by(delta.actions), findings: by(delta.findings), renamed: by(n.renamed), conflicts: by(n.conflicts), coerced: by(n.coerced), jurisdictionErrors: delta.jurisdictionErrors };
}

function outputs(r: ProcessResult): Record<string, string> {
  assert.ok(r.ok);
  return Object.fromEntries(r.outputs.map((o) => [o.destination, Buffer.from(o.body).toString('hex')]));
}

for (const signal of ['traces', 'logs', 'metrics'] as Signal[]) {
  test(`the fused walk gives the bytes and the ledger of the two walks (${signal})`, () => {
    let fusedChanged = 0;
    fc.assert(fc.property(arbs[signal], (json) => {
      const body = Buffer.from(JSON.stringify(json));
      const a = fusedProcessor.process({ signal, format: 'json', body, tenant: 'anonymous' });
      const b = twoWalks.process({ signal, format: 'json', body, tenant: 'anonymous' });
      assert.deepEqual(outputs(a), outputs(b));
      assert.ok(a.ok && b.ok);
      assert.deepEqual(sorted(a.ledger), sorted(b.ledger));
      if (a.ledger && a.ledger.normalization.renamed.length + a.ledger.normalization.coerced.length > 0) fusedChanged++;
    }), { numRuns: CASES });
    // The comparison means something only if normalization had work to do.
    assert.ok(fusedChanged > CASES / 10, `only ${fusedChanged} cases renamed or coerced anything`);
  });
}
