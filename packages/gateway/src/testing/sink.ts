// A real OTLP/HTTP backend for tests and benchmarks: listens on 127.0.0.1, decodes what it is
// sent, answers as the spec says, and fails on demand.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { encodeExportResponse, encodeExportResponseJson, encodeRpcStatus, encodeRpcStatusJson, jsonToProtobuf, type Signal } from '@cairn/otlp';
import { RecordingSink } from './recording.js';

export type { ReceivedRequest, SinkState, SinkTotals } from './recording.js';

export interface SinkFailure {
  /** HTTP status to answer, e.g. 503. */
  readonly status: number;
  /** Retry-After header value: seconds, or an HTTP date. */
  readonly retryAfter?: number | string;
  /** google.rpc.Status message in the body. */
  readonly message?: string;
}

export interface OtlpHttpSinkOptions {
  /** Count bytes and items only: no decoding, nothing retained. For the gateway benchmark. */
  readonly blackhole?: boolean;
  /** Bodies larger than this (after decompression) get 413. Default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Serve HTTPS with this PEM key and certificate. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

const SIGNALS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

export class OtlpHttpSink extends RecordingSink<SinkFailure> {
  /** `http(s)://127.0.0.1:<port>`: give it to the exporter as `endpoint`. */
  readonly url: string;
  readonly port: number;
  private server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(server: Server, port: number, private readonly options: OtlpHttpSinkOptions) {
    super();
    this.server = server;
    this.port = port;
    this.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  static async start(options: OtlpHttpSinkOptions = {}): Promise<OtlpHttpSink> {
    const server = newServer(options);
    const port = await listen(server, 0);
    const sink = new OtlpHttpSink(server, port, options);
    sink.attach(server);
    return sink;
  }

  /** Stops listening and drops open connections: clients now get connection refused. */
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.cancelStalls();
    await closed;
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    if (this.server.listening) return;
    this.server = newServer(this.options);
    this.attach(this.server);
    await listen(this.server, this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  private attach(server: Server): void {
    server.keepAliveTimeout = 5000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('request', (req, res) => {
      this.handle(req, res).catch((err: unknown) => answer(res, 500, 'text/plain', String(err)));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const signal = SIGNALS[req.url?.split('?')[0] ?? ''];
    if (req.method !== 'POST' || signal === undefined) {
      req.resume();
      answer(res, 404, 'text/plain', 'POST /v1/traces, /v1/logs or /v1/metrics');
      return;
    }
    const wire = await readBody(req);
    await this.stalled();
    // A client that gave up while the answer was held (a timeout, a killed process) never learns
    // the outcome: like a backend whose connection dropped before it committed, keep nothing.
    if (req.socket.destroyed) return;
    const json = (req.headers['content-type'] ?? '').includes('json');
    const contentType = json ? 'application/json' : 'application/x-protobuf';
    const failure = this.failures.shift();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) };
      const status = { code: 0, message: failure.message ?? `injected ${failure.status}` };
      answer(res, failure.status, contentType, json ? encodeRpcStatusJson(status) : encodeRpcStatus(status), headers);
      return;
    }
    const gzip = req.headers['content-encoding'] === 'gzip';
    let body: Uint8Array;
    try {
      body = gzip ? gunzipSync(wire, { maxOutputLength: this.options.maxBodyBytes ?? 64 * 1024 * 1024 }) : wire;
      if (json) body = jsonToProtobuf(signal, body);
    } catch (err) {
      const tooLarge = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      answer(res, tooLarge ? 413 : 400, contentType, encodeRpcStatus({ code: 3, message: `bad body: ${(err as Error).message}` }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const problem = this.accept({
      signal, body, format: json ? 'json' : 'protobuf', encoding: gzip ? 'gzip' : 'identity', wireBytes: wire.length, headers,
    }, this.options.blackhole ?? false);
    if (problem !== undefined) {
      answer(res, 400, contentType, encodeRpcStatus({ code: 3, message: problem }));
      return;
    }
    answer(res, 200, contentType, json ? encodeExportResponseJson(signal, this.partial) : encodeExportResponse(this.partial));
  }
}

function newServer(options: OtlpHttpSinkOptions): Server {
  return options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }) : createHttpServer();
}

function answer(res: ServerResponse, status: number, contentType: string, body: Uint8Array | string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
    });
  });
}
