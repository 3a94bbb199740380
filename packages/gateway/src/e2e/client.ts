// Raw OTLP clients for tests that need to send exactly the bytes and headers they choose.
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { buildTraces, otlpGrpcMethod, type SpanInput } from '@cairn/otlp';

let counter = 0;

/** A span with fresh, unique ids (hex), for delivery accounting by span id. */
export function span(name = 'op', attributes: Record<string, string | number | boolean> = {}): SpanInput & { spanIdHex: string } {
  counter++;
  const traceId = Buffer.alloc(16);
  traceId.writeUInt32BE(process.pid, 0);
  traceId.writeUInt32BE(counter, 12);
  traceId[4] = Math.floor(Math.random() * 255) + 1;
  const spanId = Buffer.alloc(8);
  spanId.writeUInt32BE(counter, 4);
  spanId[0] = Math.floor(Math.random() * 255) + 1;
  return { traceId, spanId, name, kind: 2, startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_100_000_000n, attributes, spanIdHex: spanId.toString('hex') };
}

/** An ExportTraceServiceRequest of `spans` for one service. */
export function traces(service: string, spans: SpanInput[]): Uint8Array {
  return buildTraces([{ resource: { attributes: { 'service.name': service } }, scopeSpans: [{ scope: { name: 'test' }, spans }] }]);
}

export async function post(url: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', ...headers } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** One OTLP/gRPC Export call with raw bytes; resolves with the status code (0 = OK). */
export function grpcExport(address: string, body: Uint8Array, token?: string): Promise<{ code: number; details: string }> {
  const Client = makeGenericClientConstructor({ Export: otlpGrpcMethod('traces') } as never, 'TraceService');
  const client = new Client(address, credentials.createInsecure());
  const metadata = new Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    (client as unknown as { Export: (b: Uint8Array, m: Metadata, cb: (e: ServiceError | null) => void) => void }).Export(body, metadata, (error) => {
      client.close();
      resolve(error ? { code: error.code, details: error.details } : { code: 0, details: '' });
    });
  });
}
