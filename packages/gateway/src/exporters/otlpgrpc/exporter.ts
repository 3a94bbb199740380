// Sends one queued batch as a unary OTLP/gRPC Export call. The request bytes go out as they are
// (identity serializers), and the status code decides the outcome per the OTLP spec's table.
import * as grpc from '@grpc/grpc-js';
import { otlpGrpcMethod, type RawGrpcMethod, type Signal } from '@cairn/otlp';
import type { Exporter, ExportOutcome, OutboundBatch } from '../types.js';
import { decodePartialSuccess, decodeRpcStatus } from '@cairn/otlp';
import { acceptedOutcome } from '../accepted.js';
import { loadTlsMaterial } from '../tls.js';
import type { OtlpGrpcConfig } from './config.js';

/** opentelemetry-proto docs/specification.md, "OTLP/gRPC Response": retryable codes. */
const RETRYABLE = new Set<number>([
  grpc.status.CANCELLED, grpc.status.DEADLINE_EXCEEDED, grpc.status.ABORTED,
  grpc.status.OUT_OF_RANGE, grpc.status.UNAVAILABLE, grpc.status.DATA_LOSS,
]);
const GZIP = 2; // grpc-js CompressionAlgorithms.gzip
const METHODS: Record<Signal, RawGrpcMethod> = {
  traces: otlpGrpcMethod('traces'), logs: otlpGrpcMethod('logs'), metrics: otlpGrpcMethod('metrics'),
};

export class OtlpGrpcExporter implements Exporter {
  readonly kind = 'otlpgrpc';
  private readonly client: grpc.Client;
  private readonly metadata = new grpc.Metadata();

  /** `path` names the config in errors about TLS files. */
  constructor(private readonly config: OtlpGrpcConfig, path = 'otlpgrpc') {
    const credentials = config.insecure ? grpc.credentials.createInsecure() : secure(config, path);
    this.client = new grpc.Client(config.endpoint, credentials, {
      'grpc.primary_user_agent': 'cairn-gateway',
      'grpc.keepalive_time_ms': 30_000,
      ...(config.compression === 'gzip' && { 'grpc.default_compression_algorithm': GZIP }),
    });
    for (const [name, value] of Object.entries(config.headers)) {
      this.metadata.set(name, name.endsWith('-bin') ? Buffer.from(value) : value);
    }
  }

  export(batch: OutboundBatch): Promise<ExportOutcome> {
    const method = METHODS[batch.signal];
    const where = `${this.config.endpoint}${method.path}`;
    return new Promise<ExportOutcome>((resolve) => {
      try {
        this.client.makeUnaryRequest<Uint8Array, Uint8Array>(
          method.path, method.requestSerialize as (v: Uint8Array) => Buffer, method.responseDeserialize, batch.body,
          this.metadata, { deadline: Date.now() + this.config.timeout },
          (err, response) => resolve(err ? this.failure(err, where) : acceptedOutcome(response && decodePartialSuccess(response))),
        );
      } catch (err) {
        // A closed client throws synchronously; the delivery loop may still retry elsewhere.
        resolve({ kind: 'retry', reason: `cannot call ${where}: ${String(err)}` });
      }
    });
  }

  async shutdown(): Promise<void> {
    this.client.close();
  }

  private failure(err: grpc.ServiceError, where: string): ExportOutcome {
    const name = grpc.status[err.code] ?? String(err.code);
    const details = err.code === grpc.status.DEADLINE_EXCEEDED ? `timed out after ${this.config.timeout} ms` : err.details;
    const reason = `gRPC ${name} from ${where}${details ? `: ${details}` : ''}`;
    const retryDelayMs = retryInfo(err.metadata);
    if (RETRYABLE.has(err.code)) return retryDelayMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs: retryDelayMs };
    // RESOURCE_EXHAUSTED is retryable only when the server says recovery is possible, by sending RetryInfo.
    if (err.code === grpc.status.RESOURCE_EXHAUSTED && retryDelayMs !== undefined) return { kind: 'retry', reason, retryAfterMs: retryDelayMs };
    return { kind: 'reject', reason };
  }
}

function secure(config: OtlpGrpcConfig, path: string): grpc.ChannelCredentials {
  const tls = loadTlsMaterial(config.tls, `${path}.tls`);
  const verify: grpc.VerifyOptions = config.tls.insecure_skip_verify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {};
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null, verify);
}

/** The RetryInfo delay in the trailing grpc-status-details-bin (a google.rpc.Status), if any. */
function retryInfo(metadata: grpc.Metadata | undefined): number | undefined {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (raw === undefined || typeof raw === 'string') return undefined;
  return decodeRpcStatus(raw)?.retryDelayMs;
}
