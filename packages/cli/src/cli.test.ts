import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));
// The upstream semantic-conventions model: CAIRN_SEMCONV_MODEL, or the snapshot CI has beside the repo.
const UPSTREAM = process.env.CAIRN_SEMCONV_MODEL || fileURLToPath(new URL('../../../../shared/semconv/model', import.meta.url));
const SKIP_WITHOUT_MODEL = existsSync(UPSTREAM) ? false : `no upstream model at ${UPSTREAM}: set CAIRN_SEMCONV_MODEL to the model/ directory of a semantic-conventions checkout`;
const DIFF_FIXTURES = fileURLToPath(new URL('../../conventions/testdata/diff', import.meta.url));

function cairn(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function registry(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ATTRIBUTE = (id: string, type = 'string') => `groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop.
    attributes:
      - id: ${id}
        type: ${type}
        brief: A field.
        stability: stable
        annotations: { cairn: { owner: team-a, sensitivity: internal } }
`;

function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, text);
}

describe('cairn check', () => {
  it('exits 0 on the example registry and says what it found', () => {
    const { code, out } = cairn('check', EXAMPLES);
    assert.equal(code, 0, out);
    assert.match(out, /acme: 17 org attributes on \d+ upstream; 0 errors/);
  });

  it('exits 0 on the example registry resolved against the full upstream model', { skip: SKIP_WITHOUT_MODEL }, () => {
    const { code, out } = cairn('check', EXAMPLES, '--upstream', UPSTREAM);
    assert.equal(code, 0, out);
    assert.match(out, /on 943 upstream/);
  });

  it('exits 1 with file:line:col findings when a policy fails', () => {
    const dir = registry({ 'shop.yaml': ATTRIBUTE('shop.cartTotal') });
    const { code, out } = cairn('check', dir);
    assert.equal(code, 1);
    assert.match(out, /shop\.yaml:6:9: error naming\.format: `shop\.cartTotal` is not lowercase dot-separated snake_case/);
    assert.match(out, /hint: rename it to `shop\.cart_total`/);
  });

  it('exits 2 on malformed YAML, naming the file and line, without a stack trace', () => {
    const dir = registry({ 'bad.yaml': 'groups:\n  - id: x\n   type: [\n' });
    const { code, out, err } = cairn('check', dir);
    assert.equal(code, 2);
    assert.match(out, /bad\.yaml:\d+:\d+: error yaml\.syntax/);
    assertNoStackTrace(out + err);
  });

  it('exits 2 with a coded error for a directory that does not exist', () => {
    const { code, err } = cairn('check', '/no/such/registry');
    assert.equal(code, 2);
    assert.match(err, /CAIRN_REGISTRY_NOT_FOUND/);
    assertNoStackTrace(err);
  });

  it('gives machine-readable output with --format json', () => {
    const dir = registry({ 'shop.yaml': ATTRIBUTE('total') });
    const { code, out } = cairn('check', dir, '--format', 'json');
    assert.equal(code, 1);
    const report = JSON.parse(out) as { exitCode: number; counts: { error: number }; findings: { id: string; location: { line: number } }[] };
    assert.equal(report.exitCode, 1);
    assert.ok(report.counts.error >= 1);
    assert.equal(report.findings.find((f) => f.id === 'naming.no-namespace')?.location.line, 6);
  });

  it('exits 0 with no finding on the upstream model checked as a registry in its own right', { skip: SKIP_WITHOUT_MODEL }, () => {
    const empty = mkdtempSync(join(tmpdir(), 'cairn-empty-'));
    const { code, out } = cairn('check', UPSTREAM, '--upstream', empty);
    assert.equal(code, 0, out);
    assert.match(out, /943 org attributes on 0 upstream; 0 errors, 0 warnings, 0 info/);
  });

  it('exits 2 naming an unsupported construct and its file:line', () => {
    const dir = registry({ 'shop.yaml': `${ATTRIBUTE('shop.a')}  - id: span.shop.x\n    type: span\n    brief: X.\n    constraints:\n      - any_of: [shop.a]\n` });
    const { code, out } = cairn('check', dir);
    assert.equal(code, 2, out);
    assert.match(out, /error schema\.unsupported: unsupported: constraints at .*shop\.yaml:14/);
  });

  it('exits 2 with usage for an unknown command or flag', () => {
    assert.equal(cairn('chekc').code, 2);
    const { code, err } = cairn('check', EXAMPLES, '--frmat', 'json');
    assert.equal(code, 2);
    assert.match(err, /usage: cairn check/);
  });
});

