// Sends one queued batch as an OTLP/HTTP POST through a keep-alive undici Agent.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Agent, request } from 'undici';
import { OtlpDecodeError, protobufToJson } from '@cairn/otlp';
import type { Exporter, ExportOutcome, OutboundBatch } from '../types.js';
import { loadTlsMaterial } from '../tls.js';
import { signalUrl, type OtlpHttpConfig } from './config.js';
import { classifyResponse } from './outcome.js';

const gzipAsync = promisify(gzip);
/** Error bodies are read for their message only; a backend's HTML error page is not worth more. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export class OtlpHttpExporter implements Exporter {
  readonly kind = 'otlphttp';
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;

  /** `path` names the config in errors about TLS files. */
  constructor(private readonly config: OtlpHttpConfig, path = 'otlphttp') {
    const tls = loadTlsMaterial(config.tls, `${path}.tls`);
    this.agent = new Agent({
      connections: config.max_connections,
      keepAliveTimeout: 30_000,
      connect: { ...tls, rejectUnauthorized: !config.tls.insecure_skip_verify, timeout: config.timeout },
    });
    this.headers = {
      'user-agent': 'cairn-gateway',
      ...config.headers,
      'content-type': config.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      ...(config.compression === 'gzip' && { 'content-encoding': 'gzip' }),
    };
  }

  async export(batch: OutboundBatch): Promise<ExportOutcome> {
    const url = signalUrl(this.config, batch.signal);
    if (url === undefined) return { kind: 'reject', reason: `no endpoint for ${batch.signal}: set endpoint or ${batch.signal}_endpoint` };
    let body: Uint8Array;
    try {
      body = this.config.encoding === 'json' ? Buffer.from(protobufToJson(batch.signal, batch.body)) : batch.body;
      if (this.config.compression === 'gzip') body = await gzipAsync(body);
    } catch (err) {
      // The batch itself is bad: sending it again cannot help.
      if (err instanceof OtlpDecodeError) return { kind: 'reject', reason: `batch is not a valid ${batch.signal} request: ${err.message}` };
      return { kind: 'retry', reason: `could not encode the batch: ${String(err)}` };
    }
    const signal = AbortSignal.timeout(this.config.timeout);
    try {
      const res = await request(url, {
        method: 'POST', dispatcher: this.agent, headers: this.headers, body, signal,
        headersTimeout: this.config.timeout, bodyTimeout: this.config.timeout,
      });
      const responseBody = await readLimited(res.body);
      return classifyResponse(res.statusCode, {
        retryAfter: header(res.headers['retry-after']),
        contentType: header(res.headers['content-type']) ?? '',
      }, responseBody, url);
    } catch (err) {
      return { kind: 'retry', reason: networkReason(err, url, this.config.timeout, signal.aborted) };
    }
  }

  async shutdown(): Promise<void> {
    await this.agent.close();
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_RESPONSE_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES);
}

function networkReason(err: unknown, url: string, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `timed out after ${timeoutMs} ms sending to ${url}`;
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED') return `connection refused by ${url}`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `timed out after ${timeoutMs} ms sending to ${url} (${code})`;
  }
  return `network error sending to ${url}: ${code ? `${code} ` : ''}${e.message ?? String(err)}`;
}
