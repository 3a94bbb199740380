// The listener settings do what they say, over real sockets: a receiver or the admin server
// turned off does not listen, client_ca_file means mutual TLS on both receivers, and a
// malformed Authorization header is refused instead of being read as anonymous.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { credentials, Metadata, makeGenericClientConstructor, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { otlpGrpcMethod } from '@cairn/otlp';
import { pino } from 'pino';
import { parseConfig } from '../config/load.js';
import { Gateway } from '../gateway.js';
import { OtlpHttpSink } from '../testing/sink.js';
import { span, traces } from './client.js';
import { startHarness, type Harness } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-listeners-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, `openssl ${args.join(' ')} (.ci/run installs it): ${result.stderr}`);
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, both CA-signed. */
function makeCertificates(): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; otherCert: string; otherKey: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=cairn-test-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, subject] of [['server', '/CN=127.0.0.1'], ['client', '/CN=team-checkout']] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', name === 'server' ? '1' : '2', '-days', '1', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  }
  // Self-signed: a certificate, but not one the gateway's CA vouches for.
  openssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '1', '-subj', '/CN=intruder');
  const at = (f: string): string => join(dir, f);
  return { ca: at('ca.pem'), serverCert: at('server.pem'), serverKey: at('server.key'), clientCert: at('client.pem'), clientKey: at('client.key'), otherCert: at('other.pem'), otherKey: at('other.key') };
}

/**
 * Where the disabled listeners are configured: a loopback address no test listens on, so no
 * server another test file starts on 127.0.0.1 can take the port between freePort() and probe().
 */
const UNUSED_HOST = '127.0.0.3';

