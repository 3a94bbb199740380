// `cairn gaps` and `cairn report`, run as a user runs them, on what a real gateway recorded:
// gaps over the running gateway's admin API, report over the inventory file after it stopped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { Gateway, loadConfigFile } from '@cairn/gateway';
import { buildTraces, type Attributes } from '@cairn/otlp';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const CONVENTIONS = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-inventory-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cairn(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

let n = 0;
function span(name: string, attributes: Attributes, status = 0) {
  n++;
  return { traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), name, kind: 2, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes, status: { code: status } };
}

const config = join(dir, 'cairn.yaml');
writeFileSync(config, `
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 } } }
admin: { endpoint: 127.0.0.1:0 }
auth: { anonymous: true }
storage: { directory: ${JSON.stringify(join(dir, 'storage'))} }
conventions: ${JSON.stringify(CONVENTIONS)}
inventory: { enabled: true, max_share: 1 }
strategy:
  destinations:
    backend:
      sensitivity: { public: allow, internal: allow, pii: drop, secret: drop }
      unknown: pass
      overrides: { "debug.payload": drop }
destinations:
  backend:
    exporter: { file: { path: ${JSON.stringify(join(dir, 'out.jsonl'))} } }
`);

describe('cairn gaps and cairn report on a real gateway\'s inventory', () => {
  it('gaps over --admin while it runs; report over the file (-c) after it stopped', async () => {
    const gateway = await Gateway.start(loadConfigFile(config), { workers: 0, logger: pino({ level: 'silent' }) });
    let stopped = false;
    try {
      const spans = [];
      for (let i = 0; i < 120; i++) spans.push(span('GET /cart', { 'http.route': '/cart', 'http.request.method': 'GET', 'acme.cart.id': `c-${i}`, cartTotal: 3.5 }));
      for (let i = 0; i < 80; i++) spans.push(span('GET /search', { 'http.route': '/search', 'http.request.method': 'GET', 'debug.payload': 'x'.repeat(400), searchTerm: `term-${i % 9}`, contactEmail: `someone${i}@example.com` }, i < 10 ? 2 : 0));
      const body = buildTraces([{ resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ scope: { name: 'shop' }, spans }] }]);
      const res = await fetch(`http://127.0.0.1:${gateway.ports.http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      assert.equal(res.status, 200);

      const gaps = await cairn('gaps', '--service', 'checkout', '--from', 'now-1h', '--admin', `http://127.0.0.1:${gateway.ports.admin}`);
      assert.equal(gaps.code, 0, gaps.err);
      assert.match(gaps.out, /^## Instrumentation gaps: `checkout`/);
      assert.match(gaps.out, /200 spans; \*\*40% narrow\*\*/);
      assert.match(gaps.out, /\| `\/search` \| 80 \| 80 \| 100% \|/);
      assert.match(gaps.out, /100% of 10 error spans had no business context/);
      assert.match(gaps.out, /\| `searchTerm` \| 80 \| 40% \|/);
      const json = await cairn('gaps', '-s', 'checkout', '--format', 'json', '--admin', `http://127.0.0.1:${gateway.ports.admin}`);
      assert.equal(JSON.parse(json.out).narrow_spans, 80);

      await gateway.stop();
      stopped = true;
      const report = await cairn('report', '-c', config, '--from', 'now-1h');
      assert.equal(report.code, 0, report.err);
      assert.match(report.out, /^# Data inventory and value report/m);
      // debug.payload: the largest field, dropped by the only destination, read by no SLO.
      assert.match(report.out, /- \*\*drop\*\*: Stop sending `debug\.payload`/);
      assert.match(report.out, /- \*\*declare sensitivity\*\*: Declare `sensitivity: pii` for `contactEmail`: email in 4 of 4 sampled values/);
      assert.match(report.out, /- \*\*rename\*\*: Rename `cartTotal` to `acme\.cart\.total` in checkout/);
      assert.match(report.out, /- \*\*register\*\*: Register `searchTerm`/);
      assert.match(report.out, /```yaml\ngroups:\n  - id: registry\.acme\.proposed\n    type: attribute_group/);
      assert.match(report.out, /      - id: acme\.search_term\n        type: string\n/);
      assert.match(report.out, /\| `acme\.cart\.id` \| traces \| team-checkout \| internal \| [^|]+ \| [^|]+ \| 120 \| backend: allow \| — \| not_stable \|/);
      const html = await cairn('report', '-c', config, '--format', 'html', '--from', 'now-1h');
      assert.match(html.out, /^<!doctype html>/);
      assert.ok(!html.out.includes('<script'));
      const out = join(dir, 'report.json');
      const j = await cairn('report', '-c', config, '--format', 'json', '--output', out, '--from', 'now-1h');
      assert.equal(j.code, 0, j.err);
      const model = JSON.parse(readFileSync(out, 'utf8'));
      const payload = model.attributes.find((a: { key: string }) => a.key === 'debug.payload');
      assert.deepEqual(payload.destinations, [{ destination: 'backend', action: 'drop', rule: 'overrides["debug.payload"]', receives: false }]);
      assert.equal(model.attributes[0].key, 'debug.payload', 'sorted by volume');
    } finally {
      if (!stopped) await gateway.stop();
    }
  });

  it('bad input: a clear error with a code and exit 2', async () => {
    const noService = await cairn('gaps', '--db', join(dir, 'nope.db'));
    assert.equal(noService.code, 2);
    assert.match(noService.err, /--service is required/);
    const badTime = await cairn('gaps', '--service', 'x', '--from', 'yesterday', '--db', join(dir, 'nope.db'));
    assert.equal(badTime.code, 2);
    assert.match(badTime.err, /CAIRN_TIME_RANGE: --from: `yesterday` is not a time/);
    const noFile = await cairn('report', '--db', join(dir, 'nope.db'));
    assert.equal(noFile.code, 2);
    assert.match(noFile.err, /CAIRN_INVENTORY_FILE: .*nope\.db: no inventory file/);
    const unreachable = await cairn('gaps', '--service', 'x', '--admin', 'http://127.0.0.1:1');
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.err, /CAIRN_ADMIN_UNREACHABLE/);
  });
});
