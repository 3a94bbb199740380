import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Server as GrpcServer, ServerCredentials, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { encodeExportResponse, jsonToProtobuf, otlpGrpcMethod, OtlpDecodeError, type Signal } from '@cairn/otlp';

export interface ListenerOptions {
  host?: string;
  /** 0 picks a free port; undefined turns the listener off. */
  httpPort?: number;
  grpcPort?: number;
  /** Undecoded requests waiting to be checked; past this, the sender is told to retry (429 / RESOURCE_EXHAUSTED). */
  maxQueuedRequests?: number;
  maxQueuedBytes?: number;
  /** Largest request body, after gunzip. */
  maxRequestBytes?: number;
  /** Stop after this many ms without a request (0: never). */
  inactivityMs?: number;
}

/** What the listener hands on: one export request, still protobuf bytes, checked in arrival order. */
export type Consume = (signal: Signal, bytes: Uint8Array) => void | Promise<void>;

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };
const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** Why a request was refused or could not be checked, for the report. */
export interface RequestProblem {
  transport: 'http' | 'grpc' | 'check';
  code: string;
  message: string;
}

/**
 * OTLP receivers for live-check, on 127.0.0.1: HTTP (protobuf or JSON, gzip) and gRPC. Nothing
 * accepted is ever dropped: a request is acknowledged once it is queued, the queue is bounded,
 * and a full queue answers 429 with Retry-After (HTTP) or RESOURCE_EXHAUSTED (gRPC), which OTLP
 * exporters retry. `stop()` refuses new requests and returns once every queued one is checked.
 */
export class LiveCheckListener {
  httpPort: number | undefined;
  grpcPort: number | undefined;
  /** Requests accepted, refused for backpressure (the sender retries), and refused as bad input. */
  readonly counts = { accepted: 0, throttled: 0, invalid: 0, checked: 0 };
  readonly problems: RequestProblem[] = [];
  private readonly queue: { signal: Signal; bytes: Uint8Array }[] = [];
  private queuedBytes = 0;
  private http: HttpServer | undefined;
  private grpc: GrpcServer | undefined;
  private stopping = false;
  private draining: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;
  private resolveDone!: () => void;
  /** Resolves once the listener has stopped (signal, inactivity or `stop()`) and everything queued is checked. */
  readonly done: Promise<void> = new Promise((resolve) => (this.resolveDone = resolve));
  private readonly maxRequests: number;
  private readonly maxBytes: number;
  private readonly maxRequestBytes: number;

  constructor(private readonly consume: Consume, private readonly options: ListenerOptions = {}) {
    this.maxRequests = options.maxQueuedRequests ?? 64;
    this.maxBytes = options.maxQueuedBytes ?? 64 * 1024 * 1024;
    this.maxRequestBytes = options.maxRequestBytes ?? 16 * 1024 * 1024;
  }