describe('cairn diff', () => {
  it('exits 1 and lists a removed attribute and a changed type as breaking', () => {
    const before = registry({ 'shop.yaml': ATTRIBUTE('shop.cart.total', 'double').replace('attributes:\n', `attributes:\n      - id: shop.cart.id\n        type: string\n        brief: Id.\n        stability: stable\n`) });
    const after = registry({ 'shop.yaml': ATTRIBUTE('shop.cart.total', 'string') });
    const { code, out } = cairn('diff', before, after);
    assert.equal(code, 1, out);
    assert.match(out, /shop\.cart\.id/);
    assert.match(out, /shop\.cart\.total/);
    const json = JSON.parse(cairn('diff', before, after, '--format', 'json').out) as { breaking: number };
    assert.equal(json.breaking, 2);
  });

  it('exits 0 when nothing breaks', () => {
    assert.equal(cairn('diff', EXAMPLES, EXAMPLES).code, 0);
  });

  it("exits 1 on an entity's identity change, and reports metric changes with Weaver's categories", () => {
    const pair = (name: string, side: string) => join(DIFF_FIXTURES, name, side);
    const { code, out } = cairn('diff', pair('entity-identity', 'old'), pair('entity-identity', 'new'));
    assert.equal(code, 1, out);
    assert.match(out, /diff\.entity-identity-demoted\*\* entity `acme\.worker`/);
    const json = JSON.parse(cairn('diff', pair('signal-renamed', 'old'), pair('signal-renamed', 'new'), '--format', 'json').out) as { changes: { id: string; category: string }[] };
    assert.ok(json.changes.some((c) => c.id === 'diff.metric-renamed' && c.category === 'renamed'), JSON.stringify(json));
  });
});

describe('cairn check with dependencies', () => {
  it("accepts the upstream model's own manifest when the model is checked as a registry", { skip: SKIP_WITHOUT_MODEL }, () => {
    const empty = mkdtempSync(join(tmpdir(), 'cairn-empty-'));
    const { code, out, err } = cairn('check', UPSTREAM, '--upstream', empty);
    assert.equal(code, 0, err);
    assert.doesNotMatch(out + err, /manifest\.yaml/);
    assert.match(out, /^opentelemetry\.io\/schemas: /m);
  });

  it('exits 2 naming the URL when a dependency cannot be fetched and is not cached', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cairn-cache-'));
    // A port that was just free on 127.0.0.1: nothing listens there, the connection is refused.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, 'close');
    const url = `http://127.0.0.1:${port}/semconv.tar.gz`;
    const dir = registry({ 'registry_manifest.yaml': `name: r\ndependencies:\n  - name: otel\n    registry_path: ${url}[model]\n` });
    const result = spawnSync(process.execPath, [BIN, 'check', dir], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CAIRN_CACHE_DIR: cache } });
    const output = result.stdout + result.stderr;
    assert.equal(result.status, 2, output);
    assert.ok(output.includes(`registry_manifest.yaml:3:5: error schema.dependency-unavailable: cannot fetch dependency ${url} (`), output);
    assertNoStackTrace(output);
  });
});

