// `encoding: json` on an otlphttp destination, configured through cairn.yaml as docs/exporters.md
// shows: the backend receives OTLP/JSON that decodes to the very spans the client sent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { protobufToJson } from '@cairn/otlp';
import { pino } from 'pino';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { post, span, traces } from './client.js';

test('a gateway destination with encoding: json delivers OTLP/JSON with the same spans', async () => {
  const sink = await OtlpHttpSink.start();
  const storage = mkdtempSync(join(tmpdir(), 'cairn-encoding-'));
  let gateway: Gateway | undefined;
  try {
    const yaml = `receivers: { otlp: { http: { endpoint: 127.0.0.1:0 } } }
admin: null
auth: { anonymous: true }
storage: { directory: ${JSON.stringify(storage)} }
destinations:
  backend:
    exporter:
      otlphttp: { endpoint: ${JSON.stringify(sink.url)}, encoding: json }
`;
    gateway = await Gateway.start(parseConfig(yaml, join(storage, 'cairn.yaml'), {}), { workers: 0, logger: pino({ level: 'silent' }) });
    const body = traces('checkout', [span('GET /cart', { 'http.route': '/cart', retries: 2 }), span('SELECT', { 'db.system': 'postgresql' })]);
    const answer = await post(`http://127.0.0.1:${gateway.ports.http}/v1/traces`, body);
    assert.equal(answer.status, 200);
    await sink.waitFor((s) => s.requests.length === 1, 10_000);
    const [request] = sink.requests;
    assert.equal(request?.format, 'json');
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(request?.encoding, 'gzip');
    // The sink turned the JSON back into protobuf: both sides read as the same OTLP/JSON.
    assert.equal(protobufToJson('traces', request!.body), protobufToJson('traces', body));
  } finally {
    await gateway?.stop();
    await sink.close();
    rmSync(storage, { recursive: true, force: true });
  }
});
