// An OTLP/HTTP receiver for process-level instrumentation tests: services export to it, the test
// reads back flat spans. Decoding is @cairn/otlp's, so it checks the bytes the way a gateway would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { protobufToJson } from '@cairn/otlp';

export type SinkValue = string | number | boolean | null | SinkValue[];

export interface SinkSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, SinkValue>;
}

export interface OtlpSink {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly spans: SinkSpan[];
  /** Request bodies that did not decode, with the reason. */
  readonly rejected: string[];
  /** Resolves with the spans once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: readonly SinkSpan[]) => boolean, timeoutMs?: number): Promise<SinkSpan[]>;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const spans: SinkSpan[] = [];
  const rejected: string[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      try {
        spans.push(...flatten(JSON.parse(protobufToJson('traces', Buffer.concat(chunks))) as OtlpJson));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } catch (error) {
        rejected.push(String(error));
        res.writeHead(400).end();
      }
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    rejected,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(spans)) return;
          done();
          resolve([...spans]);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`OTLP sink: condition not met within ${timeoutMs} ms; ${spans.length} spans received: ${[...new Set(spans.map((s) => `${s.service}/${s.name}`))].join(', ')}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface JsonValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: JsonValue[] };
}
interface JsonKeyValue { key: string; value?: JsonValue }
interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: { spans?: { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes?: JsonKeyValue[] }[] }[];
  }[];
}

function flatten(body: OtlpJson): SinkSpan[] {
  const out: SinkSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    const service = String(resource['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({ service, name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', attributes: attributes(s.attributes) });
      }
    }
  }
  return out;
}

function attributes(list: JsonKeyValue[] | undefined): Record<string, SinkValue> {
  const out: Record<string, SinkValue> = {};
  for (const kv of list ?? []) out[kv.key] = value(kv.value);
  return out;
}

function value(v: JsonValue | undefined): SinkValue {
  if (v === undefined) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
  return null;
}
