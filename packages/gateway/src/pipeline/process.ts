import {
  decodeLogs, decodeMetrics, decodeTraces, encodeResources, jsonToProtobuf, OtlpDecodeError,
  type BatchView, type DecodeOptions, type LogsView, type MetricsView, type Signal, type TracesView,
} from '@cairn/otlp';
import { compilePatterns } from '../auth/tokens.js';
import type { GatewayConfig } from '../config/types.js';
import { Router } from '../router/router.js';
import { countEntries, tooManyItems } from './items.js';

export type BodyFormat = 'protobuf' | 'json';

export interface ProcessRequest {
  signal: Signal;
  format: BodyFormat;
  body: Uint8Array;
  /** The authenticated tenant's name. */
  tenant: string;
}

export interface DestinationOutput {
  destination: string;
  /** Protobuf Export*ServiceRequest for this destination. */
  body: Uint8Array;
  items: number;
}

export type ProcessResult =
  | {
      ok: true;
      /** Items (spans, log records, data points) in the request. */
      items: number;
      /** Items refused inside an accepted request (reported as partial_success). */
      rejectedItems: number;
      rejectMessage?: string;
      outputs: DestinationOutput[];
      /** Items no destination took. */
      unroutedItems: number;
    }
  | { ok: false; status: 'invalid' | 'forbidden'; message: string };

const UNKNOWN_SERVICE = 'unknown_service';

/**
 * Everything the gateway does to one request between the socket and the queue: decode (OTLP
 * JSON becomes protobuf), check that the tenant owns every service it speaks for, refuse records
 * with malformed ids, and route resources to destinations. Pure and synchronous, so it runs the
 * same in a worker thread and in tests.
 */
export class BatchProcessor {
  private readonly router: Router;
  private readonly tenants = new Map<string, (service: string) => boolean>();
  private readonly decodeOptions: DecodeOptions;
  private readonly maxItems: number;

  constructor(config: GatewayConfig) {
    this.maxItems = config.limits.maxItemsPerRequest;
    this.router = new Router(config.destinations);
    for (const tenant of config.auth.tenants) this.tenants.set(tenant.name, compilePatterns(tenant.services));
    if (config.auth.anonymous) this.tenants.set(config.auth.anonymous.tenant, compilePatterns(config.auth.anonymous.services));
    this.decodeOptions = {
      maxMessageBytes: config.limits.maxDecompressedBytes,
      maxDepth: config.limits.maxDepth,
      maxAttributes: config.limits.maxAttributes,
      utf8: 'replace',
    };
  }

  get routeConditionErrors(): number {
    return this.router.conditionErrors;
  }

  process(request: ProcessRequest): ProcessResult {
    let view: BatchView;
    try {
      const bytes = request.format === 'json' ? jsonToProtobuf(request.signal, request.body, this.decodeOptions) : request.body;
      // Protobuf was counted on the main thread before it came here; JSON is counted once converted.
      const overflow = request.format === 'json' ? countEntries(request.signal, bytes, this.maxItems).overflow : undefined;
      if (overflow) return { ok: false, status: 'invalid', message: tooManyItems(request.signal, overflow, this.maxItems) };
      view = this.decode(request.signal, bytes);
    } catch (error) {
      if (error instanceof OtlpDecodeError) return { ok: false, status: 'invalid', message: describeDecodeError(error, request.format) };
      throw error;
    }

    const owns = this.tenants.get(request.tenant);
    for (let r = 0; r < view.resourceCount; r++) {
      const service = serviceName(view, r);
      if (!owns?.(service)) {
        return { ok: false, status: 'forbidden', message: `tenant ${request.tenant} may not send data for service.name "${service}" (resource ${r}); nothing in this request was kept` };
      }
    }

    const items = itemCount(view);
    const refused = refuseMalformedIds(view);
    if (refused.count > 0) view = this.decode(request.signal, refused.bytes);

    const routes = this.router.route(view, request.signal);
    const outputs: DestinationOutput[] = [];
    const perResource = routes.some((r) => r.resources !== 'all') ? itemsPerResource(view) : undefined;
    let routedAll = false;
    const routed = new Set<number>();
    for (const route of routes) {
      if (route.resources === 'all') {
        routedAll = true;
        outputs.push({ destination: route.destination.name, body: view.bytes, items: items - refused.count });
      } else {
        for (const r of route.resources) routed.add(r);
        const subset = route.resources.reduce((sum, r) => sum + perResource![r]!, 0);
        outputs.push({ destination: route.destination.name, body: encodeResources(view, route.resources), items: subset });
      }
    }
    const kept = items - refused.count;
    const unroutedItems = routedAll ? 0 : perResource ? kept - [...routed].reduce((sum, r) => sum + perResource[r]!, 0) : kept;
    const result: ProcessResult = { ok: true, items, rejectedItems: refused.count, outputs, unroutedItems };
    if (refused.count > 0) result.rejectMessage = refused.message;
    return result;
  }

