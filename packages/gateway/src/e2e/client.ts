// Raw OTLP clients for tests that need to send exactly the bytes and headers they choose.
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { buildTraces, otlpGrpcMethod, type SpanInput } from '@cairn/otlp';
import { Agent } from 'undici';

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

/** A trace-service client on one channel, for many calls; `export` resolves with the status code (0 = OK). */
export function grpcTraceClient(address: string, token?: string): { export(body: Uint8Array, deadlineMs?: number): Promise<{ code: number; details: string }>; close(): void } {
  const Client = makeGenericClientConstructor({ Export: otlpGrpcMethod('traces') } as never, 'TraceService');
  const client = new Client(address, credentials.createInsecure());
  const call = (client as unknown as { Export: (b: Uint8Array, m: Metadata, o: { deadline: number }, cb: (e: ServiceError | null) => void) => void }).Export.bind(client);
  return {
    export(body, deadlineMs = 10_000) {
      const metadata = new Metadata();
      if (token) metadata.set('authorization', `Bearer ${token}`);
      return new Promise((resolve) => {
        call(body, metadata, { deadline: Date.now() + deadlineMs }, (error) => resolve(error ? { code: error.code, details: error.details } : { code: 0, details: '' }));
      });
    },
    close: () => client.close(),
  };
}

/** One OTLP/gRPC Export call with raw bytes, on its own channel. */
export async function grpcExport(address: string, body: Uint8Array, token?: string): Promise<{ code: number; details: string }> {
  const client = grpcTraceClient(address, token);
  try {
    return await client.export(body);
  } finally {
    client.close();
  }
}

/** What a sustained load saw: span ids answered 200, answers by status, and failed connections. */
export interface SustainedLoad {
  readonly acknowledged: Set<string>;
  readonly answers: Map<number, number>;
  /** Requests that got no answer (refused or cut connections). */
  readonly errors: number;
  /** Ends the loops, waits for them and closes the connections. */
  stop(): Promise<void>;
}

/**
 * `clients` loops posting traces of `spansPerRequest` fresh spans to `url()` over keep-alive
 * connections, each waiting for its answer before the next, until `stop()`. A failed connection
 * pauses its loop for `errorPauseMs` (a client retrying elsewhere). `onAnswer` sees every status.
 */
export function sustainedLoad(url: () => string, options: { clients: number; spansPerRequest: number; name: string; keepAliveMs?: number; errorPauseMs: number; onAnswer?(status: number): void }): SustainedLoad {
  const agent = new Agent({ connections: 4, pipelining: 1, ...(options.keepAliveMs === undefined ? {} : { keepAliveTimeout: options.keepAliveMs }) });
  const acknowledged = new Set<string>();
  const answers = new Map<number, number>();
  let errors = 0;
  let running = true;
  const loop = async (): Promise<void> => {
    // Bounded, should a test forget to stop it: 100,000 requests per client at the most.
    for (let i = 0; running && i < 100_000; i++) {
      const spans = Array.from({ length: options.spansPerRequest }, () => span(options.name));
      try {
        const res = await fetch(`${url()}/v1/traces`, {
          method: 'POST', body: traces('checkout', spans), headers: { 'content-type': 'application/x-protobuf' },
          // @ts-expect-error undici's dispatcher option is not in the DOM fetch types
          dispatcher: agent,
        });
        await res.arrayBuffer();
        answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
        if (res.status === 200) for (const s of spans) acknowledged.add(s.spanIdHex);
        options.onAnswer?.(res.status);
      } catch {
        errors++;
        await new Promise((resolve) => setTimeout(resolve, options.errorPauseMs));
      }
    }
  };
  const loops = Array.from({ length: options.clients }, loop);
  return {
    acknowledged,
    answers,
    get errors() { return errors; },
    async stop() {
      running = false;
      await Promise.all(loops);
      await agent.close();
    },
  };
}
