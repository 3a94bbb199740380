import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { createExporter, validateExporterConfig, ExporterConfigError, parseDuration, parseSize } from './index.js';

const P = 'destinations.eu.exporter';

function fails(raw: unknown, message: RegExp | string): void {
  assert.throws(() => validateExporterConfig(raw, P), (err: unknown) => {
    assert.ok(err instanceof ExporterConfigError, String(err));
    assert.equal(err.code, 'CAIRN_EXPORTER_CONFIG');
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('the README example config validates with defaults filled in', () => {
  const doc = parse(`
destinations:
  honeycomb:
    exporter:
      otlphttp:
        endpoint: https://api.example.test
        headers: { x-honeycomb-team: "abc" }
        compression: gzip
        timeout: 10s
  archive:
    exporter:
      file: { path: ./.cairn/archive.jsonl, max_bytes: 64MiB, max_files: 5 }
  eu:
    exporter:
      otlpgrpc: { endpoint: 127.0.0.1:4317, insecure: true }
  console:
    exporter:
      debug: { verbosity: basic }
`) as { destinations: Record<string, { exporter: unknown }> };
  const d = doc.destinations;
  assert.deepEqual(validateExporterConfig(d['honeycomb']!.exporter, 'destinations.honeycomb.exporter'), {
    otlphttp: {
      endpoint: 'https://api.example.test', headers: { 'x-honeycomb-team': 'abc' }, compression: 'gzip',
      encoding: 'proto', timeout: 10_000, max_connections: 4, tls: { insecure_skip_verify: false },
    },
  });
  assert.deepEqual(validateExporterConfig(d['archive']!.exporter, 'x'), { file: { path: './.cairn/archive.jsonl', max_bytes: 64 * 1024 * 1024, max_files: 5, fsync: false } });
  assert.deepEqual(validateExporterConfig(d['eu']!.exporter, 'x'), {
    otlpgrpc: { endpoint: '127.0.0.1:4317', insecure: true, headers: {}, compression: 'gzip', timeout: 10_000, tls: { insecure_skip_verify: false } },
  });
  assert.deepEqual(validateExporterConfig(d['console']!.exporter, 'x'), { debug: { verbosity: 'basic' } });
});

test('a validated config validates again to the same value', () => {
  const once = validateExporterConfig({ file: { path: 'a.jsonl', max_bytes: '1MB' } }, P);
  assert.deepEqual(validateExporterConfig(once, P), once);
});

test('errors name the config path of the bad field', () => {
  fails({ otlphttp: { endpoint: 'ftp://x' } }, `${P}.otlphttp.endpoint: must be an http(s) URL; got scheme ftp:`);
  fails({ otlphttp: { endpoint: 'not a url' } }, /^destinations\.eu\.exporter\.otlphttp\.endpoint: must be an http\(s\) URL/);
  fails({ otlphttp: {} }, /^destinations\.eu\.exporter\.otlphttp\.endpoint: is required/);
  fails({ otlphttp: { endpoint: 'http://x', timeout: '10 sec' } }, /^destinations\.eu\.exporter\.otlphttp\.timeout: must be a duration like "500ms"/);
  fails({ otlphttp: { endpoint: 'http://x', compression: 'zstd' } }, `${P}.otlphttp.compression: must be one of gzip, none; got "zstd"`);
  fails({ otlphttp: { endpoint: 'http://x', headers: { 'x-key': 42 } } }, `${P}.otlphttp.headers.x-key: must be a string; got 42`);
  fails({ otlphttp: { endpoint: 'http://x', tls: { cert_file: 'c.pem' } } }, /^destinations\.eu\.exporter\.otlphttp\.tls\.key_file: is required/);
  fails({ otlphttp: { endpoint: 'http://x', retry: true } }, /^destinations\.eu\.exporter\.otlphttp\.retry: is not a known setting/);
  fails({ otlpgrpc: { endpoint: 'collector' } }, /^destinations\.eu\.exporter\.otlpgrpc\.endpoint: must be host:port/);
  fails({ otlpgrpc: { endpoint: 'https://collector:4317', insecure: true } }, /^destinations\.eu\.exporter\.otlpgrpc\.insecure: contradicts/);
  fails({ file: { max_files: 2 } }, /^destinations\.eu\.exporter\.file\.path: is required/);
  fails({ file: { path: 'a', max_bytes: '64 megs' } }, /^destinations\.eu\.exporter\.file\.max_bytes: must be a size like "64MiB"/);
  fails({ file: { path: 'a', max_files: 0 } }, /^destinations\.eu\.exporter\.file\.max_files: must be a whole number of at least 1/);
  fails({ debug: { verbosity: 'loud' } }, `${P}.debug.verbosity: must be one of basic, detailed; got "loud"`);
});

test('the exporter block must name exactly one known exporter', () => {
  fails({ kafka: {} }, /^destinations\.eu\.exporter\.kafka: is not an exporter; expected one of otlphttp, otlpgrpc, file, debug$/);
  fails({}, /^destinations\.eu\.exporter: must name exactly one exporter .*got none$/);
  fails({ debug: {}, file: { path: 'a' } }, /got debug, file$/);
  fails('otlphttp', /^destinations\.eu\.exporter: must be a mapping/);
});

test('an http:// gRPC endpoint means plain text unless told otherwise', () => {
  const c = validateExporterConfig({ otlpgrpc: { endpoint: 'http://collector:4317/' } }, P);
  assert.deepEqual('otlpgrpc' in c && [c.otlpgrpc.endpoint, c.otlpgrpc.insecure], ['collector:4317', true]);
});

test('createExporter builds the exporter the kind key names', async () => {
  const made = [
    createExporter({ otlphttp: { endpoint: 'http://127.0.0.1:1' } }, P),
    createExporter({ otlpgrpc: { endpoint: '127.0.0.1:1', insecure: true } }, P),
    createExporter({ file: { path: '/tmp/cairn-never-written.jsonl' } }, P),
    createExporter({ debug: {} }, P, { debugOutput: { write: () => true } }),
  ];
  assert.deepEqual(made.map((e) => e.kind), ['otlphttp', 'otlpgrpc', 'file', 'debug']);
  await Promise.all(made.map((e) => e.shutdown()));
});

test('a TLS file that does not exist fails at creation, naming the field', () => {
  assert.throws(() => createExporter({ otlphttp: { endpoint: 'https://x', tls: { ca_file: '/nonexistent/ca.pem' } } }, P),
    /^ExporterConfigError: destinations\.eu\.exporter\.otlphttp\.tls\.ca_file: cannot read \/nonexistent\/ca\.pem: ENOENT/);
});

test('durations and sizes: units, bare numbers, and what is refused', () => {
  assert.deepEqual(['500ms', '10s', '1m', '1.5s', '2h', 250].map((d) => parseDuration(d, 't')), [500, 10_000, 60_000, 1500, 7_200_000, 250]);
  assert.deepEqual(['64MiB', '10MB', '512KiB', '1gib', '100B', 4096].map((s) => parseSize(s, 's')), [67_108_864, 10_000_000, 524_288, 1_073_741_824, 100, 4096]);
  for (const bad of ['10', '-1s', '10 sec', 'ms', -5, NaN, null]) assert.throws(() => parseDuration(bad, 'x.timeout'), /^ExporterConfigError: x\.timeout: must be a duration/);
  for (const bad of ['64', '1.5.5MiB', '10TB', 1.5, -1]) assert.throws(() => parseSize(bad, 'x.max_bytes'), /^ExporterConfigError: x\.max_bytes: must be a size/);
});