  private decode(signal: Signal, bytes: Uint8Array): BatchView {
    if (signal === 'traces') return decodeTraces(bytes, this.decodeOptions);
    if (signal === 'logs') return decodeLogs(bytes, this.decodeOptions);
    return decodeMetrics(bytes, this.decodeOptions);
  }
}

function describeDecodeError(error: OtlpDecodeError, format: BodyFormat): string {
  const where = error.path ? ` at ${error.path}` : format === 'protobuf' ? ` at byte ${error.offset}` : '';
  return `${error.code}${where}: ${error.message}`;
}

export function serviceName(view: BatchView, r: number): string {
  const attributes = view.resourceAttributes(r);
  while (attributes.next()) {
    if (attributes.keyIs('service.name')) return attributes.stringValue ?? String(attributes.value);
  }
  return UNKNOWN_SERVICE;
}

export function itemCount(view: BatchView): number {
  if (view.signal === 'traces') return (view as TracesView).spanCount;
  if (view.signal === 'logs') return (view as LogsView).logCount;
  return (view as MetricsView).dataPointCount;
}

function itemsPerResource(view: BatchView): number[] {
  const out: number[] = [];
  for (let r = 0; r < view.resourceCount; r++) {
    const [first, end] = view.resourceRecords(r);
    if (view.signal !== 'metrics') {
      out.push(end - first);
      continue;
    }
    let points = 0;
    for (let m = first; m < end; m++) {
      const [p0, p1] = (view as MetricsView).metricPoints(m);
      points += p1 - p0;
    }
    out.push(points);
  }
  return out;
}

/**
 * The OTLP spec makes a span's trace id 16 bytes and its span id 8, neither all zeros; log
 * records may leave them empty. Records that break this cannot be joined to anything downstream:
 * they are dropped and reported back as a partial success, the rest of the request is kept.
 */
function refuseMalformedIds(view: BatchView): { count: number; bytes: Uint8Array; message?: string } {
  if (view.signal === 'metrics') return { count: 0, bytes: view.bytes };
  const bad: number[] = [];
  if (view.signal === 'traces') {
    const spans = (view as TracesView).spans();
    while (spans.next()) {
      if (!validId(spans.traceId, 16, false) || !validId(spans.spanId, 8, false)) bad.push(spans.index);
    }
  } else {
    const logs = (view as LogsView).logs();
    while (logs.next()) {
      if (!validId(logs.traceId, 16, true) || !validId(logs.spanId, 8, true)) bad.push(logs.index);
    }
  }
  if (bad.length === 0) return { count: 0, bytes: view.bytes };
  const what = view.signal === 'traces' ? 'spans' : 'log records';
  let bytes: Uint8Array;
  if (view.signal === 'traces') {
    const editor = (view as TracesView).edit();
    for (const i of bad) editor.drop('span', i);
    bytes = editor.encode();
  } else {
    const editor = (view as LogsView).edit();
    for (const i of bad) editor.drop('log', i);
    bytes = editor.encode();
  }
  return {
    count: bad.length,
    bytes,
    message: `${bad.length} ${what} refused: ${view.signal === 'traces' ? 'trace_id must be 16 bytes and span_id 8 bytes, not all zero' : 'trace_id must be empty or 16 bytes, span_id empty or 8 bytes'}`,
  };
}

function validId(id: Uint8Array, size: number, emptyAllowed: boolean): boolean {
  if (id.length === 0) return emptyAllowed;
  if (id.length !== size) return false;
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return true;
  return false;
}
