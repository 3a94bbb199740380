import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OtlpHttpSink } from '../testing/sink.js';
import { kill9, spawnGateway, type GatewayChild } from './child.js';
import { sustainedLoad, type SustainedLoad } from './client.js';
import { eventually, harnessYaml } from './harness.js';

const SPANS_PER_BATCH = 50;
const CONCURRENCY = 4;
/** The backlog is merged into requests of up to 4 batches: what one request in flight can repeat. */
const MAX_ITEMS_PER_REQUEST = 4 * SPANS_PER_BATCH;

describe('durability: kill -9 during sustained load, then restart', () => {
  it('delivers every acknowledged span, with duplicates bounded by the requests in flight', async () => {
    const sink = await OtlpHttpSink.start();
    // The backend answers nothing until after the kill, so the kill lands with a backlog in the
    // queue however fast or slow this machine is (a timed stall let a fast sink keep up).
    sink.hold();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-crash-'));
    const configPath = join(dir, 'cairn.yaml');
    writeFileSync(configPath, `${harnessYaml(sink.url, join(dir, 'queue'), 'auth: { anonymous: true }', `    concurrency: ${CONCURRENCY}\n    batch: { max_items: ${MAX_ITEMS_PER_REQUEST} }`)}`);
    let gateway: GatewayChild | undefined;
    let load: SustainedLoad | undefined;
    try {
      gateway = await spawnGateway(configPath);
      const first = gateway;
      load = sustainedLoad(() => `http://127.0.0.1:${first.ports.http}`, { clients: 3, spansPerRequest: SPANS_PER_BATCH, name: 'load', errorPauseMs: 10 });
      const acknowledged = load.acknowledged;
      // Enough acknowledged to mean something: a count, not a time, so a slow machine waits longer.
      await eventually(() => acknowledged.size >= SPANS_PER_BATCH * 40, 60_000, `${SPANS_PER_BATCH * 40} spans acknowledged`);
      await kill9(first);
      await load.stop();
      const refused = load.errors + [...load.answers].reduce((sum, [code, n]) => sum + (code === 200 ? 0 : n), 0);
      load = undefined;
      const deliveredAtKill = sink.distinctSpans;
      assert.equal(deliveredAtKill, 0, 'the held backend recorded nothing before the kill');

      sink.release();
      gateway = await spawnGateway(configPath);
      await sink.waitFor((s) => s.hasAllSpans(acknowledged), 60_000);
      const counts = new Map<string, number>();
      for (const id of sink.spanIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
      assert.ok(duplicates <= CONCURRENCY * MAX_ITEMS_PER_REQUEST, `${duplicates} duplicate spans; at most ${CONCURRENCY} requests of ${MAX_ITEMS_PER_REQUEST} were in flight`);
      assert.ok(sink.requests.every((r) => r.items <= MAX_ITEMS_PER_REQUEST), `a request went over ${MAX_ITEMS_PER_REQUEST} spans`);
      const merged = sink.requests.filter((r) => r.items > SPANS_PER_BATCH).length;
      assert.ok(merged > 0, 'the backlog after the restart should go out in merged requests');
      process.stdout.write(`# crash: ${acknowledged.size} acknowledged before the kill, all delivered after restart, ${duplicates} duplicates, ${refused} refused during the kill\n`);
    } finally {
      await load?.stop();
      if (gateway) await kill9(gateway);
      await sink.close();
    }
  });
});