describe('cairn resolve', () => {
  it('--format weaver writes registry_url and groups with their attributes resolved in full', () => {
    const dir = registry({ 'shop.yaml': `${ATTRIBUTE('shop.order.coupon')}  - id: span.shop.order
    type: span
    span_kind: server
    brief: Ordering.
    attributes:
      - ref: shop.order.coupon
        requirement_level:
          conditionally_required: If one was used.
` });
    const { code, out, err } = cairn('resolve', dir, '--format', 'weaver');
    assert.equal(code, 0, err);
    const resolved = JSON.parse(out) as { registry_url: string; groups: { id: string; type: string; span_kind?: string; attributes: Record<string, unknown>[] }[] };
    assert.equal(resolved.registry_url, dir);
    const span = resolved.groups.find((g) => g.id === 'span.shop.order')!;
    assert.equal(span.span_kind, 'server');
    assert.deepEqual(span.attributes, [{
      name: 'shop.order.coupon', type: 'string', brief: 'A field.',
      requirement_level: { conditionally_required: 'If one was used.' }, stability: 'stable',
      annotations: { cairn: { owner: 'team-a', sensitivity: 'internal' } },
    }]);
    assert.equal(cairn('resolve', dir, '--format', 'yaml').code, 2);
  });
});

describe('cairn generate', () => {
  it('--scope org emits only the org\'s own keys; used adds the upstream ones it refs, not those a group only inherits', { skip: SKIP_WITHOUT_MODEL }, () => {
    const dir = registry({ 'shop.yaml': `${ATTRIBUTE('shop.cart.id')}  - id: span.shop.call
    type: span
    span_kind: client
    brief: A call.
    extends: attributes.http.client
    attributes:
      - ref: shop.cart.id
      - ref: user.id
` });
    const org = cairn('generate', 'ts', dir, '--upstream', UPSTREAM, '--scope', 'org');
    assert.equal(org.code, 0, org.err);
    assert.match(org.out, /"shop\.cart\.id": string;/);
    assert.doesNotMatch(org.out, /user\.id|http\.request\.method|error\.type/);
    const { code, out, err } = cairn('generate', 'ts', dir, '--upstream', UPSTREAM, '--scope', 'used');
    assert.equal(code, 0, err);
    assert.match(out, /"shop\.cart\.id": string;/);
    assert.match(out, /"user\.id": string;/);
    assert.doesNotMatch(out, /http\.request\.method|error\.type/);
  });

  it('writes a TypeScript module with the org fields and Markdown docs per namespace', () => {
    const out = mkdtempSync(join(tmpdir(), 'cairn-gen-'));
    assert.equal(cairn('generate', 'ts', EXAMPLES, '-o', join(out, 'fields.ts')).code, 0);
    const source = readFileSync(join(out, 'fields.ts'), 'utf8');
    assert.match(source, /export const ACME_CART_TOTAL = "acme\.cart\.total"/);
    assert.match(source, /"acme\.order\.currency": "EUR" \| "USD" \| "GBP"/);
    const docs = join(out, 'docs');
    mkdirSync(docs);
    const md = cairn('generate', 'md', EXAMPLES, '-o', docs, '--scope', 'used');
    assert.equal(md.code, 0, md.err);
    assert.ok(existsSync(join(docs, 'acme.md')));
    assert.match(readFileSync(join(docs, 'acme.md'), 'utf8'), /team-checkout/);
  });
});

describe('cairn --version', () => {
  it('prints the CLI package\'s version', () => {
    const { code, out } = cairn('--version');
    assert.equal(code, 0);
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string };
    assert.equal(out, `${pkg.version}\n`);
  });
});

