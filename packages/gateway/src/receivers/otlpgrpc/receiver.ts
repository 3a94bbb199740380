import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Metadata, Server, ServerCredentials, status as GrpcStatus, type ServerUnaryCall, type sendUnaryData, type ServiceDefinition } from '@grpc/grpc-js';
import { encodeExportResponse, encodeRpcStatus, otlpGrpcMethod, type Signal } from '@cairn/otlp';
import type { TokenAuthenticator } from '../../auth/tokens.js';
import type { LimitsConfig, ListenerConfig } from '../../config/types.js';
import type { Ingest, IngestOutcome } from '../../pipeline/ingest.js';
import type { GatewayMetrics } from '../../telemetry/metrics.js';
import { authMessage, exportResult, retryAfterOf, RPC_CODE } from '../outcome.js';
import { ReceiveBudget } from './budget.js';

const RECEIVER = 'otlpgrpc';
const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

export interface GrpcReceiverDeps {
  ingest: Ingest;
  auth: TokenAuthenticator;
  limits: LimitsConfig;
  metrics: GatewayMetrics;
}

interface GrpcError {
  code: number;
  details: string;
  metadata?: Metadata;
}

/**
 * OTLP/gRPC with @grpc/grpc-js. The methods use identity serializers so the codec reads the
 * original request bytes: nothing is decoded twice. grpc-js already refuses messages over
 * `maxReceiveMessageLength` and handles gzip message compression; `ReceiveBudget` holds each
 * call's worst case against the in-flight budget while grpc-js receives and inflates it.
 */
export class OtlpGrpcReceiver {
  private readonly server: Server;
  private readonly budget: ReceiveBudget;
  constructor(private readonly config: ListenerConfig, private readonly deps: GrpcReceiverDeps) {
    this.budget = new ReceiveBudget(deps.ingest, deps.limits.maxRequestBytes, (metadata, admission) => {
      const refusal = admission ? errorOf(admission) : this.authError(metadata);
      if (refusal) this.deps.metrics.refusedRequests.inc({ receiver: RECEIVER, reason: GrpcStatus[refusal.code] ?? String(refusal.code) });
      return refusal;
    });
    this.server = new Server({
      'grpc.max_receive_message_length': deps.limits.maxRequestBytes,
      'grpc.max_concurrent_streams': 256,
      interceptors: [this.budget.interceptor],
    });
    for (const signal of SIGNALS) {
      const method = otlpGrpcMethod(signal);
      const definition = { Export: method } as unknown as ServiceDefinition;
      this.server.addService(definition, { Export: (call: ServerUnaryCall<Uint8Array, Uint8Array>, callback: sendUnaryData<Uint8Array>) => this.handle(signal, call, callback) });
    }
  }

  async start(): Promise<number> {
    const tls = this.config.tls;
    const credentials = tls
      ? ServerCredentials.createSsl(tls.clientCaFile ? readFileSync(tls.clientCaFile) : null, [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }], Boolean(tls.clientCaFile))
      : ServerCredentials.createInsecure();
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    if (this.config.port !== 0) await portIsFree(this.config.host, this.config.port);
    return new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${this.config.port}`, credentials, (error, port) => (error ? reject(error) : resolve(port)));
    });
  }

  /** Stops taking calls and waits for those in progress (bounded by `graceMs`). */
  async stop(graceMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The call's token, read once for the budget's interceptor and the handler alike. */
  private authenticate(metadata: Metadata): ReturnType<TokenAuthenticator['authenticate']> {
    // Sent twice, a credential may be read as either copy downstream: refused as malformed ('').
    const values = metadata.get(this.deps.auth.header);
    const value = values.length === 0 ? undefined : values.length === 1 ? values[0]!.toString() : '';
    return this.deps.auth.authenticate(value);
  }

  private authError(metadata: Metadata): GrpcError | undefined {
    const auth = this.authenticate(metadata);
    return auth.ok ? undefined : { code: GrpcStatus.UNAUTHENTICATED, details: authMessage(auth.reason) };
  }

  private handle(signal: Signal, call: ServerUnaryCall<Uint8Array, Uint8Array>, callback: sendUnaryData<Uint8Array>): void {
    const auth = this.authenticate(call.metadata);
    if (!auth.ok) {
      this.refuse(callback, { code: GrpcStatus.UNAUTHENTICATED, details: authMessage(auth.reason) });
      return;
    }
    const body = call.request;
    // The call reserved max_request_size when its metadata came (budget.ts); it holds the
    // inflated message's size from here, and the ingest adds the index before processing.
    const reservation = this.budget.take(call.metadata, body.byteLength);
    if (!reservation) {
      this.refuse(callback, { code: GrpcStatus.INTERNAL, details: 'the call has no in-flight reservation' });
      return;
    }
    this.deps.ingest.accept(RECEIVER, signal, 'protobuf', body, auth.tenant.name, reservation).then(
      (outcome) => {
        this.deps.ingest.release(reservation);
        if (outcome.kind === 'accepted') {
          callback(null, encodeExportResponse(exportResult(outcome)));
          return;
        }
        callback(errorOf(outcome), null);
      },
      (error: Error) => {
        this.deps.ingest.release(reservation);
        callback({ code: GrpcStatus.INTERNAL, details: error.message }, null);
      },
    );
  }

  private refuse(callback: sendUnaryData<Uint8Array>, error: GrpcError): void {
    this.deps.metrics.refusedRequests.inc({ receiver: RECEIVER, reason: GrpcStatus[error.code] ?? String(error.code) });
    callback(error, null);
  }
}

/**
 * A google.rpc.Status with a RetryInfo in `grpc-status-details-bin`: the OTLP spec makes
 * RESOURCE_EXHAUSTED retryable only when the server sends it, so clients back off for `seconds`.
 */
function errorOf(outcome: Exclude<IngestOutcome, { kind: 'accepted' }>): GrpcError {
  const code = RPC_CODE[outcome.kind];
  const seconds = retryAfterOf(outcome);
  return seconds === undefined ? { code, details: outcome.message } : { code, details: outcome.message, metadata: retryInfo(code, seconds) };
}

function retryInfo(code: number, seconds: number): Metadata {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encodeRpcStatus({ code, message: '', retryDelayMs: seconds * 1000 })));
  return metadata;
}

/**
 * Fails with EADDRINUSE as node's own listeners do. grpc-js reports a taken port only by
 * printing its own log line and an error without a code; the caller wants one line with a code.
 */
async function portIsFree(host: string, port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, host, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
