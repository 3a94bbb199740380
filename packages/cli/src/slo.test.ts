// `cairn slo replay`, `cairn slo status` and the SLO checks of `cairn validate`, run as a user runs them.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { Gateway, parseConfig, tokenDigest } from '@cairn/gateway';
import { jsonToProtobuf } from '@cairn/otlp';
import { pino } from 'pino';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const CONVENTIONS = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-slo-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cairn(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const SLO = (good: string) => `apiVersion: openslo/v1
kind: SLO
metadata: { name: checkout-errors }
spec:
  service: checkout
  indicator:
    metadata: { name: checkout-ok }
    spec:
      spans:
        where: 'resource["service.name"] == "checkout" && span.kind == 2'
        good: '${good}'
  timeWindow: [{ duration: 28d, isRolling: true }]
  objectives: [{ target: 0.999 }]
`;

function configFile(name: string, slo: string, extra = ''): string {
  const sub = join(dir, name);
  rmSync(sub, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', sub]);
  writeFileSync(join(sub, 'slos.yaml'), slo);
  writeFileSync(join(sub, 'cairn.yaml'), `auth: { anonymous: true }
slos: ./slos.yaml
storage: { directory: ./data }
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: { endpoint: 127.0.0.1:0 }
destinations:
  d: { exporter: { debug: { verbosity: basic } }, queue: { mode: memory } }
${extra}`);
  return join(sub, 'cairn.yaml');
}

const T = Date.UTC(2025, 0, 1) * 1e6; // ns

/** One OTLP/JSON request per minute: 20 server spans ending 30 s into the minute, `bad` of them errors. */
function minuteRequest(minute: number, bad: number): string {
  const spans = Array.from({ length: 20 }, (_, i) => ({
    traceId: `a${minute.toString(16).padStart(15, '0')}${i.toString(16).padStart(16, '0')}`,
    spanId: `${(minute * 100 + i + 1).toString(16).padStart(16, '0')}`,
    name: 'POST /checkout', kind: 2,
    startTimeUnixNano: String(BigInt(T) + BigInt(minute * 60 + 29) * 1_000_000_000n),
    endTimeUnixNano: String(BigInt(T) + BigInt(minute * 60 + 30) * 1_000_000_000n),
    status: { code: i < bad ? 2 : 0 },
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
}

describe('cairn slo replay', () => {
  it('--format json: a 100% burst in minutes 10-14 pages at the end of minute 10 and resolves when the 5m window is clean at the end of minute 19', () => {
    const config = configFile('replay', SLO('span.status.code != 2'));
    const lines = Array.from({ length: 26 }, (_, m) => minuteRequest(m, m >= 10 && m < 15 ? 20 : 0));
    // The first ten minutes as JSON lines, the rest as one protobuf request per file.
    writeFileSync(join(dir, 'recording.jsonl'), `${lines.slice(0, 10).join('\n')}\n`);
    const files = [join(dir, 'recording.jsonl')];
    lines.slice(10).forEach((line, i) => {
      const file = join(dir, `minute-${10 + i}.pb`);
      writeFileSync(file, jsonToProtobuf('traces', Buffer.from(line)));
      files.push(file);
    });
    const { code, out, err } = cairn('slo', 'replay', '-c', config, '--format', 'json', ...files);
    assert.equal(code, 0, err);
    const objects = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const fast = objects.filter((o) => o.alert === 'page-fast');
    assert.deepEqual(fast.map((o) => [o.state, o.at]), [['firing', '2025-01-01T00:11:00Z'], ['resolved', '2025-01-01T00:20:00Z']]);
    assert.deepEqual(Object.keys(fast[0]!).sort(), ['alert', 'at', 'burn_rates', 'slo', 'state']);
    assert.equal((fast[0]!.burn_rates as Record<string, number>)['5m'], 200);
    const summary = objects.at(-1)!.summary as { spans: number; slos: { name: string; good: number; bad: number; fired: string[] }[] };
    assert.equal(summary.spans, 520);
    assert.deepEqual([summary.slos[0]!.good, summary.slos[0]!.bad], [420, 100]);
    assert.deepEqual(summary.slos[0]!.fired.sort(), ['page-fast', 'page-slow', 'ticket']);
  });

  it('text: one line per transition, then the summary; input that is not OTLP names the file', () => {
    const config = configFile('replay-text', SLO('span.status.code != 2'));
    writeFileSync(join(dir, 'burst.jsonl'), `${Array.from({ length: 3 }, (_, m) => minuteRequest(m, 20)).join('\n')}\n`);
    const { code, out } = cairn('slo', 'replay', '-c', config, join(dir, 'burst.jsonl'));
    assert.equal(code, 0);
    assert.match(out, /^2025-01-01T00:01:00Z {2}checkout-errors {2}page-fast \(page\) {2}FIRING {2}burn 5m=1000\.00 30m=1000\.00 1h=1000\.00/m);
    assert.match(out, /checkout-errors: SLI 0\.000%, .* good 0 bad 60 unjudgeable 0; fired: page-fast, page-slow, ticket/);
    writeFileSync(join(dir, 'junk.bin'), 'not otlp at all');
    const bad = cairn('slo', 'replay', '-c', config, join(dir, 'junk.bin'));
    assert.equal(bad.code, 2);
    assert.match(bad.err, /junk\.bin/);
  });
});

describe('cairn slo status', () => {
  it('prints the running gateway\'s SLOs as a table: SLI, budget left, burn rates per window, alert state, unjudgeable share', async () => {
    const path = configFile('status', SLO('span.status.code != 2 && span.attributes["http.route"] != "/x"'));
    const gateway = await Gateway.start(parseConfig(`${(await import('node:fs')).readFileSync(path, 'utf8')}`, path), { workers: 0, logger: pino({ level: 'silent' }) });
    try {
      const res = await fetch(`http://127.0.0.1:${gateway.ports.http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: minuteRequest(0, 2) });
      assert.equal(res.status, 200);
      const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'slo', 'status', '--admin', `http://127.0.0.1:${gateway.ports.admin}`], { encoding: 'utf8' });
      const [header, row] = stdout.split('\n');
      assert.match(header!, /^SLO +SERVICE +OBJECTIVE +SLI +BUDGET LEFT +BURN RATES +ALERTS +UNJUDGEABLE$/);
      // No span carries http.route: all 18 non-errors are unjudgeable, 2 errors are bad.
      assert.match(row!, /^checkout-errors +checkout +99\.90% +0\.000% +-99900\.0% +5m=1000\.00 30m=1000\.00 1h=1000\.00 6h=1000\.00 3d=1000\.00 +ok +90\.0% !$/);
      assert.match(stdout, /checkout-errors: insufficiently instrumented/);
    } finally {
      await gateway.stop();
    }
  });

  it('sends CAIRN_ADMIN_TOKEN to a gateway whose admin API needs a token (as off loopback), and says why without it', async () => {
    const token = 'slo-status-admin-token-0123456789';
    const path = configFile('status-token', SLO('span.status.code != 2'));
    const text = (await import('node:fs')).readFileSync(path, 'utf8').replace(/^admin: .*$/m, `admin: { endpoint: 127.0.0.1:0, token_sha256: [${tokenDigest(token)}] }`);
    assert.match(text, /token_sha256/);
    // Every caller counts as remote, so the console's access rules apply as they would off loopback.
    const gateway = await Gateway.start(parseConfig(text, path), { workers: 0, logger: pino({ level: 'silent' }), console: { isLocal: () => false } });
    try {
      const admin = `http://127.0.0.1:${gateway.ports.admin}`;
      const run = (env: NodeJS.ProcessEnv) => promisify(execFile)(process.execPath, [BIN, 'slo', 'status', '--admin', admin], { encoding: 'utf8', env: { ...process.env, ...env } });
      const without = await run({ CAIRN_ADMIN_TOKEN: '' }).then(() => undefined, (error: { code: number; stderr: string }) => error);
      assert.equal(without?.code, 2);
      assert.match(without!.stderr, /CAIRN_SLO_STATUS: cannot read .*\/api\/slos: HTTP 401/);
      const { stdout } = await run({ CAIRN_ADMIN_TOKEN: token });
      assert.match(stdout, /^SLO +SERVICE/);
      assert.match(stdout, /checkout-errors/);
    } finally {
      await gateway.stop();
    }
  });

  it('a gateway that is not running is a clear error', () => {
    const { code, err } = cairn('slo', 'status', '--admin', 'http://127.0.0.1:9');
    assert.equal(code, 2);
    assert.match(err, /CAIRN_SLO_STATUS: cannot read http:\/\/127\.0\.0\.1:9\/api\/slos: .*is the gateway running/);
  });
});

describe('cairn validate with slos:', () => {
  it('fails when an SLO reads an attribute the registry does not define, naming the SLO, the expression and the key', () => {
    const config = configFile('validate', SLO('span.attributes["acme.tier"] == "gold"'), `conventions: ${JSON.stringify(CONVENTIONS)}\n`);
    const { code, err } = cairn('validate', '-c', config);
    assert.equal(code, 2);
    assert.match(err, /slos\.yaml:\d+:\d+: CAIRN_SLO_UNKNOWN_ATTRIBUTE: SLO checkout-errors: good `span\.attributes\["acme\.tier"\] == "gold"` reads span\.attributes\["acme\.tier"\], which is not in the registry/);
  });

  it('an unsupported OpenSLO document is a warning naming file and field; the config stays valid', () => {
    const config = configFile('validate-unsupported', `${SLO('span.status.code != 2')}---
apiVersion: openslo/v1
kind: DataSource
metadata: { name: prometheus }
spec: { type: Prometheus }
`);
    const { code, err, out } = cairn('validate', '-c', config);
    assert.equal(code, 0, err);
    assert.match(err, /^warning: .*slos\.yaml:\d+:\d+: unsupported: DataSource prometheus\.kind: /m);
    assert.match(out, /valid/);
  });
});
