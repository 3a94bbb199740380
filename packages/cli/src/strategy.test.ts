// `cairn strategy explain` and `cairn strategy test`, run as a user runs them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { jsonToProtobuf } from '@cairn/otlp';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../examples/cairn.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-strategy-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cairn(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CAIRN_STORAGE: join(dir, 'storage') } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('cairn strategy explain', () => {
  it('md: the class and attribute × destination matrix with owners, sensitivity and the jurisdiction variant beside its destination', () => {
    const { code, out, err } = cairn('strategy', 'explain', '-c', EXAMPLE);
    assert.equal(code, 0, err);
    assert.match(out, /^# Data strategy/);
    assert.match(out, /\| Row \| console \| console when resource\["acme\.tenant\.jurisdiction"\] == "de" \| archive \|/);
    assert.match(out, /\| pii \| hash \| drop \| allow \|/);
    assert.match(out, /\| secret \| drop \| drop \| drop \|/);
    assert.match(out, /\| `acme\.payment\.card\.token` \| team-payments \| secret \| drop \| drop \| drop \|/);
    assert.match(out, /\| `http\.request\.header\.\*` \| drop \| drop \| — \|/);
  });

  it('json: columns and rows with the rule of each cell', () => {
    const { code, out } = cairn('strategy', 'explain', '-c', EXAMPLE, '--format', 'json');
    assert.equal(code, 0);
    const e = JSON.parse(out) as { registry: string; columns: { destination: string; variant?: { when: string } }[]; rows: { kind: string; name: string; owner?: string; cells: { action: string; rule: string }[] }[] };
    assert.equal(e.registry, 'acme');
    assert.deepEqual(e.columns.map((c) => c.destination), ['console', 'console', 'archive']);
    const pii = e.rows.find((r) => r.kind === 'class' && r.name === 'pii')!;
    assert.deepEqual(pii.cells, [{ action: 'hash', rule: 'sensitivity.pii' }, { action: 'drop', rule: 'jurisdictions[0].sensitivity.pii' }, { action: 'allow', rule: 'sensitivity.pii' }]);
    assert.ok(e.rows.some((r) => r.kind === 'attribute' && r.owner === 'team-payments'));
  });

  it('html: one self-contained page, nothing fetched, every value escaped', () => {
    const config = join(dir, 'html.yaml');
    writeFileSync(config, `auth: { anonymous: true }\ndestinations:\n  a:\n    exporter: { debug: {} }\nstrategy:\n  destinations:\n    a:\n      overrides: { "<script>x</script>": drop }\n`);
    const { code, out } = cairn('strategy', 'explain', '-c', config, '--format', 'html');
    assert.equal(code, 0);
    assert.match(out, /^<!doctype html>/);
    assert.match(out, /<style>/);
    assert.doesNotMatch(out, /<script|src=|href=|@import|url\(/i);
    assert.match(out, /&lt;script&gt;x&lt;\/script&gt;/);
  });

  it('a bad --format is a usage error', () => {
    const { code, err } = cairn('strategy', 'explain', '-c', EXAMPLE, '--format', 'pdf');
    assert.equal(code, 2);
    assert.match(err, /--format must be one of md, html, json/);
  });
});

