// The content stages through BatchProcessor: normalization before routing, then per destination
// classification and redaction, with the ledger's counters. Inputs are OTLP/JSON for reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { protobufjsDecoder, contentStrings, type Json } from '@cairn/otlp/testing';
import type { Signal } from '@cairn/otlp';
import { parseConfig } from '../config/load.js';
import { BatchProcessor, type ProcessResult } from '../pipeline/process.js';
import { compileForTest, exampleRegistry } from './test-support.js';
import type { LedgerDelta } from './ledger.js';

const pbjs = protobufjsDecoder(protobuf);
const KEY_EU = 'eu-key-0123456789abcdef';
const KEY_US = 'us-key-0123456789abcdef';

const config = parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-content-test-unused }
auth: { anonymous: true }
destinations:
  eu: { exporter: { debug: {} } }
  us: { exporter: { debug: {} } }
  archive: { exporter: { debug: {} } }
  de-only: { exporter: { debug: {} }, when: "resource['acme.tenant.jurisdiction'] == 'de'" }
`, 'content.test.yaml');

const strategy = compileForTest({
  eu: { key: KEY_EU, unknown: 'scan', sensitivity: { pii: 'hash' }, overrides: { 'acme.customer.email': 'mask', 'http.request.header.*': 'drop', 'acme.note': { truncate: 4 } },
    jurisdictions: [{ when: (r) => r['acme.tenant.jurisdiction'] === 'de', sensitivity: { pii: 'drop' } }] },
  us: { key: KEY_US, unknown: 'scan', sensitivity: { pii: 'drop' } },
  'de-only': { key: KEY_EU, unknown: 'allowlist', sensitivity: { pii: 'hash' } },
}, exampleRegistry());

const processor = new BatchProcessor(config, { strategy });
const plain = new BatchProcessor(config);

const sv = (s: string) => ({ stringValue: s });
const kv = (key: string, value: Json) => ({ key, value });
const TRACE = '0af7651916cd43dd8448eb211c80319c';

function traces(resourceAttrs: Json[], spanAttrs: Json[], extra: Json = {}): Json {
  return { resourceSpans: [{ resource: { attributes: [kv('service.name', sv('shop')), ...resourceAttrs] }, scopeSpans: [{ scope: { name: 'lib' }, spans: [{ traceId: TRACE, spanId: 'b7ad6b7169203331', name: 'GET /x', startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: spanAttrs, ...extra }] }] }] };
}

function run(p: BatchProcessor, json: Json, signal: Signal = 'traces'): Extract<ProcessResult, { ok: true }> {
  const r = p.process({ signal, format: 'json', body: Buffer.from(JSON.stringify(json)), tenant: 'anonymous' });
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r;
}

function out(r: Extract<ProcessResult, { ok: true }>, destination: string, signal: Signal = 'traces'): Json {
  const o = r.outputs.find((x) => x.destination === destination);
  assert.ok(o, `no output for ${destination}`);
  return pbjs(signal, o.body);
}

function spanAttrs(request: Json): Record<string, unknown> {
  const span = ((((request.resourceSpans as Json[])[0]!.scopeSpans as Json[])[0]!.spans as Json[])[0]!);
  return Object.fromEntries(((span.attributes as Json[] | undefined) ?? []).map((a) => [a.key as string, (a.value as Json).stringValue ?? (a.value as Json).intValue]));
}

test('normalization: aliases and renamed keys become canonical everywhere, conflicts keep the canonical value, ints are coerced', () => {
  const r = run(processor, traces([kv('userId', sv('u1'))], [kv('http.method', sv('GET')), kv('http.status_code', sv('200')), kv('http.url', sv('https://x/p?token=abc')), kv('userId', sv('u2')), kv('user.id', sv('u3'))], {
    events: [{ name: 'e', timeUnixNano: '1', attributes: [kv('http.method', sv('POST'))] }],
    links: [{ traceId: TRACE, spanId: 'b7ad6b7169203332', attributes: [kv('userId', sv('u4'))] }],
  }));
  const archive = spanAttrs(out(r, 'archive'));
  // archive has no strategy entry: as sent.
  assert.deepEqual(Object.keys(archive), ['http.method', 'http.status_code', 'http.url', 'userId', 'user.id']);
  const us = out(r, 'us');
  const a = spanAttrs(us);
  assert.equal(a['http.request.method'], 'GET');
  assert.equal(a['http.response.status_code'], '200'); // an int now (protobufjs longs as strings)
  const span = (((us.resourceSpans as Json[])[0]!.scopeSpans as Json[])[0]!.spans as Json[])[0]!;
  const status = (span.attributes as Json[]).find((x) => x.key === 'http.response.status_code')!;
  assert.deepEqual(status.value, { intValue: '200' });
  assert.equal(a['url.full'], 'https://x/p?token=REDACTED');
  assert.ok(!('userId' in a) && !('user.id' in a), 'user.id is pii: dropped at us');
  const event = (span.events as Json[])[0]!;
  assert.equal((event.attributes as Json[])[0]!.key, 'http.request.method');
  const ledger = r.ledger!;
  assert.ok(ledger.normalization.renamed.some((x) => x.from === 'http.method' && x.to === 'http.request.method' && x.count === 2));
  assert.deepEqual(ledger.normalization.conflicts, [{ key: 'user.id', count: 1 }]);
  assert.deepEqual(ledger.normalization.coerced, [{ key: 'http.response.status_code', to: 'int', count: 1 }]);
  // At eu the canonical value (u3) wins and is hashed; the alias's value u2 is gone.
  const eu = spanAttrs(out(r, 'eu'));
  assert.match(String(eu['user.id']), /^hmac:k1:[A-Za-z0-9_-]{22}$/);
  assert.equal(eu['user.id'], hashAt(processor, 'eu', 'u3'));
});

/** The pseudonym the eu destination gives a user.id value. */
function hashAt(p: BatchProcessor, dest: string, value: string): unknown {
  const r = run(p, traces([], [kv('user.id', sv(value))]));
  return spanAttrs(out(r, dest))['user.id'];
}

test('hash: same input, same pseudonym within a destination; different across destinations', () => {
  const p2 = compileForTest({ eu: { key: KEY_EU, sensitivity: { pii: 'hash' } }, us: { key: KEY_US, sensitivity: { pii: 'hash' } } }, exampleRegistry());
  const proc = new BatchProcessor(config, { strategy: p2 });
  assert.equal(hashAt(proc, 'eu', 'alice'), hashAt(proc, 'eu', 'alice'));
  assert.notEqual(hashAt(proc, 'eu', 'alice'), hashAt(proc, 'us', 'alice'));
  assert.notEqual(hashAt(proc, 'eu', 'alice'), hashAt(proc, 'eu', 'bob'));
});

test('scan: a detector replaces only the matching part; overrides win over classes; secrets drop', () => {
  const r = run(processor, traces([], [
    kv('note', sv('sent to alice@example.com at 10:02')),
    kv('acme.customer.email', sv('bob@example.com')),
    kv('http.request.header.authorization', sv('Bearer abc')),
    kv('acme.note', sv('abcdefgh')),
    kv('blob', sv('key AKIAIOSFODNN7EXAMPLE here')),
    kv('contact', sv('carol@example.com')),
    kv('list', { arrayValue: { values: [sv('ok'), sv('dave@example.com'), { kvlistValue: { values: [kv('inner', sv('x erin@example.com'))] } }] } }),
  ]));
  const eu = spanAttrs(out(r, 'eu'));
  assert.match(String(eu.note), /^sent to hmac:k1:[A-Za-z0-9_-]{22} at 10:02$/);
  assert.equal(eu['acme.customer.email'], '****');
  assert.ok(!('http.request.header.authorization' in eu));
  assert.equal(eu['acme.note'], 'abcd');
  assert.equal(eu.blob, 'key [dropped] here');
  const us = spanAttrs(out(r, 'us'));
  assert.equal(us.note, 'sent to [dropped] at 10:02');
  assert.ok(!('contact' in us), 'a value that is entirely PII is dropped with its attribute');
  const strings = contentStrings('traces', out(r, 'us')).map(([, , v]) => v).join('\n');
  assert.doesNotMatch(strings, /@example\.com|AKIA/);
  assert.deepEqual(contentStrings('traces', out(r, 'us')).filter(([, k]) => k === 'list').map(([, , v]) => v), ['ok', 'x [dropped]']);
  const ledger = r.ledger as LedgerDelta;
  // Findings are counted once per batch, whatever the number of destinations.
  const emails = ledger.findings.filter((f) => f.detector === 'email').reduce((n, f) => n + f.count, 0);
  // note, contact, list[1], list[2].inner, and acme.customer.email (overridden at eu, scanned at us).
  assert.equal(emails, 5);
  assert.ok(ledger.actions.some((a) => a.destination === 'eu' && a.key === 'acme.customer.email' && a.action === 'mask' && a.rule === 'overrides["acme.customer.email"]'));
  assert.ok(ledger.actions.some((a) => a.destination === 'us' && a.key === 'note' && a.action === 'drop' && a.rule === 'sensitivity.pii'));
  assert.ok(ledger.findings.every((f) => f.service === 'shop'));
});

test('scan reaches span names, event names, link, scope and resource attributes', () => {
  const json = traces([kv('owner', sv('frank@example.com'))], [], {
    name: 'user grace@example.com',
    events: [{ name: 'mail heidi@example.com', timeUnixNano: '1', attributes: [kv('x', sv('ivan@example.com'))] }],
    links: [{ traceId: TRACE, spanId: 'b7ad6b7169203332', attributes: [kv('y', sv('judy@example.com'))] }],
  });
  ((json.resourceSpans as Json[])[0]!.scopeSpans as Json[])[0]!.scope = { name: 'lib', attributes: [kv('z', sv('mallory@example.com'))] };
  const r = run(processor, json);
  for (const dest of ['eu', 'us']) {
    const found = contentStrings('traces', out(r, dest)).filter(([, , v]) => v.includes('@example.com'));
    assert.deepEqual(found, [], dest);
  }
  assert.equal(contentStrings('traces', out(r, 'archive')).filter(([, , v]) => v.includes('@example.com')).length, 6);
});

test('a destination without a strategy entry gets the bytes as sent', () => {
  const json = traces([], [kv('http.method', sv('GET')), kv('contact', sv('carol@example.com'))]);
  const withStrategy = run(processor, json);
  const without = run(plain, json);
  const a = withStrategy.outputs.find((o) => o.destination === 'archive')!.body;
  const b = without.outputs.find((o) => o.destination === 'archive')!.body;
  assert.deepEqual(Buffer.from(a), Buffer.from(b));
  assert.equal(without.ledger, undefined);
});

test('jurisdictions: the first variant whose test holds replaces the policy for that resource', () => {
  const json = traces([kv('acme.tenant.jurisdiction', sv('de'))], [kv('user.id', sv('u1')), kv('contact', sv('carol@example.com'))]);
  const r = run(processor, json);
  const eu = spanAttrs(out(r, 'eu'));
  assert.ok(!('user.id' in eu) && !('contact' in eu), 'pii: drop under the de variant');
  assert.ok(r.ledger!.actions.some((a) => a.destination === 'eu' && a.rule === 'jurisdictions[0].sensitivity.pii'));
  const fr = spanAttrs(out(run(processor, traces([kv('acme.tenant.jurisdiction', sv('fr'))], [kv('user.id', sv('u1'))])), 'eu'));
  assert.match(String(fr['user.id']), /^hmac:k1:/);
});

test('allowlist: only registry keys pass; routing subsets are redacted too', () => {
  const json = traces([kv('acme.tenant.jurisdiction', sv('de'))], [kv('http.request.method', sv('GET')), kv('made.up', sv('v')), kv('user.id', sv('u1'))]);
  const r = run(processor, json);
  const de = spanAttrs(out(r, 'de-only'));
  assert.deepEqual(Object.keys(de).sort(), ['http.request.method', 'user.id']);
  assert.match(String(de['user.id']), /^hmac:k1:/);
  assert.ok(r.ledger!.actions.some((a) => a.destination === 'de-only' && a.key === 'made.up' && a.action === 'drop' && a.rule === 'unknown.allowlist'));
});

test('logs bodies and metric point and exemplar attributes are redacted', () => {
  const logs = { resourceLogs: [{ resource: { attributes: [kv('service.name', sv('shop'))] }, scopeLogs: [{ scope: { name: 'l' }, logRecords: [{ timeUnixNano: '1', body: sv('login by oscar@example.com'), attributes: [kv('m', { kvlistValue: { values: [kv('e', sv('peggy@example.com'))] } })] }] }] }] };
  const r = run(processor, logs, 'logs');
  const strings = contentStrings('logs', out(r, 'eu', 'logs'));
  assert.match(strings.find(([p]) => p === 'log.body')![2], /^login by hmac:k1:/);
  assert.doesNotMatch(strings.map((s) => s[2]).join(), /@example/);
  const metrics = { resourceMetrics: [{ resource: { attributes: [kv('service.name', sv('shop'))] }, scopeMetrics: [{ scope: { name: 'm' }, metrics: [{ name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: '1', attributes: [kv('who', sv('trent@example.com'))], exemplars: [{ asDouble: 1, timeUnixNano: '1', filteredAttributes: [kv('who', sv('victor@example.com'))] }] }] } }] }] }] };
  const m = run(processor, metrics, 'metrics');
  assert.doesNotMatch(contentStrings('metrics', out(m, 'us', 'metrics')).map((s) => s[2]).join(), /@example/);
  assert.equal(contentStrings('metrics', out(m, 'archive', 'metrics')).filter(([, , v]) => v.includes('@example')).length, 2);
});

test('SQL literals are replaced at every destination with a strategy', () => {
  const r = run(processor, traces([], [kv('db.statement', sv("SELECT * FROM u WHERE email = 'a@b.io' AND id = 42"))]));
  assert.equal(spanAttrs(out(r, 'us'))['db.query.text'] ?? spanAttrs(out(r, 'us'))['db.statement'], 'SELECT * FROM u WHERE email = ? AND id = ?');
});

test('setStrategy swaps the strategy between batches; undefined turns the stages off', () => {
  const p = new BatchProcessor(config);
  const json = traces([], [kv('contact', sv('carol@example.com'))]);
  assert.equal(spanAttrs(out(run(p, json), 'us')).contact, 'carol@example.com');
  p.setStrategy(strategy);
  assert.ok(!('contact' in spanAttrs(out(run(p, json), 'us'))));
  p.setStrategy(undefined);
  assert.equal(spanAttrs(out(run(p, json), 'us')).contact, 'carol@example.com');
});

test('a request at the size limit whose canonical keys are longer is still accepted', () => {
  const json = traces([], [kv('userId', sv('u1')), kv('email', sv('e'))]);
  // The protobuf size of the request, as the limit counts it.
  const bytes = plain.process({ signal: 'traces', format: 'json', body: Buffer.from(JSON.stringify(json)), tenant: 'anonymous' });
  assert.ok(bytes.ok);
  const exact = bytes.outputs[0]!.body.length;
  const tight = parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-content-test-unused }
auth: { anonymous: true }
limits: { max_decompressed_size: ${exact} }
destinations:
  us: { exporter: { debug: {} } }
`, 'tight.yaml');
  const p = new BatchProcessor(tight, { strategy: compileForTest({ us: { key: KEY_US, sensitivity: { pii: 'allow' } } }, exampleRegistry()) });
  const r = p.process({ signal: 'traces', format: 'protobuf', body: bytes.outputs[0]!.body, tenant: 'anonymous' });
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.ok(r.outputs[0]!.body.length > exact, 'the normalized request is larger than the limit');
  assert.deepEqual(Object.keys(spanAttrs(pbjs('traces', r.outputs[0]!.body))), ['user.id', 'user.email']);
});

