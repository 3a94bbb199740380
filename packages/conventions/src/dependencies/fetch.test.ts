import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { loadRegistry } from '../registry.js';
import { writeRegistry } from '../test-support.js';

const ARCHIVE = fileURLToPath(new URL('../../testdata/deps/archives/base-1.0.0.tar.gz', import.meta.url));
const PUBLISHED = fileURLToPath(new URL('../../testdata/deps/published', import.meta.url));

/**
 * A real HTTP server on 127.0.0.1, on its own thread: the loader blocks the main thread while
 * it downloads, so a server there could never answer. `/base.tar.gz` serves the archive,
 * `/pub/2.1.0/` a published registry, `/hang` accepts and never answers.
 */
const SERVER = `
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const body = readFileSync(workerData.archive);
let flaky = 0;
const server = createServer((req, res) => {
  if (req.url === '/hang') return;
  // The first answer is not an archive at all; later ones are.
  if (req.url === '/flaky.tar.gz') { res.end(flaky++ === 0 ? Buffer.from('not gzip') : body); return; }
  if (req.url === '/base.tar.gz') { res.writeHead(200, { 'content-type': 'application/gzip' }); res.end(body); return; }
  if (req.url === '/pub/2.1.0/manifest.yaml') { res.end(readFileSync(workerData.published + '/manifest.yaml')); return; }
  if (req.url === '/pub/2.1.0/resolved_schema.yaml') { res.end(readFileSync(workerData.published + '/resolved_schema.yaml')); return; }
  res.writeHead(404); res.end();
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

async function startServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const worker = new Worker(SERVER, { eval: true, workerData: { archive: ARCHIVE, published: PUBLISHED } });
  const [port] = (await once(worker, 'message')) as [number];
  return { port, stop: async () => void (await worker.terminate()) };
}

function manifestFor(url: string): string {
  return `name: remote\ndependencies:\n  - name: base\n    registry_path: ${url}[model]\n`;
}

const cacheDir = mkdtempSync(join(tmpdir(), 'cairn-fetch-cache-'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('dependencies over http(s)', () => {
  test('fetched once into the cache; later runs use the cache with the server gone; an uncached URL fails clearly', async () => {
    const server = await startServer();
    let port: number;
    try {
      port = server.port;
      const url = `http://127.0.0.1:${port}/base.tar.gz`;
      const first = loadRegistry(writeRegistry({ 'registry_manifest.yaml': manifestFor(url) }), { cacheDir });
      assert.deepEqual(first.findings.filter((f) => f.level === 'error'), []);
      assert.ok(first.registry.attributes.some((a) => a.key === 'base.id'));
      const entries = readdirSync(join(cacheDir, 'registries'));
      assert.equal(entries.length, 1);
      assert.ok(existsSync(join(cacheDir, 'registries', entries[0]!, 'tree', 'model', 'base.yaml')));
    } finally {
      await server.stop();
    }
    const url = `http://127.0.0.1:${port}/base.tar.gz`;
    const second = loadRegistry(writeRegistry({ 'registry_manifest.yaml': manifestFor(url) }), { cacheDir });
    assert.deepEqual(second.findings.filter((f) => f.level === 'error'), []);
    assert.ok(second.registry.attributes.some((a) => a.key === 'base.id'));

    const other = `http://127.0.0.1:${port}/other.tar.gz`;
    const offline = loadRegistry(writeRegistry({ 'registry_manifest.yaml': manifestFor(other) }), { cacheDir });
    const [finding] = offline.findings;
    assert.equal(finding?.id, 'schema.dependency-unavailable');
    assert.ok(finding.message.includes(other), finding.message);
    assert.match(finding.message, /the cache holds no copy/);
    // The server is gone: the connection is refused, no status came back.
    assert.doesNotMatch(finding.message, /HTTP \d/);
    assert.equal(finding.location?.line, 3);
    assert.equal(offline.unusable, true);
  });

  test("a published manifest by URL: its relative resolved_registry_uri is fetched next to it", async () => {
    const server = await startServer();
    try {
      const url = `http://127.0.0.1:${server.port}/pub/2.1.0/manifest.yaml`;
      const loaded = loadRegistry(writeRegistry({ 'registry_manifest.yaml': `name: r\ndependencies:\n  - schema_url: https://example.test/published/2.1.0\n    registry_path: ${url}\n`, 'r.yaml': 'imports:\n  metrics: [pub.*]\ngroups: []\n' }), { cacheDir });
      assert.deepEqual(loaded.findings.filter((f) => f.level === 'error'), []);
      assert.deepEqual(loaded.registry.groups.map((g) => g.id), ['registry.pub', 'metric.pub.calls']);
    } finally {
      await server.stop();
    }
  });

  test('a download that does not extract is dropped from the cache and fetched again next time', async () => {
    const server = await startServer();
    try {
      const url = `http://127.0.0.1:${server.port}/flaky.tar.gz`;
      const first = loadRegistry(writeRegistry({ 'registry_manifest.yaml': manifestFor(url) }), { cacheDir });
      assert.equal(first.findings[0]?.id, 'schema.dependency-unreadable');
      const second = loadRegistry(writeRegistry({ 'registry_manifest.yaml': manifestFor(url) }), { cacheDir });
      assert.deepEqual(second.findings.filter((f) => f.level === 'error'), []);
      assert.ok(second.registry.attributes.some((a) => a.key === 'base.id'));
    } finally {
      await server.stop();
    }
  });

  test('a server that never answers ends in a timeout error, not a hang', async () => {
    const server = await startServer();
    try {
      const url = `http://127.0.0.1:${server.port}/hang`;
      const loaded = loadRegistry(writeRegistry({ 'registry_manifest.yaml': `name: r\ndependencies:\n  - name: r\n    registry_path: ${url}\n` }), { cacheDir, fetchTimeoutMs: 300 });
      const [finding] = loaded.findings;
      assert.equal(finding?.id, 'schema.dependency-unavailable');
      assert.match(finding.message, /no answer within 300 ms/);
      assert.ok(finding.message.includes(url));
    } finally {
      await server.stop();
    }
  });
});