describe('cairn validate', () => {
  it('accepts the embedded default config, its strategy, demo key and registry, without warnings', () => {
    const { code, out, err } = cairn('validate');
    assert.equal(code, 0, err);
    assert.match(out, /valid \(2 destinations: console, archive\)/);
    assert.equal(err, '');
  });

  it('reports every problem in one run: schema, misspelt key, CEL, missing file, anonymous on 0.0.0.0', () => {
    const dir = registry({ 'cairn.yaml': `receivers:
  otlp:
    http: { endpoint: 0.0.0.0:4318, tls: { cert_file: missing.pem, key_file: missing.key } }
auth: { anonymous: true }
destinations:
  eu:
    exporter:
      otlphttp: { endpoint: https://otel.test }
    concurency: 4
    when: 'resource["x"] =='
    queue: { mode: disk }
` });
    const { code, err } = cairn('validate', '-c', join(dir, 'cairn.yaml'));
    assert.equal(code, 2);
    for (const line of [
      /cairn\.yaml:9:5: destinations\.eu\.concurency: is not a known setting; did you mean `concurrency`\?/,
      /cairn\.yaml:11:\d+: destinations\.eu\.queue\.mode: must be one of "sqlite", "memory"/,
      /cairn\.yaml:10:\d+: destinations\.eu\.when: /,
      /cairn\.yaml:3:\d+: receivers\.otlp\.http\.tls\.cert_file: file .*missing\.pem does not exist/,
      /cairn\.yaml:3:\d+: receivers\.otlp\.http\.tls\.key_file: file .*missing\.key does not exist/,
      /cairn\.yaml:4:\d+: auth\.anonymous: accepts data without a token, but receivers\.otlp\.http listens on 0\.0\.0\.0/,
    ]) assert.match(err, line);
    assertNoStackTrace(err);
  });

  it('exits 2 naming the path and line of each problem', () => {
    const dir = registry({ 'cairn.yaml': 'destinations:\n  eu:\n    exporter:\n      otlphttp: { endpoint: 42 }\n    when: "resource["\n' });
    const { code, err } = cairn('validate', '-c', join(dir, 'cairn.yaml'));
    assert.equal(code, 2);
    assert.match(err, /cairn\.yaml:4:\d+: destinations\.eu\.exporter\.otlphttp\.endpoint: /);
    assertNoStackTrace(err);
  });
});

/**
 * Starts `cairn up ARGS` on free ports with its queue in a temp dir, from a working directory
 * outside the repository; resolves once the admin line is printed.
 */
async function startUp(...args: string[]) {
  const storage = mkdtempSync(join(tmpdir(), 'cairn-up-'));
  const child = spawn(process.execPath, [BIN, 'up', ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'cairn-cwd-')),
    env: { ...process.env, CAIRN_HTTP_ENDPOINT: '127.0.0.1:0', CAIRN_GRPC_ENDPOINT: '127.0.0.1:0', CAIRN_ADMIN_ENDPOINT: '127.0.0.1:0', CAIRN_STORAGE: storage },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const state = { out: '' };
  child.stdout.on('data', (chunk: Buffer) => (state.out += chunk.toString()));
  await until(() => /admin +http:\/\/127\.0\.0\.1:\d+/.test(state.out) || child.exitCode !== null, 60_000);
  return { child, state };
}

/**
 * Runs `cairn up` on free ports with `env` on top, expecting it to refuse to start; its exit code
 * and output. Bounded: a gateway that started after all is killed after 30 s, and the test fails.
 */