describe('cairn strategy test', () => {
  const request = (attributes: Record<string, string>, resource: Record<string, string> = {}) => JSON.stringify({
    resourceSpans: [{
      resource: { attributes: Object.entries({ 'service.name': 'checkout', ...resource }).map(([key, v]) => ({ key, value: { stringValue: v } })) },
      scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'POST /orders', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })) }] }],
    }],
  });

  it('shows per destination what the strategy changes in a recorded OTLP/JSON file', () => {
    const file = join(dir, 'recorded.json');
    writeFileSync(file, request({ 'acme.user.email': 'ana@example.com', 'acme.payment.card.token': 'tok_4242', 'http.request.header.authorization': 'Bearer abc', 'http.method': 'POST' }));
    const { code, out, err } = cairn('strategy', 'test', '-c', EXAMPLE, file);
    assert.equal(code, 0, err);
    const console = out.split('== archive')[0]!;
    const archive = out.split('== archive')[1]!;
    assert.match(console, /~ resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.attributes\["acme\.user\.email"\]: "ana@example\.com" → "hmac:demo-1:[A-Za-z0-9_-]{22}"/);
    assert.match(console, /- .*\["acme\.payment\.card\.token"\]: "tok_4242" \(dropped\)/);
    assert.match(console, /- .*\["http\.request\.header\.authorization"\]: "Bearer abc" \(dropped\)/);
    assert.doesNotMatch(archive, /acme\.user\.email/, 'the archive keeps pii as sent');
    assert.match(archive, /- .*\["acme\.payment\.card\.token"\]: "tok_4242" \(dropped\)/, 'and still drops secrets');
    assert.match(archive, /↦ .*\["http\.method"\]: renamed to "http\.request\.method"/, 'normalization shows as a rename');
  });

  it('JSON lines: one request per line, the jurisdiction variant applied per resource; --format json', () => {
    const file = join(dir, 'recorded.jsonl');
    writeFileSync(file, `${request({ 'acme.user.email': 'ana@example.com' })}\n${request({ 'acme.user.email': 'ana@example.com' }, { 'acme.tenant.jurisdiction': 'de' })}\n`);
    const { code, out, err } = cairn('strategy', 'test', '-c', EXAMPLE, '--format', 'json', file);
    assert.equal(code, 0, err);
    const results = JSON.parse(out) as { where: string; destinations: Record<string, unknown> }[];
    assert.deepEqual(results.map((r) => r.where), [`${file}:1`, `${file}:2`]);
    const text = (d: unknown) => JSON.stringify(d);
    assert.match(text(results[0]!.destinations.console), /hmac:demo-1:/);
    assert.doesNotMatch(text(results[1]!.destinations.console), /acme\.user\.email|ana@example\.com|hmac:/, 'dropped under the de variant');
    assert.match(text(results[1]!.destinations.archive), /ana@example\.com/);
  });

  it('a protobuf recording (--signal logs): the log body and attributes per destination', () => {
    const file = join(dir, 'recorded.pb');
    const logs = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: '1', body: { stringValue: 'charged' }, attributes: [{ key: 'acme.user.email', value: { stringValue: 'ana@example.com' } }] }] }] }] };
    writeFileSync(file, jsonToProtobuf('logs', Buffer.from(JSON.stringify(logs))));
    const { code, out, err } = cairn('strategy', 'test', '-c', EXAMPLE, '--signal', 'logs', file);
    assert.equal(code, 0, err);
    assert.match(out, /recorded\.pb \(logs\)/);
    const console = out.split('== archive')[0]!;
    assert.match(console, /~ resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.attributes\["acme\.user\.email"\]: "ana@example\.com" → "hmac:demo-1:/);
    assert.doesNotMatch(out.split('== archive')[1]!, /acme\.user\.email/);
  });

  it('a file that is not OTLP is a usage error naming it', () => {
    const file = join(dir, 'nonsense.json');
    writeFileSync(file, '{"hello": 1}');
    const { code, err } = cairn('strategy', 'test', '-c', EXAMPLE, file);
    assert.equal(code, 2);
    assert.match(err, /nonsense\.json: an OTLP\/JSON request has resourceSpans/);
  });
});

describe('a missing HMAC key', () => {
  const config = join(dir, 'nokey.yaml');
  writeFileSync(config, `receivers: { otlp: { http: { endpoint: 127.0.0.1:0 } } }
admin: null
auth: { anonymous: true }
storage: { directory: ./nokey-queue }
destinations:
  eu:
    exporter: { debug: {} }
strategy:
  destinations:
    eu:
      sensitivity: { pii: hash }
      keys: { default: { env: CAIRN_TEST_UNSET_KEY, id: k1 } }
`);

  it('cairn validate reports it with its code, naming the destination and the line', () => {
    const { code, err } = cairn('validate', '-c', config);
    assert.equal(code, 2);
    assert.match(err, /CAIRN_STRATEGY_KEY_MISSING: .*nokey\.yaml:12:\d+: strategy\.destinations\.eu\.keys\.default\.env: destination eu: environment variable CAIRN_TEST_UNSET_KEY is not set/);
  });

  it('cairn up refuses to start: never a plain hash', () => {
    const { code, out, err } = cairn('up', '-c', config);
    assert.equal(code, 2, out);
    assert.match(err, /^cairn: CAIRN_STRATEGY_KEY_MISSING: the data strategy cannot start\n.*destination eu: environment variable CAIRN_TEST_UNSET_KEY is not set/m);
    assert.doesNotMatch(out, /gateway running/);
  });
});
