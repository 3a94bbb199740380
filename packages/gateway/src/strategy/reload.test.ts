// Gateway.reload in-process with a real processing thread: the registry is reloaded with the
// strategy (a key that becomes pii is masked from then on); a registry with errors keeps the
// running one and logs one error with its code.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { protobufToJson } from '@cairn/otlp';
import { pino } from 'pino';
import { loadConfigFile } from '../config/load.js';
import { post, span, traces } from '../e2e/client.js';
import { eventually } from '../e2e/harness.js';
import { Gateway } from '../gateway.js';
import { OtlpHttpSink } from '../testing/sink.js';

const MANIFEST = 'name: t\nsemconv_version: 0.1.0\nschema_base_url: https://t.example/\ncairn:\n  namespaces: [acme]\n  upstream: builtin\n';
const registry = (sensitivity: string, type = 'string') => `groups:
  - id: registry.acme.note
    type: attribute_group
    brief: Notes.
    attributes:
      - id: acme.note
        type: ${type}
        brief: A note.
        stability: development
        examples: ["x"]
        annotations:
          cairn:
            owner: team-a
            sensitivity: ${sensitivity}
`;

describe('Gateway.reload', () => {
  it('reloads the registry with the strategy; a registry with errors keeps the old one and logs one coded error', async () => {
    const sink = await OtlpHttpSink.start();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-reload-registry-'));
    mkdirSync(join(dir, 'conventions'));
    writeFileSync(join(dir, 'conventions', 'registry_manifest.yaml'), MANIFEST);
    writeFileSync(join(dir, 'conventions', 'note.yaml'), registry('internal'));
    writeFileSync(join(dir, 'cairn.yaml'), `receivers: { otlp: { http: { endpoint: 127.0.0.1:0 } } }
admin: null
auth: { anonymous: true }
storage: { directory: ./queue }
destinations:
  backend:
    exporter:
      otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none, timeout: 2s }
conventions: ./conventions
strategy:
  destinations:
    backend:
      sensitivity: { public: allow, internal: allow, pii: mask }
`);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } }));
    const gateway = await Gateway.start(loadConfigFile(join(dir, 'cairn.yaml')), { workers: 1, logger, shutdownGraceMs: 1000 });
    const note = async (): Promise<string | undefined> => {
      const s = span('op', { 'acme.note': 'hello' });
      assert.equal((await post(`http://127.0.0.1:${gateway.ports.http}/v1/traces`, traces('svc', [s]))).status, 200);
      let found: string | undefined;
      await eventually(() => {
        for (const r of sink.requests) {
          const json = protobufToJson('traces', r.body);
          const hit = (JSON.parse(json) as { resourceSpans: { scopeSpans: { spans: { spanId: string; attributes?: { key: string; value: { stringValue?: string } }[] }[] }[] }[] })
            .resourceSpans.flatMap((x) => x.scopeSpans.flatMap((y) => y.spans)).find((x) => x.spanId === s.spanIdHex || Buffer.from(x.spanId, 'base64').toString('hex') === s.spanIdHex);
          if (hit) {
            found = hit.attributes?.find((a) => a.key === 'acme.note')?.value.stringValue ?? '(absent)';
            return true;
          }
        }
        return false;
      }, 30_000, 'the span at the sink');
      return found;
    };
    try {
      assert.equal(await note(), 'hello', 'internal: allowed');
      writeFileSync(join(dir, 'conventions', 'note.yaml'), registry('pii'));
      assert.equal(await gateway.reload(), true);
      assert.equal(await note(), '****', 'now pii: masked');
      assert.ok(lines.some((l) => /"msg":"strategy reloaded"/.test(l)));

      writeFileSync(join(dir, 'conventions', 'note.yaml'), registry('pii', 'no_such_type'));
      const before = lines.length;
      assert.equal(await gateway.reload(), false);
      const errors = lines.slice(before).filter((l) => /"level":50/.test(l));
      assert.equal(errors.length, 1, lines.slice(before).join('\n'));
      const logged = JSON.parse(errors[0]!) as { code: string; path: string; msg: string };
      assert.equal(logged.code, 'CAIRN_CONVENTIONS');
      assert.equal(logged.path, 'conventions');
      assert.match(logged.msg, /previous strategy stays in force/);
      assert.equal(await note(), '****', 'the previous registry and strategy stay');
    } finally {
      await gateway.stop();
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
