// The console's admin API against a real gateway fed by a test client over OTLP/HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { post, span, traces } from '../e2e/client.js';
import { WAIT_MS, eventually } from '../e2e/harness.js';
import { parseSelection } from './api/deadletters.js';
import { attributeChanges } from './api/strategy.js';
import { OverviewHistory, type Snapshot } from './history.js';
import { call, startConsoleHarness, type ConsoleHarness } from './test-support.js';

interface Overview {
  receivers: { receiver: string; received_items: number; accepted_items: number; refused_items: number; refused_requests: number; backpressure: number; ingest_rate: number }[];
  destinations: { destination: string; exported_items: number; dead_letter_batches: number; queue_bytes: number }[];
  series: { at: string; receivers: Record<string, { ingest_rate: number }> }[];
}
interface Destinations { destinations: { destination: string; health: string; dead_letter_batches: number; dead_letters: { id: number; reason: string }[]; oldest_queued: unknown }[] }

describe('console API', () => {
  let h: ConsoleHarness;
  before(async () => {
    // The overview test samples the history itself. The gateway's 10 s sampling timer, firing
    // between its request and its read, would leave nothing to the last point's rate: out of reach.
    h = await startConsoleHarness({ intervalMs: 3_600_000 });
  });
  after(async () => {
    await h?.close();
  });
  const get = async <T>(path: string): Promise<T> => {
    const answer = await call(`${h.admin}${path}`);
    assert.equal(answer.status, 200, `${path}: ${answer.text}`);
    return answer.json() as T;
  };

  it('overview: totals per receiver and destination match what was sent, and the series has a rate', async () => {
    await h.gateway.console!.history.sample();
    assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [span('a'), span('b'), span('c')]))).status, 200);
    assert.equal((await post(`${h.http}/v1/traces`, 'not protobuf')).status, 400);
    // A sink holds a request before the gateway has its answer: exported_items counts once the
    // batch is acknowledged and leaves the queue, so wait for the empty queues as well.
    const drained = () => h.gateway.queue.depth('console').batches === 0 && h.gateway.queue.depth('archive').batches === 0;
    await eventually(() => h.consoleSink.requests.length >= 1 && h.archiveSink.requests.length >= 1 && drained(), WAIT_MS, 'delivery');
    const o = await get<Overview>('/api/overview');
    const http = o.receivers.find((r) => r.receiver === 'otlphttp')!;
    assert.equal(http.accepted_items, 3);
    assert.equal(http.refused_requests, 1);
    assert.ok(http.ingest_rate > 0, 'the last point is a rate over the time since the last sample');
    assert.deepEqual(o.destinations.map((d) => [d.destination, d.exported_items]), [['console', 3], ['archive', 3]]);
    assert.ok(o.series.length >= 1);
    assert.ok(o.series.at(-1)!.receivers.otlphttp!.ingest_rate > 0);
  });

  it('destinations: a refused batch shows as a dead letter; replay sends it again, purge deletes it; both are logged', async () => {
    h.archiveSink.failNext(1, { status: 400, message: 'bad batch' });
    assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [span('refused')]))).status, 200);
    await eventually(() => h.gateway.queue.deadLetters('archive').length === 1, WAIT_MS, 'dead letter');
    let d = (await get<Destinations>('/api/destinations')).destinations.find((x) => x.destination === 'archive')!;
    assert.equal(d.dead_letter_batches, 1);
    assert.match(d.dead_letters[0]!.reason, /bad batch/);
    assert.equal(d.health, 'ok');
    const json = { 'content-type': 'application/json' };
    const bad = await call(`${h.admin}/api/deadletters/replay`, { method: 'POST', headers: json, body: JSON.stringify({ destination: 'nowhere' }) });
    assert.equal(bad.status, 400);
    const before = h.archiveSink.requests.length;
    const replay = await call(`${h.admin}/api/deadletters/replay`, { method: 'POST', headers: json, body: JSON.stringify({ destination: 'archive' }) });
    assert.deepEqual(replay.json(), { action: 'replay', count: 1, items: 1 });
    await eventually(() => h.archiveSink.requests.length > before, WAIT_MS, 'replayed batch delivered');
    d = (await get<Destinations>('/api/destinations')).destinations.find((x) => x.destination === 'archive')!;
    assert.equal(d.dead_letter_batches, 0);
    h.archiveSink.failNext(1, { status: 400, message: 'bad again' });
    await post(`${h.http}/v1/traces`, traces('checkout', [span('refused')]));
    await eventually(() => h.gateway.queue.deadLetters('archive').length === 1, WAIT_MS, 'dead letter');
    const ids = h.gateway.queue.deadLetters('archive').map((l) => l.id);
    const purge = await call(`${h.admin}/api/deadletters/purge`, { method: 'POST', headers: json, body: JSON.stringify({ ids }) });
    assert.deepEqual(purge.json(), { action: 'purge', count: 1 });
    assert.equal(h.gateway.queue.deadLetters('archive').length, 0);
  });

  it('strategy: the matrix has a column per destination; try-it hashes an e-mail for console and keeps it for archive', async () => {
    const explain = await get<{ columns: { destination: string }[]; rows: { name: string; cells: { action: string }[] }[] }>('/api/strategy/explain');
    assert.deepEqual(explain.columns.filter((c) => !('variant' in c)).map((c) => c.destination), ['console', 'archive']);
    const pii = explain.rows.find((r) => r.name === 'pii')!;
    assert.equal(pii.cells[0]!.action, 'hash');
    const otlp = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'POST /checkout', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: [{ key: 'note', value: { stringValue: 'mail ada@example.com' } }, { key: 'user.email', value: { stringValue: 'ada@example.com' } }] }] }] }] };
    const answer = await call(`${h.admin}/api/strategy/try`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ otlp }) });
    assert.equal(answer.status, 200, answer.text);
    const result = answer.json() as { outputs: { destination: string; changes: { key: string; before: string; after: string | null }[] }[] };
    const consoleChanges = result.outputs.find((o) => o.destination === 'console')!.changes;
    const email = consoleChanges.find((c) => c.key === 'user.email')!;
    assert.equal(email.before, 'ada@example.com');
    assert.match(email.after!, /^hmac:demo-1:/);
    assert.deepEqual(result.outputs.find((o) => o.destination === 'archive')!.changes.filter((c) => c.key === 'user.email'), []);
    const refused = await call(`${h.admin}/api/strategy/try`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ otlp: { resourceSpans: 'x' } }) });
    assert.equal(refused.status, 422);
  });

  it('registry: search by key, owner and sensitivity', async () => {
    const all = await get<{ total: number; owners: string[]; sensitivities: string[] }>('/api/registry');
    assert.ok(all.total > 100);
    const email = await get<{ attributes: { key: string; sensitivity: string; brief: string }[] }>('/api/registry?q=user.email');
    assert.ok(email.attributes.some((a) => a.key === 'user.email' && a.sensitivity === 'pii'));
    const owner = all.owners[0]!;
    const owned = await get<{ matched: number; attributes: { owner: string }[] }>(`/api/registry?owner=${encodeURIComponent(owner)}`);
    assert.ok(owned.matched > 0 && owned.attributes.every((a) => a.owner === owner));
    const pii = await get<{ attributes: { sensitivity: string }[] }>('/api/registry?sensitivity=pii');
    assert.ok(pii.attributes.length > 0 && pii.attributes.every((a) => a.sensitivity === 'pii'));
  });

  it('bodies over the limit and bodies that are not JSON get a coded error', async () => {
    const notJson = await call(`${h.admin}/api/strategy/try`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    assert.equal(notJson.status, 400);
    assert.match(notJson.text, /CAIRN_CONSOLE_BODY/);
    const big = await call(`${h.admin}/api/deadletters/purge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"ids":[${'1,'.repeat(40_000)}1]}` });
    assert.equal(big.status, 413);
  });
});

