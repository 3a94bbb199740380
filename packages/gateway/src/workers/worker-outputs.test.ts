// What a processing thread posts: a real worker thread gets many different requests at once, with
// PII to rewrite for two destinations, and every output must equal what inline processing gives
// for the same request, and carry nothing but its own bytes to the main thread (a structured
// clone copies a view's whole ArrayBuffer: a rewritten request is written into a buffer of
// exactly its size, and any other view is copied out first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { jsonToProtobuf } from '@cairn/otlp';
import { requestArbitraries } from '@cairn/otlp/testing';
import { parseConfig } from '../config/load.js';
import { loadStrategyContent } from '../strategy/content.js';
import { PLANTED } from '../stages/classify/detectors/testdata/generators.js';
import type { ProcessResult } from '../pipeline/process.js';
import { ProcessorPool } from './pool.js';

const REQUESTS = process.env.CI === 'true' ? 60 : 200;
const conventions = fileURLToPath(new URL('../../../../examples/conventions', import.meta.url));

test('a worker gives every request the output inline processing gives it, in a buffer of its own', async () => {
  const config = parseConfig(`
conventions: ${JSON.stringify(conventions)}
strategy:
  destinations:
    hashed:
      sensitivity: { public: allow, internal: allow, pii: hash, secret: drop }
      unknown: scan
      keys: { default: { env: CAIRN_TEST_BUFFERS_KEY, id: t1 } }
    masked:
      sensitivity: { public: allow, internal: allow, pii: mask, secret: drop }
      unknown: scan
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-worker-outputs-unused }
auth: { anonymous: true }
destinations:
  hashed: { exporter: { debug: {} } }
  masked: { exporter: { debug: {} } }
  archive: { exporter: { debug: {} } }
`, 'worker-outputs.yaml');
  const content = loadStrategyContent(config, { CAIRN_TEST_BUFFERS_KEY: 'worker-outputs-key-0123456789' });
  const pii = fc.oneof(...PLANTED.map(([, arb]) => arb));
  const str = fc.oneof(fc.constantFrom('GET', '/cart/1', 'ok'), pii);
  const keys = fc.constantFrom('note', 'client.address', 'http.method', 'url.path', 'user.email');
  const arbs = requestArbitraries(fc, str, keys);
  const bodies = fc.sample(arbs.traces, { numRuns: REQUESTS, seed: 7 }).map((json) => jsonToProtobuf('traces', JSON.stringify(json)));
  const inline = new ProcessorPool(config, 0, content);
  const threaded = new ProcessorPool(config, 1, content);
  try {
    const expected: ProcessResult[] = [];
    for (const body of bodies) expected.push(await inline.process({ signal: 'traces', format: 'protobuf', body: Uint8Array.from(body), tenant: 'anonymous' }));
    // All at once: the worker takes them back to back.
    const got = await Promise.all(bodies.map((body) => threaded.process({ signal: 'traces', format: 'protobuf', body: Uint8Array.from(body), tenant: 'anonymous' })));
    let rewritten = 0;
    for (let i = 0; i < bodies.length; i++) {
      const [e, g] = [expected[i]!, got[i]!];
      assert.ok(e.ok && g.ok);
      assert.equal(g.outputs.length, e.outputs.length);
      for (let d = 0; d < e.outputs.length; d++) {
        assert.equal(g.outputs[d]!.destination, e.outputs[d]!.destination);
        assert.deepEqual(Buffer.from(g.outputs[d]!.body), Buffer.from(e.outputs[d]!.body), `request ${i}, ${e.outputs[d]!.destination}`);
        // Only the output's own bytes cross: never the rest of a larger buffer.
        assert.equal(g.outputs[d]!.body.buffer.byteLength, g.outputs[d]!.body.byteLength, `request ${i} ${g.outputs[d]!.destination}: the output buffer holds nothing else (${g.outputs[d]!.body.byteLength} of ${g.outputs[d]!.body.buffer.byteLength}, at ${g.outputs[d]!.body.byteOffset})`);
        if (!Buffer.from(e.outputs[d]!.body).equals(Buffer.from(bodies[i]!))) rewritten++;
      }
    }
    console.log(`# ${bodies.length} requests, ${rewritten} rewritten outputs compared`);
    assert.ok(rewritten > bodies.length, 'most requests were rewritten for two destinations');
  } finally {
    await inline.close();
    await threaded.close();
  }
});
