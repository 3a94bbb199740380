import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, parseConfig } from './load.js';
import { substituteEnv, type Problem } from './env.js';

const MINIMAL = `destinations:
  console:
    exporter:
      debug: {}
`;

function problems(text: string, env: NodeJS.ProcessEnv = {}): ConfigError['problems'] {
  try {
    parseConfig(text, 'cairn.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected the config to be refused');
}

describe('gateway config', () => {
  it('fills in safe defaults: loopback receivers, no anonymous ingest, SQLite queue under ./.cairn', () => {
    const config = parseConfig(MINIMAL, 'cairn.yaml', {});
    assert.deepEqual(config.receivers.http, { host: '127.0.0.1', port: 4318 });
    assert.deepEqual(config.receivers.grpc, { host: '127.0.0.1', port: 4317 });
    assert.equal(config.auth.anonymous, undefined);
    assert.equal(config.destinations[0]!.queue.mode, 'sqlite');
    assert.match(config.storage.directory, /\.cairn$/);
    assert.deepEqual(config.destinations[0]!.signals, ['traces', 'logs', 'metrics']);
    assert.deepEqual(config.destinations[0]!.batch, { maxItems: 8192, maxBytes: 2 * 1024 * 1024 });
  });

  it('substitutes ${env:VAR} and ${env:VAR:-default}, typing a whole-value reference', () => {
    const text = `workers: \${env:WORKERS}
receivers:
  otlp:
    http: { endpoint: "\${env:HOST:-127.0.0.1}:\${env:PORT}" }
destinations:
  up:
    exporter:
      otlphttp: { endpoint: "https://\${env:BACKEND}", headers: { x-key: "\${env:KEY}", literal: "$$5" } }
`;
    const config = parseConfig(text, 'cairn.yaml', { WORKERS: '3', PORT: '9999', BACKEND: 'otel.test', KEY: 's3cret' });
    assert.equal(config.workers, 3);
    assert.deepEqual(config.receivers.http, { host: '127.0.0.1', port: 9999 });
    const exporter = config.destinations[0]!.exporter as { otlphttp: { endpoint: string; headers: Record<string, string> } };
    assert.equal(exporter.otlphttp.endpoint, 'https://otel.test');
    assert.deepEqual(exporter.otlphttp.headers, { 'x-key': 's3cret', literal: '$5' });
  });

  it('names the path and line of an unset environment variable', () => {
    const [problem] = problems(`${MINIMAL}storage: { directory: "\${env:NOPE}" }\n`);
    assert.equal(problem?.path, 'storage.directory');
    assert.match(problem!.message, /environment variable NOPE is not set/);
    assert.equal(problem?.location, 'cairn.yaml:5:23');
  });

  it('names an unknown key with its path and line, and what was expected', () => {
    const [problem] = problems(`${MINIMAL}    retri: { initial_interval: 1s }\n`);
    assert.equal(problem?.path, 'destinations.console.retri');
    assert.match(problem!.message, /is not a known setting; did you mean `retry`\? Expected one of exporter, when, signals, queue, retry, concurrency, batch/);
    assert.equal(problem?.location, 'cairn.yaml:5:5');
  });

  it('says what an endpoint must look like', () => {
    const [problem] = problems(`${MINIMAL}receivers: { otlp: { http: { endpoint: "localhost" } } }\n`);
    assert.equal(problem?.path, 'receivers.otlp.http.endpoint');
    assert.match(problem!.message, /host:port/);
  });

  it('checks the exporter with its own rules, naming the exporter path', () => {
    const [problem] = problems(`destinations:\n  eu:\n    exporter:\n      otlphttp: { endpoint: "not a url" }\n`);
    assert.equal(problem?.path, 'destinations.eu.exporter.otlphttp.endpoint');
    assert.equal(problem?.location, 'cairn.yaml:4:29');
  });

  it('compiles CEL route conditions at load time', () => {
    const [problem] = problems(`${MINIMAL}    when: 'resource["cloud.region"].startsWith('\n`);
    assert.equal(problem?.path, 'destinations.console.when');
    assert.match(problem!.message, /is not valid CEL/);
    const config = parseConfig(`${MINIMAL}    when: 'resource["cloud.region"].startsWith("eu-")'\n`, 'cairn.yaml', {});
    assert.equal(config.destinations[0]!.when, 'resource["cloud.region"].startsWith("eu-")');
  });

  it('refuses a token that is not a SHA-256 digest, explaining how to make one', () => {
    const [problem] = problems(`${MINIMAL}auth: { tenants: { a: { token_sha256: [plaintext-token], services: [x] } } }\n`);
    assert.equal(problem?.path, 'auth.tenants.a.token_sha256.0');
    assert.match(problem!.message, /sha256sum/);
  });

  it('reports malformed YAML with its position', () => {
    const [problem] = problems('destinations: [\n');
    assert.match(problem!.location ?? '', /^cairn\.yaml:\d+:\d+$/);
  });

  it('parses durations and sizes in human units', () => {
    const config = parseConfig(`${MINIMAL}    queue: { max_size: 2MiB }\n    retry: { initial_interval: 250ms, max_interval: 1m }\n`, 'cairn.yaml', {});
    assert.equal(config.destinations[0]!.queue.maxBytes, 2 * 1024 * 1024);
    assert.equal(config.destinations[0]!.retry.initialIntervalMs, 250);
    assert.equal(config.destinations[0]!.retry.maxIntervalMs, 60_000);
  });

  it('reads merging settings, off meaning one batch per request, and names a bad size', () => {
    const on = parseConfig(`${MINIMAL}    batch: { max_items: 500, max_size: 512KiB }\n`, 'cairn.yaml', {});
    assert.deepEqual(on.destinations[0]!.batch, { maxItems: 500, maxBytes: 512 * 1024 });
    const off = parseConfig(`${MINIMAL}    batch: { enabled: false, max_items: 500 }\n`, 'cairn.yaml', {});
    assert.equal(off.destinations[0]!.batch.maxItems, 1);
    const [problem] = problems(`${MINIMAL}    batch: { max_size: lots }\n`);
    assert.equal(problem?.path, 'destinations.console.batch.max_size');
    assert.equal(problem?.location, 'cairn.yaml:5:24');
  });
});

describe('config parser properties', () => {
  const runs = process.env.CI === 'true' ? 150 : 800;

  it('never throws anything but ConfigError, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ destinations: v }))), (text) => {
        try {
          parseConfig(text, 'fuzz.yaml', {});
        } catch (error) {
          assert.ok(error instanceof ConfigError, `threw ${(error as Error).name}: ${(error as Error).message}`);
          for (const p of error.problems) assert.ok(p.message.length > 0);
        }
      }),
      { numRuns: runs },
    );
  });

  it('substitutes any defined variable literally inside text', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string({ maxLength: 20 }).filter((v) => v !== ''), (name, value) => {
        const out: Problem[] = [];
        assert.equal(substituteEnv(`a-\${env:${name}}-b`, { [name]: value }, out), `a-${value}-b`);
        assert.deepEqual(out, []);
      }),
      { numRuns: runs },
    );
  });
});
