// A record with a malformed id is refused alone: the client hears how many in partial_success,
// the backend never sees it (it would refuse the whole batch), and the rest goes through. A
// request with nothing left to send reaches no backend at all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { post, span, traces } from './client.js';
import { eventually, startHarness, type Harness } from './harness.js';

const hex = (b: unknown): string => Buffer.from(b as Uint8Array).toString('hex');

describe('malformed ids over OTLP/HTTP JSON: the record is refused, not the request', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  const json = (spans: object[]): string => JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeSpans: [{ spans }] }] });
  const headers = { 'content-type': 'application/json' };

  it('a non-hex trace id and a short parent id: 200 with rejectedSpans 2, the good span delivered alone', async () => {
    const good = span('good');
    const bad = span('non-hex');
    const orphan = span('short-parent');
    const body = json([
      { traceId: hex(good.traceId), spanId: good.spanIdHex, name: 'good' },
      { traceId: 'not-a-hex-trace-id', spanId: bad.spanIdHex, name: 'non-hex' },
      { traceId: hex(orphan.traceId), spanId: orphan.spanIdHex, parentSpanId: 'abcd', name: 'short-parent' },
    ]);
    const res = await post(`${h.http}/v1/traces`, body, headers);
    assert.equal(res.status, 200);
    const answer = JSON.parse(res.body.toString()) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
    assert.equal(answer.partialSuccess?.rejectedSpans, '2');
    assert.match(answer.partialSuccess?.errorMessage ?? '', /2 spans refused/);
    await h.sink.waitFor((s) => s.spanIds.includes(good.spanIdHex), 10_000);
    assert.ok(!h.sink.spanIds.includes(bad.spanIdHex));
    assert.ok(!h.sink.spanIds.includes(orphan.spanIdHex));
  });

  it('a request whose every span is refused, and an empty request, reach no backend', async () => {
    // Settle what the test before delivered, so that the queue is empty before these requests.
    await eventually(() => h.gateway.queue.depth('backend').batches === 0, 10_000, 'an empty queue');
    const requestsBefore = h.sink.totals.requests;
    const bad = span('all-bad');
    const allBad = await post(`${h.http}/v1/traces`, json([{ traceId: 'zz', spanId: bad.spanIdHex, name: 'all-bad' }]), headers);
    assert.equal(allBad.status, 200);
    assert.equal((await post(`${h.http}/v1/traces`, '{}', headers)).status, 200);
    assert.equal((await post(`${h.http}/v1/traces`, new Uint8Array(0))).status, 200);
    assert.equal(h.gateway.queue.depth('backend').batches, 0); // each was answered after the queue commit it would need
    // The next request is the next thing the backend sees: nothing empty went before it.
    const later = span('later');
    assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [later]))).status, 200);
    await h.sink.waitFor((s) => s.spanIds.includes(later.spanIdHex), 10_000);
    assert.equal(h.sink.totals.requests, requestsBefore + 1);
  });
});