  async start(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    if (this.options.httpPort !== undefined) {
      const server = createServer((req, res) => void this.onHttp(req, res));
      this.http = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.httpPort, host, () => resolve());
      });
      this.httpPort = (server.address() as { port: number }).port;
    }
    if (this.options.grpcPort !== undefined) {
      const server = new GrpcServer({ 'grpc.max_receive_message_length': this.maxRequestBytes });
      this.grpc = server;
      for (const signal of SIGNALS) {
        server.addService({ Export: otlpGrpcMethod(signal) } as unknown as ServiceDefinition, {
          Export: (call: ServerUnaryCall<Uint8Array, Uint8Array>, callback: sendUnaryData<Uint8Array>) => this.onGrpc(signal, call.request, callback),
        });
      }
      this.grpcPort = await new Promise<number>((resolve, reject) =>
        server.bindAsync(`${host}:${this.options.grpcPort}`, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
      );
    }
    this.draining = this.drain();
    this.touch();
  }

  /** Stops receiving, then waits until every accepted request is checked. Safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      const closing: Promise<unknown>[] = [];
      if (this.http) {
        const http = this.http;
        closing.push(new Promise((resolve) => http.close(resolve)));
        http.closeIdleConnections();
      }
      if (this.grpc) {
        const grpc = this.grpc;
        closing.push(new Promise<void>((resolve) => grpc.tryShutdown(() => resolve())));
      }
      await Promise.all(closing);
      this.wake?.();
      await this.draining;
      this.resolveDone();
    })();
    return this.stopped;
  }

  /** Queued and not yet checked. */
  get pending(): number {
    return this.queue.length;
  }

  private touch(): void {
    const ms = this.options.inactivityMs ?? 0;
    if (ms <= 0 || this.stopping) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stop(), ms);
    this.idleTimer.unref();
  }

  /** Queues a request, or says why not: 'full' (retry later) or 'stopping'. */
  private offer(signal: Signal, bytes: Uint8Array): 'queued' | 'full' | 'stopping' {
    if (this.stopping) return 'stopping';
    if (this.queue.length >= this.maxRequests || (this.queue.length > 0 && this.queuedBytes + bytes.length > this.maxBytes)) {
      this.counts.throttled++;
      return 'full';
    }
    this.queue.push({ signal, bytes });
    this.queuedBytes += bytes.length;
    this.counts.accepted++;
    this.touch();
    this.wake?.();
    return 'queued';
  }

  private async drain(): Promise<void> {
    for (;;) {
      const next = this.queue.shift();
      if (!next) {
        if (this.stopping) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        await this.consume(next.signal, next.bytes);
      } catch (error) {
        this.counts.invalid++;
        this.problems.push({ transport: 'check', code: error instanceof OtlpDecodeError ? error.code : 'CAIRN_LIVECHECK_INTERNAL', message: (error as Error).message });
      }
      this.queuedBytes -= next.bytes.length;
      this.counts.checked++;
      // Let the sockets run between requests: the receivers stay responsive while a backlog is checked.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const signal = PATHS[path];
    if (req.method !== 'POST' || signal === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('live-check accepts POST /v1/traces, /v1/metrics, /v1/logs\n');
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const json = type === 'application/json';
    if (!json && type !== 'application/x-protobuf') return void this.refuse(res, 415, `unsupported content-type \`${type}\`: send application/x-protobuf or application/json`);
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') return void this.refuse(res, 415, `unsupported content-encoding \`${encoding}\``);
    if (this.queue.length >= this.maxRequests) {
      // Refused before reading: a full queue costs the sender a retry, never us memory.
      this.counts.throttled++;
      req.resume();
      return void res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('live-check is busy: retry\n');
    }
    let body: Buffer;
    try {
      body = await readLimited(req, this.maxRequestBytes);
      if (encoding === 'gzip') body = gunzipSync(body, { maxOutputLength: this.maxRequestBytes });
    } catch (error) {
      return void this.refuse(res, 400, `unreadable body: ${(error as Error).message}`);
    }
    let bytes: Uint8Array = body;
    if (json) {
      try {
        bytes = jsonToProtobuf(signal, body);
      } catch (error) {
        return void this.refuse(res, 400, (error as Error).message, error instanceof OtlpDecodeError ? error.code : 'CAIRN_LIVECHECK_JSON');
      }
    }
    const outcome = this.offer(signal, bytes);
    if (outcome === 'queued') return void res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : Buffer.from(encodeExportResponse({})));
    if (outcome === 'full') return void res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('live-check is busy: retry\n');
    res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('live-check is stopping\n');
  }

  private refuse(res: ServerResponse, status: number, message: string, code = 'CAIRN_LIVECHECK_REQUEST'): void {
    this.counts.invalid++;
    this.problems.push({ transport: 'http', code, message });
    res.writeHead(status, { 'content-type': 'text/plain' }).end(`${code}: ${message}\n`);
  }

  private onGrpc(signal: Signal, bytes: Uint8Array, callback: sendUnaryData<Uint8Array>): void {
    const outcome = this.offer(signal, bytes);
    if (outcome === 'queued') return callback(null, encodeExportResponse({}));
    if (outcome === 'full') return callback({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'live-check is busy: retry' }, null);
    callback({ code: GrpcStatus.UNAVAILABLE, details: 'live-check is stopping' }, null);
  }
}

function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new Error(`body is over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
