import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { didYouMean, editDistance, isLoopback } from './checks.js';
import { ConfigError, loadConfigFile, parseConfig } from './load.js';

const MINIMAL = `destinations:
  console:
    exporter:
      debug: {}
`;

function problems(text: string, source = 'cairn.yaml'): ConfigError['problems'] {
  try {
    parseConfig(text, source, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected the config to be refused');
}

const dir = mkdtempSync(join(tmpdir(), 'cairn-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('listeners on and off', () => {
  it('null or enabled: false turns a receiver off; a protocol not listed is off; no section means both', () => {
    const base = `${MINIMAL}receivers:\n  otlp:\n`;
    assert.equal(parseConfig(`${base}    http: {}\n    grpc: null\n`, 'c.yaml', {}).receivers.grpc, undefined);
    assert.equal(parseConfig(`${base}    http: {}\n    grpc: ~\n`, 'c.yaml', {}).receivers.grpc, undefined);
    assert.equal(parseConfig(`${base}    http: {}\n    grpc: { enabled: false }\n`, 'c.yaml', {}).receivers.grpc, undefined);
    assert.equal(parseConfig(`${base}    http: {}\n`, 'c.yaml', {}).receivers.grpc, undefined);
    assert.deepEqual(parseConfig(`${base}    grpc: {}\n    http: null\n`, 'c.yaml', {}).receivers, { grpc: { host: '127.0.0.1', port: 4317 } });
    assert.deepEqual(Object.keys(parseConfig(MINIMAL, 'c.yaml', {}).receivers), ['http', 'grpc']);
  });

  it('refuses a config that turns both receivers off', () => {
    const [problem] = problems(`${MINIMAL}receivers:\n  otlp:\n    http: null\n    grpc: { enabled: false }\n`);
    assert.equal(problem?.path, 'receivers.otlp');
    assert.match(problem!.message, /accept nothing/);
  });

  it('the admin server defaults to 127.0.0.1:8888, like the Collector\'s own telemetry; null or enabled: false turns it off', () => {
    assert.deepEqual(parseConfig(MINIMAL, 'c.yaml', {}).admin, { host: '127.0.0.1', port: 8888, tokenDigests: [] });
    assert.equal(parseConfig(`${MINIMAL}admin: null\n`, 'c.yaml', {}).admin, undefined);
    assert.equal(parseConfig(`${MINIMAL}admin: { enabled: false, endpoint: 127.0.0.1:9 }\n`, 'c.yaml', {}).admin, undefined);
    const open = parseConfig(`${MINIMAL}admin: { endpoint: 0.0.0.0:8888 }\n`, 'c.yaml', {});
    assert.match(open.warnings!.map((w) => w.message).join('\n'), /listens on 0\.0\.0\.0, where the console, its API and \/metrics need a token, but admin\.token_sha256 lists none/);
    const digest = 'a'.repeat(64);
    const locked = parseConfig(`${MINIMAL}admin: { endpoint: 0.0.0.0:8888, token_sha256: [${digest}] }\n`, 'c.yaml', {});
    assert.deepEqual(locked.admin!.tokenDigests, [Buffer.from(digest, 'hex')]);
    assert.equal(locked.warnings!.filter((w) => w.path.toString().startsWith('admin')).length, 0);
    assert.throws(() => parseConfig(`${MINIMAL}admin: { token_sha256: [not-hex] }\n`, 'c.yaml', {}), /token_sha256/);
  });
});

describe('anonymous ingest only on loopback', () => {
  it('is an error with anonymous: true on a reachable address, naming the receiver', () => {
    const found = problems(`${MINIMAL}auth: { anonymous: true }\nreceivers:\n  otlp:\n    http: { endpoint: 0.0.0.0:4318 }\n    grpc: { endpoint: ":4317" }\n`);
    assert.deepEqual(found.map((p) => p.path), ['auth.anonymous', 'auth.anonymous']);
    assert.match(found[0]!.message, /receivers\.otlp\.http listens on 0\.0\.0\.0/);
    assert.match(found[1]!.message, /receivers\.otlp\.grpc listens on 0\.0\.0\.0/);
    assert.equal(found[0]!.location, 'cairn.yaml:5:20');
  });

  it('is allowed on 127.0.0.1, ::1 and localhost, and tokens are fine anywhere', () => {
    parseConfig(`${MINIMAL}auth: { anonymous: { tenant: dev } }\nreceivers:\n  otlp:\n    http: { endpoint: "[::1]:4318" }\n    grpc: { endpoint: localhost:4317 }\n`, 'c.yaml', {});
    parseConfig(`${MINIMAL}receivers:\n  otlp:\n    http: { endpoint: 0.0.0.0:4318 }\n`, 'c.yaml', {});
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) assert.ok(isLoopback(host), host);
    for (const host of ['0.0.0.0', '', '::', '10.0.0.1', '127.0.0.1.example.com', 'localhost.example.com']) assert.ok(!isLoopback(host), host);
  });
});

describe('every problem in one run', () => {
  it('reports schema, CEL, exporter, missing-file and anonymous problems together, each with path and line', () => {
    const text = `receivers:
  otlp:
    http:
      endpoint: 0.0.0.0:4318
      tls: { cert_file: ./nope.pem, key_file: ./nope.key }
auth: { anonymous: true }
destinations:
  eu:
    exporter:
      otlphttp: { endpoint: "not a url" }
    when: 'resource["x"] =='
    concurency: 4
    queue: { mode: disk }
  archive:
    exporter:
      file: { path: ./archive.jsonl }
storage: { synchronus: full }
conventions: ./no-such-registry
`;
    const found = problems(text, join(dir, 'all.yaml'));
    const byPath = new Map(found.map((p) => [p.path, p]));
    const expected = [
      'destinations.eu.concurency', 'destinations.eu.queue.mode', 'storage.synchronus',
      'destinations.eu.when', 'destinations.eu.exporter.otlphttp.endpoint',
      'receivers.otlp.http.tls.cert_file', 'receivers.otlp.http.tls.key_file',
      'auth.anonymous', 'conventions',
    ];
    for (const path of expected) assert.ok(byPath.has(path), `${path} is reported; got:\n${found.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
    for (const p of found) assert.match(p.location ?? '', /all\.yaml:\d+:\d+$/, `${p.path} has a file:line`);
    assert.match(byPath.get('destinations.eu.concurency')!.message, /did you mean `concurrency`\?/);
    assert.match(byPath.get('storage.synchronus')!.message, /did you mean `synchronous`\?/);
    assert.equal(byPath.get('destinations.eu.concurency')!.location, `${join(dir, 'all.yaml')}:12:5`);
    assert.match(byPath.get('receivers.otlp.http.tls.cert_file')!.message, new RegExp(`${join(dir, 'nope.pem')} does not exist`));
  });

  it('says a thing once: a misspelt exporter kind is one problem, with its guess', () => {
    const found = problems(`destinations:\n  eu:\n    exporter:\n      otlphtp: { endpoint: x }\n`);
    assert.deepEqual(found.map((p) => p.path), ['destinations.eu.exporter.otlphtp']);
    assert.match(found[0]!.message, /did you mean `otlphttp`\?/);
  });

  it('offers no guess when nothing is close', () => {
    const [problem] = problems(`${MINIMAL}    wibble: 1\n`);
    assert.doesNotMatch(problem!.message, /did you mean/);
    assert.match(problem!.message, /expected one of exporter/);
  });
});

describe('did-you-mean', () => {
  it('finds one-edit typos, swaps included', () => {
    assert.equal(didYouMean('concurency', ['exporter', 'concurrency', 'batch']), 'concurrency');
    assert.equal(didYouMean('retyr', ['retry', 'queue']), 'retry');
    assert.equal(didYouMean('Signals', ['signals']), 'signals');
    assert.equal(didYouMean('foo', ['log', 'workers']), undefined);
  });

  it('edit distance is a metric: zero only for equal strings, symmetric', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const d = editDistance(a, b);
      assert.equal(d, editDistance(b, a));
      assert.equal(d === 0, a === b);
      assert.ok(d <= Math.max(a.length, b.length));
    }), { numRuns: process.env.CI === 'true' ? 100 : 500 });
  });
});

describe('relative paths and warnings', () => {
  it('resolves relative paths against the config file\'s folder, whatever the working directory', () => {
    const folder = join(dir, 'deploy');
    mkdirSync(join(folder, 'registry'), { recursive: true });
    writeFileSync(join(folder, 'cairn.yaml'), `${MINIMAL}  archive:\n    exporter:\n      file: { path: ./out/t.jsonl }\nstorage: { directory: ./queue }\nconventions: ./registry\n`);
    const config = loadConfigFile(join(folder, 'cairn.yaml'), {});
    assert.equal(config.storage.directory, join(folder, 'queue'));
    assert.equal(config.conventions, join(folder, 'registry'));
    assert.deepEqual(config.destinations[1]!.exporter, { file: { path: join(folder, 'out/t.jsonl') } });
  });

  it('no longer warns that conventions: is unused (the gateway resolves it at startup)', () => {
    mkdirSync(join(dir, 'reg'), { recursive: true });
    const config = parseConfig(`${MINIMAL}conventions: ./reg\n`, join(dir, 'w.yaml'), {});
    assert.deepEqual(config.warnings, []);
    assert.equal(config.conventions, join(dir, 'reg'));
  });

  it('accepts the otlphttp encoding that docs/exporters.md documents', () => {
    const config = parseConfig(`destinations:\n  eu:\n    exporter:\n      otlphttp: { endpoint: "https://otel.test", encoding: json }\n`, 'c.yaml', {});
    assert.deepEqual(config.destinations[0]!.exporter, { otlphttp: { endpoint: 'https://otel.test', encoding: 'json' } });
    const [problem] = problems(`destinations:\n  eu:\n    exporter:\n      otlphttp: { endpoint: "https://otel.test", encoding: xml }\n`);
    assert.equal(problem?.path, 'destinations.eu.exporter.otlphttp.encoding');
  });
});

describe('YAML the parser accepts but cannot turn into values', () => {
  it('an alias used before its anchor is a ConfigError at the alias\'s line, not a ReferenceError (found by the strategy parser property)', () => {
    const [problem] = problems(`${MINIMAL}workers: *a256\n`);
    assert.match(problem!.message, /Unresolved alias.*a256/);
    assert.equal(problem!.location, 'cairn.yaml:5:10');
  });
});