describe('console API pieces', () => {
  it('the history keeps one hour of samples and ends with a point to now', async () => {
    let clock = 0;
    let items = 0;
    const take = async (at: number): Promise<Snapshot> => ({ at, receivers: { otlphttp: { received_items: items, accepted_items: items, refused_items: 0, refused_requests: 0, backpressure: 0 } }, destinations: {} });
    const history = new OverviewHistory(take, 10_000, 3600_000, () => clock);
    for (let i = 0; i < 400; i++) {
      clock = i * 10_000;
      items = i * 50;
      await history.sample();
    }
    const series = history.series(await take(clock + 5000));
    assert.equal(series.length, history.capacity);
    assert.equal(series[0]!.receivers.otlphttp!.ingest_rate, 5);
    assert.equal(series.at(-1)!.receivers.otlphttp!.ingest_rate, 0);
  });

  it('attributeChanges lists hashed, dropped and added attributes by place', () => {
    const before = { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 's', attributes: [{ key: 'a', value: { stringValue: 'x' } }, { key: 'b', value: { stringValue: 'y' } }] }] }] }] };
    const after = { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 's', attributes: [{ key: 'a', value: { stringValue: 'h' } }, { key: 'c', value: { intValue: '1' } }] }] }] }] };
    assert.deepEqual(attributeChanges(before, after).map((c) => [c.key, c.before, c.after]), [['a', 'x', 'h'], ['b', 'y', null], ['c', null, '1']]);
  });

  it('parseSelection accepts only ids and a known destination, for any JSON', () => {
    const known = new Set(['archive']);
    assert.deepEqual(parseSelection({ ids: [1, 2], destination: 'archive' }, known), { selection: { ids: [1, 2], destination: 'archive' } });
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const parsed = parseSelection(value, known);
      if ('error' in parsed) return true;
      const { ids, destination } = parsed.selection;
      return (ids === undefined || ids.every((id) => Number.isSafeInteger(id) && id > 0)) && (destination === undefined || destination === 'archive');
    }), { numRuns: process.env.CI ? 300 : 3000 });
  });
});