async function upThatExits(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'up'], {
    cwd: tmpdir(),
    env: { ...process.env, CAIRN_HTTP_ENDPOINT: '127.0.0.1:0', CAIRN_GRPC_ENDPOINT: '127.0.0.1:0', CAIRN_ADMIN_ENDPOINT: '127.0.0.1:0', CAIRN_STORAGE: mkdtempSync(join(tmpdir(), 'cairn-up-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return { code, out, err };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

async function sigterm(child: ReturnType<typeof spawn>): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

/** SIGTERM, then SIGKILL if it is still running after 10 s; a no-op once it has exited. */
async function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe('cairn up', () => {
  it('runs the gateway on the embedded config from any directory, takes OTLP/JSON, and stops cleanly on SIGTERM', async () => {
    const { child, state } = await startUp();
    try {
      const out = () => state.out;
      const http = /OTLP\/HTTP +(http:\/\/127\.0\.0\.1:\d+)/.exec(out())?.[1];
      const admin = /admin +(http:\/\/127\.0\.0\.1:\d+)/.exec(out())?.[1];
      assert.ok(http && admin, out());
      const span = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET /cart', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2' };
      const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeSpans: [{ spans: [span] }] }] };
      const res = await fetch(`${http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      assert.equal((await fetch(`${admin}/readyz`)).status, 200);
      await until(() => /traces: 1 resource, 1 span from checkout/.test(out()), 30_000);
      child.kill('SIGHUP');
      await until(() => /SIGHUP: /.test(out()), 20_000);
      assert.match(out(), /SIGHUP: strategy, registry and keys reloaded/);
      assert.equal(await sigterm(child), 0);
      assert.match(out(), /registry acme: 17 org attributes, 0 errors/);
      assert.match(out(), /SIGTERM: stopping/);
      assert.match(out(), /traces: 1 resource, 1 span from checkout/);
    } finally {
      await stopChild(child); // a failed assertion must not leave it running
    }
  });

  it('--demo starts the instrumented shop and payment services, whose telemetry flows through at once', async () => {
    const { child, state } = await startUp('--demo');
    try {
      await until(() => /spans? from shop/.test(state.out) && /spans? from payment/.test(state.out), 30_000);
      // The console's URL is printed, and the demo's telemetry is on its pages' API at once.
      const consoleUrl = /console +(http:\/\/127\.0\.0\.1:\d+\/ui)/.exec(state.out)?.[1];
      assert.ok(consoleUrl, state.out);
      assert.match(await (await fetch(consoleUrl)).text(), /<script src="\/ui\/app.js">/);
      const base = consoleUrl.slice(0, -'/ui'.length);
      type Overview = { receivers: { accepted_items: number }[]; destinations: { exported_items: number }[] };
      let overview: Overview | undefined;
      await until(() => {
        void fetch(`${base}/api/overview`).then(async (r) => (overview = (await r.json()) as Overview), () => undefined);
        return !!overview && overview.receivers.some((r) => r.accepted_items > 0) && overview.destinations.every((d) => d.exported_items > 0);
      }, 30_000);
      assert.ok(overview?.destinations.every((d) => d.exported_items > 0), JSON.stringify(overview));
      const ledger = (await (await fetch(`${base}/api/strategy/ledger`)).json()) as { actions: { destination: string; action: string }[] };
      assert.ok(ledger.actions.some((a) => a.destination === 'console' && a.action === 'hash'), JSON.stringify(ledger));
      const code = await sigterm(child);
      assert.match(state.out, /demo +shop http:\/\/127\.0\.0\.1:\d+ → payment http:\/\/127\.0\.0\.1:\d+/);
      assert.match(state.out, /traces: 1 resource, \d+ spans? from shop/);
      assert.match(state.out, /traces: 1 resource, \d+ spans? from payment/);
      assert.equal(code, 0);
    } finally {
      await stopChild(child); // SIGTERM first: the CLI stops the demo services it started
    }
  });

  it('a bad CAIRN_HEAP_GROWING_PERCENT: exit 2 and one line naming the variable, before anything listens', async () => {
    const { code, out, err } = await upThatExits({ CAIRN_HEAP_GROWING_PERCENT: 'lots' });
    const lines = err.split('\n').filter((l) => l !== '' && !l.startsWith('cairn: warning:'));
    assert.deepEqual(lines, ['cairn: CAIRN_HEAP_GROWING_PERCENT_INVALID: CAIRN_HEAP_GROWING_PERCENT must be a whole number from 0 (V8\'s own heap growth) to 1000; got "lots"']);
    assert.equal(code, 2);
    assert.doesNotMatch(out, /OTLP\/HTTP/);
  });

  it('a port in use: one line naming the setting and its variable, no stack trace, no "stopped"', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const port = (holder.address() as AddressInfo).port;
      for (const [variable, setting] of [['CAIRN_HTTP_ENDPOINT', 'receivers.otlp.http.endpoint'], ['CAIRN_GRPC_ENDPOINT', 'receivers.otlp.grpc.endpoint'], ['CAIRN_ADMIN_ENDPOINT', 'admin.endpoint']] as const) {
        const { code, err } = await upThatExits({ [variable]: `127.0.0.1:${port}` });
        const lines = err.split('\n').filter((l) => l !== '' && !l.startsWith('cairn: warning:'));
        assert.equal(lines.length, 1, err);
        assert.equal(lines[0], `cairn: CAIRN_PORT_IN_USE: 127.0.0.1:${port} is already in use (${setting}); set ${variable} (e.g. ${variable}=127.0.0.1:0 for any free port), or stop the process that holds it`);
        assert.equal(code, 2);
        assertNoStackTrace(err);
        assert.doesNotMatch(err, /stopped/);
      }
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
