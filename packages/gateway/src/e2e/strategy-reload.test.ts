// SIGHUP against a real gateway process: the strategy, its keys and the registry swap together;
// a broken file keeps the running strategy and logs one error. Observed through a real sink.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { protobufToJson } from '@cairn/otlp';
import { OtlpHttpSink } from '../testing/sink.js';
import { kill9, spawnGateway, type GatewayChild } from './child.js';
import { post, span, traces } from './client.js';
import { eventually, harnessYaml, HTTP_RECEIVER, LOOPBACK_ADMIN } from './harness.js';

interface JsonSpan { name: string; spanId: string; attributes?: { key: string; value: { stringValue?: string } }[] }

/** The `user.note` attribute of the span with `spanId` (hex) as the sink received it, or null when absent. */
function noteOf(sink: OtlpHttpSink, spanIdHex: string): string | null | undefined {
  for (const request of sink.requests) {
    const json = JSON.parse(protobufToJson('traces', request.body)) as { resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[] };
    for (const rs of json.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          if (Buffer.from(s.spanId, 'base64').toString('hex') !== spanIdHex && s.spanId !== spanIdHex) continue;
          return s.attributes?.find((a) => a.key === 'user.note')?.value.stringValue ?? null;
        }
      }
    }
  }
  return undefined;
}

/** Sends one span and returns its `user.note` as delivered. */
async function roundTrip(gateway: GatewayChild, sink: OtlpHttpSink): Promise<string | null> {
  const s = span('checkout', { 'user.note': 'call ana@example.com' });
  const answer = await post(`http://127.0.0.1:${gateway.ports.http}/v1/traces`, traces('shop', [s]));
  assert.equal(answer.status, 200);
  let note: string | null | undefined;
  await eventually(() => (note = noteOf(sink, s.spanIdHex)) !== undefined, 30_000, `span ${s.spanIdHex} at the sink`);
  return note!;
}

const STRATEGY_V1 = `destinations:
  backend:
    overrides: { "user.note": mask }
`;
const STRATEGY_V2 = `destinations:
  backend:
    overrides: { "user.note": hash }
    keys: { default: { file: ./k2.key, id: k2 } }
`;

describe('strategy reload (SIGHUP) in a gateway process', () => {
  it('swaps strategy and keys; a broken file keeps the old strategy and logs one error with its code and path', async () => {
    const sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-reload-'));
    const configPath = join(dir, 'cairn.yaml');
    const strategyPath = join(dir, 'strategy.yaml');
    writeFileSync(strategyPath, STRATEGY_V1);
    writeFileSync(join(dir, 'k2.key'), 'a reload test key, 32 bytes long');
    writeFileSync(configPath, harnessYaml(sink.url, './queue', 'auth: { anonymous: true }\nstrategy: ./strategy.yaml', '', HTTP_RECEIVER, LOOPBACK_ADMIN));
    let gateway: GatewayChild | undefined;
    try {
      gateway = await spawnGateway(configPath);
      assert.equal(await roundTrip(gateway, sink), '****', 'v1 masks');

      writeFileSync(strategyPath, STRATEGY_V2);
      gateway.process.kill('SIGHUP');
      // Each thread swaps between batches: send until a span comes back under the new strategy.
      let note: string | null = '****';
      for (let i = 0; i < 100 && note === '****'; i++) note = await roundTrip(gateway, sink);
      assert.match(note ?? '', /^hmac:k2:[A-Za-z0-9_-]{22}$/, 'v2 hashes with the new key');
      const again = await roundTrip(gateway, sink);
      assert.equal(again, note, 'same value, same pseudonym');

      writeFileSync(strategyPath, `destinations:\n  backend:\n    overrides: { "user.note": hsh }\n`);
      gateway.process.kill('SIGHUP');
      const child = gateway;
      await eventually(() => /strategy reload failed/.test(child.stderr()), 30_000, 'the reload error in the log');
      const errors = child.stderr().split('\n').filter((line) => /strategy reload failed/.test(line));
      assert.equal(errors.length, 1, child.stderr());
      const logged = JSON.parse(errors[0]!) as { level: number; code: string; path: string; location: string };
      assert.equal(logged.level, 50);
      assert.equal(logged.code, 'CAIRN_CONFIG');
      assert.equal(logged.path, 'destinations.backend.overrides.user.note');
      assert.equal(logged.location, `${strategyPath}:3:31`);
      assert.equal(await roundTrip(gateway, sink), note, 'the previous strategy stays in force');

      // The audit ledger saw both strategies' actions, without the values.
      const ledger = await (await fetch(`http://127.0.0.1:${gateway.ports.admin}/api/strategy/ledger`)).json() as { actions: { destination: string; attribute: string; action: string; rule: string; count: number }[] };
      const mask = ledger.actions.find((a) => a.action === 'mask');
      const hash = ledger.actions.find((a) => a.action === 'hash');
      assert.deepEqual(mask && { ...mask, count: 0 }, { destination: 'backend', attribute: 'user.note', action: 'mask', rule: 'overrides["user.note"]', count: 0 });
      assert.ok(hash && hash.count >= 3, JSON.stringify(ledger));
      assert.doesNotMatch(JSON.stringify(ledger), /ana@example/);
      const metrics = await (await fetch(`http://127.0.0.1:${gateway.ports.admin}/metrics`)).text();
      assert.match(metrics, /cairn_strategy_actions_total\{destination="backend",attribute="user.note",action="hash",rule="overrides\[\\"user.note\\"\]"\} \d+/);
    } finally {
      if (gateway) await kill9(gateway);
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