/** A port that was free on UNUSED_HOST a moment ago (nothing in this test listens on it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, UNUSED_HOST, resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves with the connect error code, or 'connected'. */
function probe(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

type GrpcCall = (body: Uint8Array, metadata: Metadata, callback: (error: ServiceError | null) => void) => void;

/** One OTLP/gRPC trace export; resolves with the status code (0 = OK). */
async function grpcCall(address: string, creds: ReturnType<typeof credentials.createInsecure>, metadata = new Metadata()): Promise<number> {
  const Client = makeGenericClientConstructor({ Export: otlpGrpcMethod('traces') } as never, 'TraceService');
  const client = new Client(address, creds);
  try {
    const error = await new Promise<ServiceError | null>((resolve) => {
      (client as unknown as { Export: GrpcCall }).Export.call(client, traces('checkout', [span()]), metadata, resolve);
    });
    return error?.code ?? 0;
  } finally {
    client.close();
  }
}

describe('listeners turned off do not listen', () => {
  it('enabled: false on gRPC and the admin server leaves their ports closed; null does the same', async () => {
    const sink = await OtlpHttpSink.start();
    const [grpcPort, adminPort] = [await freePort(), await freePort()];
    const yaml = `receivers:
  otlp:
    http: { endpoint: 127.0.0.1:0 }
    grpc: { enabled: false, endpoint: ${UNUSED_HOST}:${grpcPort} }
admin: { enabled: false, endpoint: ${UNUSED_HOST}:${adminPort} }
storage: { directory: ${JSON.stringify(join(dir, 'off'))} }
destinations:
  backend:
    exporter:
      otlphttp: { endpoint: ${JSON.stringify(sink.url)}, compression: none }
`;
    const gateway = await Gateway.start(parseConfig(yaml, join(dir, 'off.yaml'), {}), { workers: 0, logger: pino({ level: 'silent' }) });
    try {
      assert.deepEqual(Object.keys(gateway.ports), ['http']);
      assert.equal(await probe(grpcPort, UNUSED_HOST), 'ECONNREFUSED');
      assert.equal(await probe(adminPort, UNUSED_HOST), 'ECONNREFUSED');
      assert.equal(await probe(gateway.ports.http!), 'connected');
    } finally {
      await gateway.stop();
      await sink.close();
    }
    const nulls = parseConfig(yaml.replace(/grpc: \{.*\}/, 'grpc: null').replace(/admin: \{.*\}/, 'admin: null'), 'cairn.yaml', {});
    assert.equal(nulls.receivers.grpc, undefined);
    assert.equal(nulls.admin, undefined);
  });
});

describe('client_ca_file: mutual TLS on both receivers', () => {
  let h: Harness;
  let certs: ReturnType<typeof makeCertificates>;
  before(async () => {
    certs = makeCertificates();
    const tls = `tls: { cert_file: ${JSON.stringify(certs.serverCert)}, key_file: ${JSON.stringify(certs.serverKey)}, client_ca_file: ${JSON.stringify(certs.ca)} }`;
    h = await startHarness({ receivers: `receivers:\n  otlp:\n    http: { endpoint: 127.0.0.1:0, ${tls} }\n    grpc: { endpoint: 127.0.0.1:0, ${tls} }` });
  });
  after(async () => {
    await h?.close();
  });

  function httpsPost(client?: { cert: string; key: string }): Promise<number | string> {
    return new Promise((resolve) => {
      const options = { method: 'POST', ca: readFileSync(certs.ca), headers: { 'content-type': 'application/x-protobuf' }, ...(client && { cert: readFileSync(client.cert), key: readFileSync(client.key) }) };
      const req = httpsRequest(`https://127.0.0.1:${h.gateway.ports.http}/v1/traces`, options, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end(traces('checkout', [span()]));
    });
  }

  it('OTLP/HTTP refuses a client without a certificate, or with one the CA did not sign, and accepts a CA-signed one', async () => {
    assert.notEqual(await httpsPost(), 200, 'no client certificate');
    assert.equal(typeof (await httpsPost()), 'string', 'refused in the TLS handshake, not by an HTTP status');
    assert.equal(typeof (await httpsPost({ cert: certs.otherCert, key: certs.otherKey })), 'string', 'a certificate the CA did not sign');
    assert.equal(await httpsPost({ cert: certs.clientCert, key: certs.clientKey }), 200);
  });

  it('OTLP/gRPC does the same', async () => {
    const ca = readFileSync(certs.ca);
    const address = `127.0.0.1:${h.gateway.ports.grpc}`;
    assert.equal(await grpcCall(address, credentials.createSsl(ca)), GrpcStatus.UNAVAILABLE, 'no client certificate');
    assert.equal(await grpcCall(address, credentials.createSsl(ca, readFileSync(certs.otherKey), readFileSync(certs.otherCert))), GrpcStatus.UNAVAILABLE, 'a certificate the CA did not sign');
    assert.equal(await grpcCall(address, credentials.createSsl(ca, readFileSync(certs.clientKey), readFileSync(certs.clientCert))), 0);
  });
});

describe('a malformed Authorization header is refused, never read as anonymous', () => {
  let h: Harness;
  before(async () => {
    // Anonymous ingest is on: before the fix, `Basic …` or `Bearer` alone fell back to it.
    h = await startHarness({ auth: 'auth:\n  anonymous: true\n  tenants: { team: { token_sha256: [1c91ab6eeb328d72cd9a4f18adfb14166cdeadd244a9afd48d084fd996e8615e], services: ["*"] } }' });
  });
  after(async () => {
    await h?.close();
  });

  const MALFORMED = ['Bearer', 'Bearer ', 'Basic eHl6', 'Bearer  checkout-dev-token', 'Bearer checkout-dev-token extra', 'Bearer t\u00f6k', 'checkout-dev-token'];

  function post(authorization?: string | string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | string[]> = { 'content-type': 'application/x-protobuf' };
      if (authorization !== undefined) headers.authorization = authorization;
      const req = httpRequest(`${h.http}/v1/traces`, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end(traces('checkout', [span()]));
    });
  }

  it('OTLP/HTTP answers 401', async () => {
    assert.equal(await post(), 200, 'no header at all is anonymous');
    assert.equal(await post('Bearer checkout-dev-token'), 200);
    for (const value of MALFORMED) assert.equal(await post(value), 401, JSON.stringify(value));
    assert.equal(await post(['Bearer checkout-dev-token', 'Bearer other']), 401, 'two Authorization headers');
  });

  it('OTLP/gRPC answers UNAUTHENTICATED', async () => {
    const insecure = credentials.createInsecure();
    assert.equal(await grpcCall(h.grpc, insecure), 0, 'no metadata at all is anonymous');
    // grpc-js sends ASCII metadata only, and trims it: `Bearer ` arrives as no header.
    for (const value of MALFORMED.filter((v) => /^[\x20-\x7e]*$/.test(v) && v === v.trim())) {
      const metadata = new Metadata();
      metadata.set('authorization', value);
      assert.equal(await grpcCall(h.grpc, insecure, metadata), GrpcStatus.UNAUTHENTICATED, JSON.stringify(value));
    }
    // Two `authorization` entries: node's HTTP/2 client will not send them (a single-value
    // header), so that case is covered by the HTTP test and the receiver's length check.
  });
});