test('a hash action without a key is refused when the strategy is set, naming the destination', () => {
  const keyless = compileForTest({ us: { sensitivity: { pii: 'hash' } } }, exampleRegistry());
  assert.throws(() => new BatchProcessor(config, { strategy: keyless }), { code: 'CAIRN_STRATEGY_KEY_MISSING', message: /destinations\.us:/ });
  const p = new BatchProcessor(config);
  const viaJurisdiction = compileForTest({ us: { jurisdictions: [{ when: () => true, sensitivity: { pii: 'hash' } }] } }, exampleRegistry());
  assert.throws(() => p.setStrategy(viaJurisdiction), { code: 'CAIRN_STRATEGY_KEY_MISSING' });
  assert.equal(p.strategy, undefined, 'the old strategy (none) stays');
});

test('keys named like Object.prototype members are ordinary keys, not sanitizers', () => {
  // A sender chooses its keys: `constructor` once found a prototype member in the sanitizer
  // table, which threw on every value and failed the whole request.
  const r = run(processor, traces([], [kv('constructor', sv('a@b.example')), kv('toString', sv('x')), kv('__proto__', sv('y'))]));
  const attrs = spanAttrs(out(r, 'eu'));
  assert.equal(attrs.toString, 'x');
  assert.equal(attrs.__proto__, 'y');
  assert.notEqual(attrs.constructor, 'a@b.example', 'the e-mail is hashed like in any unknown key');
});
