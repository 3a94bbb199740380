import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { encodeExportResponse, encodeExportResponseJson, encodeRpcStatus, encodeRpcStatusJson, RpcCode, type Signal } from '@cairn/otlp';
import type { TokenAuthenticator } from '../../auth/tokens.js';
import type { LimitsConfig, ListenerConfig } from '../../config/types.js';
import { Reservation, type Ingest, type IngestOutcome } from '../../pipeline/ingest.js';
import type { BodyFormat } from '../../pipeline/process.js';
import type { GatewayMetrics } from '../../telemetry/metrics.js';
import { authMessage, exportResult, HTTP_STATUS, retryAfterOf, RPC_CODE } from '../outcome.js';
import { readBody, type BodyRefusal } from './body.js';

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };
const RECEIVER = 'otlphttp';

/** Answered before the body is read (or while reading it): status, code and message. */
class Refusal {
  constructor(readonly status: number, readonly code: number, readonly message: string, readonly retryAfter?: number) {}
}

function refusalOf(outcome: Exclude<IngestOutcome, { kind: 'accepted' }>): Refusal {
  return new Refusal(HTTP_STATUS[outcome.kind], RPC_CODE[outcome.kind], outcome.message, retryAfterOf(outcome));
}

export interface HttpReceiverDeps {
  ingest: Ingest;
  auth: TokenAuthenticator;
  limits: LimitsConfig;
  metrics: GatewayMetrics;
}

/**
 * OTLP/HTTP on `/v1/traces`, `/v1/logs` and `/v1/metrics`: protobuf and JSON bodies, gzip or
 * deflate, answers in the request's encoding with `partial_success` when part of a batch was
 * refused. Bad input gets a google.rpc.Status; backpressure gets 429/503 with Retry-After.
 */
export class OtlpHttpReceiver {
  private server: Server | undefined;
  /** Set by stop(): every answer from then on ends its connection's keep-alive. */
  private draining = false;

  constructor(private readonly config: ListenerConfig, private readonly deps: HttpReceiverDeps) {}

  async start(): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((error: Error) => this.send(res, 'json', new Refusal(500, RpcCode.Internal, `internal error: ${error.message}`)));
    };
    const tls = this.config.tls;
    // client_ca_file turns on mutual TLS: a client without a certificate that CA signed is
    // refused in the handshake, before any request is read.
    const mtls = tls?.clientCaFile ? { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: true } : {};
    this.server = tls ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ...mtls }, handler) : createHttpServer(handler);
    // Slow clients must not hold memory forever.
    this.server.requestTimeout = 60_000;
    this.server.headersTimeout = 15_000;
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.port, this.config.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Stops accepting connections; requests in progress finish. A keep-alive client that keeps
   * its connection busy past `graceMs` is cut off, so shutdown is bounded.
   */
  async stop(graceMs = 10_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    // Like Go's http.Server.Shutdown: keep-alive ends, so each busy connection closes after the
    // answer it is writing and its client reconnects, to another instance.
    this.draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, graceMs);
    });
    await Promise.race([closed, cutOff]);
    clearTimeout(timer);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const signal = PATHS[path];
    const format = formatOf(req.headers['content-type']);
    const replyAs: BodyFormat = format ?? 'json';
    if (!signal) return this.refuse(req, res, replyAs, new Refusal(404, RpcCode.InvalidArgument, `no OTLP endpoint at ${path}; use /v1/traces, /v1/logs or /v1/metrics`));
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return this.refuse(req, res, replyAs, new Refusal(405, RpcCode.InvalidArgument, `${req.method} is not allowed; OTLP/HTTP uses POST`));
    }
    if (!format) {
      return this.refuse(req, res, 'json', new Refusal(415, RpcCode.InvalidArgument, `unsupported content type ${JSON.stringify(req.headers['content-type'] ?? '')}; use application/x-protobuf or application/json`));
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (!['gzip', 'deflate', 'identity', 'none'].includes(encoding)) {
      return this.refuse(req, res, format, new Refusal(415, RpcCode.InvalidArgument, `unsupported content encoding ${encoding}; use gzip, deflate or none`));
    }
    // Sent twice, a credential header may be read as either copy downstream: refused as malformed.
    const values = req.headersDistinct[this.deps.auth.header];
    const auth = this.deps.auth.authenticate(values === undefined ? undefined : values.length === 1 ? values[0] : '');
    if (!auth.ok) {
      res.setHeader('www-authenticate', 'Bearer');
      return this.refuse(req, res, format, new Refusal(401, RpcCode.Unauthenticated, authMessage(auth.reason)));
    }
    const limits = this.deps.limits;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limits.maxRequestBytes) {
      return this.refuse(req, res, format, new Refusal(413, RpcCode.ResourceExhausted, `request body of ${declared} bytes exceeds the limit of ${limits.maxRequestBytes}`));
    }
    const reservation = this.deps.ingest.admit(Number.isFinite(declared) ? declared : limits.maxRequestBytes);
    if (!(reservation instanceof Reservation)) return this.refuse(req, res, format, refusalOf(reservation));
    try {
      const body = await readBody(req, encoding, limits, declared, (bytes) => this.deps.ingest.grow(reservation, bytes));
      if (!Buffer.isBuffer(body)) return this.refuse(req, res, format, bodyRefusalOf(body as BodyRefusal));
      const outcome = await this.deps.ingest.accept(RECEIVER, signal, format, body, auth.tenant.name, reservation);
      if (outcome.kind === 'accepted') {
        const result = exportResult(outcome);
        res.writeHead(200, this.headers(format));
        res.end(format === 'json' ? encodeExportResponseJson(signal, result) : encodeExportResponse(result));
        return;
      }
      this.send(res, format, refusalOf(outcome));
    } finally {
      this.deps.ingest.release(reservation);
    }
  }

  /** Answers without reading the body, and closes the connection so the client stops sending it. */
  private refuse(req: IncomingMessage, res: ServerResponse, format: BodyFormat, refusal: Refusal): void {
    this.deps.metrics.refusedRequests.inc({ receiver: RECEIVER, reason: String(refusal.status) });
    if (!req.complete) res.setHeader('connection', 'close');
    this.send(res, format, refusal);
    req.resume();
  }

  /** Response headers; while draining, `connection: close` so the client reconnects elsewhere. */
  private headers(format: BodyFormat): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': contentType(format) };
    if (this.draining) headers.connection = 'close';
    return headers;
  }

  private send(res: ServerResponse, format: BodyFormat, refusal: Refusal): void {
    if (res.headersSent) return;
    const headers = this.headers(format);
    if (refusal.retryAfter !== undefined) headers['retry-after'] = String(refusal.retryAfter);
    const status = { code: refusal.code, message: refusal.message };
    res.writeHead(refusal.status, headers);
    res.end(format === 'json' ? encodeRpcStatusJson(status) : encodeRpcStatus(status));
  }
}

function formatOf(contentTypeHeader: string | undefined): BodyFormat | undefined {
  const type = (contentTypeHeader ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

function contentType(format: BodyFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf';
}

function bodyRefusalOf(refusal: BodyRefusal): Refusal {
  if (refusal.kind === 'over_budget') return new Refusal(429, RpcCode.ResourceExhausted, refusal.message, 1);
  if (refusal.kind === 'too_large') return new Refusal(413, RpcCode.ResourceExhausted, refusal.message);
  return new Refusal(400, RpcCode.InvalidArgument, refusal.message);
}
