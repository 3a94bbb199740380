// The OTLP/gRPC counterpart of OtlpHttpSink: a real @grpc/grpc-js server on 127.0.0.1 serving
// the three Export methods with raw (identity) serializers, recording what arrives. grpc-js
// decompresses and strips grpc-encoding before a handler runs, so requests here always read as
// `identity` and `wireBytes` is the message size; compression is checked at the HTTP/2 level in
// the otlpgrpc exporter's tests.
import * as grpc from '@grpc/grpc-js';
import { encodeExportResponse, otlpGrpcMethod, type Signal } from '@cairn/otlp';
import { encodeRpcStatus } from '@cairn/otlp';
import { RecordingSink } from './recording.js';

export interface GrpcSinkFailure {
  /** gRPC status code, e.g. `grpc.status.UNAVAILABLE` (14). */
  readonly code: number;
  readonly message?: string;
  /** Sends google.rpc.RetryInfo with this delay in grpc-status-details-bin. */
  readonly retryDelayMs?: number;
}

export interface OtlpGrpcSinkOptions {
  /** Count bytes and items only: no decoding, nothing retained. */
  readonly blackhole?: boolean;
  /** Serve TLS with this PEM key and certificate. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

export class OtlpGrpcSink extends RecordingSink<GrpcSinkFailure> {
  /** `127.0.0.1:<port>`: give it to the exporter as `endpoint` with `insecure: true`. */
  readonly endpoint: string;
  readonly port: number;
  private server: grpc.Server;
  private running = true;

  private constructor(server: grpc.Server, port: number, private readonly options: OtlpGrpcSinkOptions) {
    super();
    this.server = server;
    this.port = port;
    this.endpoint = `127.0.0.1:${port}`;
  }

  static async start(options: OtlpGrpcSinkOptions = {}): Promise<OtlpGrpcSink> {
    const server = new grpc.Server();
    const port = await bind(server, 0, options);
    const sink = new OtlpGrpcSink(server, port, options);
    sink.addServices(server);
    return sink;
  }

  /** Shuts the server down hard: clients now get UNAVAILABLE (connection refused). */
  async down(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelStalls();
    this.server.forceShutdown();
  }

  /** Serves again on the same port. */
  async up(): Promise<void> {
    if (this.running) return;
    this.server = new grpc.Server();
    this.addServices(this.server);
    await bind(this.server, this.port, this.options);
    this.running = true;
  }

  async close(): Promise<void> {
    await this.down();
  }

  private addServices(server: grpc.Server): void {
    for (const signal of SIGNALS) {
      const definition = { Export: otlpGrpcMethod(signal) } as unknown as grpc.ServiceDefinition;
      const handler: grpc.handleUnaryCall<Uint8Array, Uint8Array> = (call, callback) => {
        if (this.stallMs <= 0 && !this.holding) this.answer(signal, call, callback);
        // A call its client cancelled while held (a deadline, a killed process) keeps nothing.
        else void this.stalled().then(() => { if (!call.cancelled) this.answer(signal, call, callback); });
      };
      server.addService(definition, { Export: handler });
    }
  }

  private answer(signal: Signal, call: grpc.ServerUnaryCall<Uint8Array, Uint8Array>, callback: grpc.sendUnaryData<Uint8Array>): void {
    const failure = this.failures.shift();
    if (failure) {
      const metadata = new grpc.Metadata();
      if (failure.retryDelayMs !== undefined) {
        const details = encodeRpcStatus({ code: failure.code, message: failure.message ?? '', retryDelayMs: failure.retryDelayMs });
        metadata.set('grpc-status-details-bin', Buffer.from(details));
      }
      callback({ code: failure.code, details: failure.message ?? `injected status ${failure.code}`, metadata });
      return;
    }
    const body = call.request;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = typeof v === 'string' ? v : v.toString('base64');
    const problem = this.accept({ signal, body, format: 'protobuf', encoding: 'identity', wireBytes: body.length, headers }, this.options.blackhole ?? false);
    if (problem !== undefined) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: problem });
      return;
    }
    callback(null, encodeExportResponse(this.partial));
  }
}

function bind(server: grpc.Server, port: number, options: OtlpGrpcSinkOptions): Promise<number> {
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(options.tls.key), cert_chain: Buffer.from(options.tls.cert) }])
    : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
}
