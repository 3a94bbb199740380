import {
  decodeLogs, decodeMetrics, decodeTraces, encodeResources, jsonToProtobuf, OtlpDecodeError,
  type BatchView, type DecodeOptions, type LogsView, type MetricsView, type Signal, type TracesView,
} from '@cairn/otlp';
import { compilePatterns } from '../auth/tokens.js';
import type { GatewayConfig } from '../config/types.js';
import { Router } from '../router/router.js';
import { countEntries, tooManyItems } from './items.js';
import { refuseMalformedIds } from './ids.js';
import { ContentStages } from '../stages/content.js';
import { isEmptyLedgerDelta, type LedgerDelta } from '../stages/ledger.js';
import type { CompiledStrategy } from '../strategy/types.js';
import type { SloDelta } from '../slo/delta.js';
import { SloTap, type SloClock } from '../slo/tap.js';
import { SamplingStage } from '../stages/sample/stage.js';
import type { SamplingDelta } from '../stages/sample/counts.js';
import { splitByTrace, type TraceSlices } from '../stages/tail/split.js';
import { InventoryRecorder } from '../inventory/recorder.js';
import type { InventoryDelta } from '../inventory/types.js';

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
  /** Tail-sampled destination: the body is split by trace, for the durable trace buffer (stages/tail). */
  tail?: TraceSlices;
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
      /** What the content stages did (only with a strategy, and only when they did something). */
      ledger?: LedgerDelta;
      /** Per-SLO per-minute counts, taken before routing and sampling (slo/tap.ts). */
      slo?: SloDelta;
      /** What sampling decided per destination (stages/sample), when a destination samples. */
      sampling?: SamplingDelta;
      /** What the batch carried, as received (inventory/), when `inventory.enabled`. */
      inventory?: InventoryDelta;
    }
  | { ok: false; status: 'invalid' | 'forbidden'; message: string };

/**
 * Everything the gateway does to one request between the socket and the queue: decode (OTLP
 * JSON becomes protobuf), check that the tenant owns every service it speaks for, refuse records
 * with malformed ids, and route resources to destinations. Pure and synchronous, so it runs the
 * same in a worker thread and in tests.
 */
export interface BatchProcessorOptions {
  /** The data strategy (stages/normalize, classify, redact); none: requests pass as today. */
  strategy?: CompiledStrategy;
  /** false: always normalize the whole request before routing (two walks); for the test that compares both ways. */
  fuseContentWalks?: boolean;
  /** The SLI tap's clock: `arrival` in the gateway, `event` in `cairn slo replay`. */
  sloClock?: SloClock;
  /** false: samplers always run after the content walk; for the test that compares both orders. */
  decideBeforeContent?: boolean;
  /** The samplers' monotonic clock in ms (default performance.now); tests pass their own. */
  samplingClock?: () => number;
}

export class BatchProcessor {
  private readonly router: Router;
  private content: ContentStages | undefined;
  private sampling: SamplingStage | undefined;
  /** The inventory tap (inventory/), when `inventory.enabled`. */
  private readonly inventory: InventoryRecorder | undefined;
  private readonly tenants = new Map<string, (service: string) => boolean>();
  private readonly decodeOptions: DecodeOptions;
  private readonly maxItems: number;
  private readonly fuse: boolean;
  private readonly decideFirst: boolean;
  private readonly samplingClock: (() => number) | undefined;
  /** Destinations whose traces are buffered for tail sampling (the strategy's `sampling.tail`). */
  private tail: ReadonlySet<string> = new Set();

  private readonly sloTap: SloTap | undefined;

  constructor(config: GatewayConfig, options: BatchProcessorOptions = {}) {
    this.fuse = options.fuseContentWalks ?? true;
    this.decideFirst = options.decideBeforeContent ?? true;
    this.samplingClock = options.samplingClock;
    if (config.slos && config.slos.slos.length > 0) this.sloTap = new SloTap(config.slos.slos, options.sloClock);
    if (config.inventory?.enabled) this.inventory = new InventoryRecorder(config.inventory, options.strategy?.registry?.registry);
    if (options.strategy) this.setStrategy(options.strategy);
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

  /**
   * Swaps the strategy between batches (reload); undefined turns the content stages off. A
   * strategy that cannot run (a `hash` without a key) throws, and the current one stays.
   */
  setStrategy(strategy: CompiledStrategy | undefined): void {
    const content = strategy ? new ContentStages(strategy) : undefined;
    const sampling = strategy && [...strategy.destinations.values()].some((d) => d.sampling) ? new SamplingStage(strategy, this.samplingClock) : undefined;
    this.content = content;
    this.sampling = sampling;
    this.inventory?.setRegistry(strategy?.registry?.registry);
  }

  /** Sets the tail-sampled destinations (with the strategy, between batches). */
  setTail(destinations: ReadonlySet<string>): void {
    this.tail = destinations;
  }

  get strategy(): CompiledStrategy | undefined {
    return this.content?.strategy;
  }

  get routeConditionErrors(): number {
    return this.router.conditionErrors;
  }

  process(request: ProcessRequest): ProcessResult {
    this.inventory?.start();
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
      const service = view.serviceName(r);
      if (!owns?.(service)) {
        return { ok: false, status: 'forbidden', message: `tenant ${request.tenant} may not send data for service.name "${service}" (resource ${r}); nothing in this request was kept` };
      }
    }

    const items = itemCount(view);
    const refused = refuseMalformedIds(view);
    if (refused.count > 0) view = this.decode(request.signal, refused.bytes);
    const kept = items - refused.count;
    if (kept === 0) {
      // An empty request, or one whose every record was refused: nothing to send anywhere (a
      // backend would get an empty export, the file exporter a `{}` line).
      const result: ProcessResult = { ok: true, items, rejectedItems: refused.count, outputs: [], unroutedItems: 0 };
      if (refused.count > 0) result.rejectMessage = refused.message;
      return result;
    }

    // The inventory sees the batch as sent (aliases and all), before normalization and routing.
    const inventory = this.inventory?.record(view);
    // Normalization runs before routing, so conditions see canonical keys. When it changes no
    // resource attribute (what routing and jurisdictions read), it runs inside each destination's
    // redaction walk instead (stages/fused.ts): one walk per destination, no second decode. A
    // destination without a strategy entry still gets the request as sent (`sent`).
    const sent = view;
    const content = this.content;
    // SLOs read canonical keys on the normalized request, before routing: with SLOs, normalize first.
    let fused = content !== undefined && this.fuse && this.sloTap === undefined && content.fusable(view);
    if (content && !fused) view = this.normalized(content, request.signal, view);
    const slo = request.signal === 'traces' ? this.sloTap?.run(view as TracesView, Date.now()) : undefined;
    const routes = this.router.route(view, request.signal);
    // Destinations whose sampler decides before their content walk (stages/invariance.ts) walk
    // only the spans they keep; the ledger's per-batch counts then come from another walk when
    // one covers whole resources, else from the first of these (what was sent).
    const deciding = request.signal === 'traces' && this.decideFirst ? this.sampling : undefined;
    /** Routed destinations with a strategy entry; of them, those routed every resource and deciding first. */
    let entries = 0;
    let first = 0;
    /** A destination with an entry is routed every resource and walks it whole. */
    let wholeAll = false;
    if (content) {
      let all = false;
      for (const route of routes) {
        const name = route.destination.name;
        if (!content.entry(name)) continue;
        entries++;
        if (route.resources !== 'all') continue;
        all = true;
        if (deciding?.decidesFirst(name)) first++;
        else wholeAll = true;
      }
      // The normalization counts come from one walk over every resource; without one, normalize
      // the whole request first (routing is the same: no resource attribute changes).
      if (fused && entries > 0 && !all) { view = this.normalized(content, request.signal, view); fused = false; }
      content.begin(entries);
    }
    const othersWalk = first < entries;
    const outputs: DestinationOutput[] = [];
    const perResource = routes.some((r) => r.resources !== 'all') ? itemsPerResource(view) : undefined;
    let routedAll = false;
    let counted = false;
    const routed = new Set<number>();
    let firstCounted = false;
    for (const route of routes) {
      const name = route.destination.name;
      const entry = content?.entry(name);
      let output: DestinationOutput;
      if (route.resources === 'all' && entry && first > 0 && deciding!.decidesFirst(name)) {
        routedAll = true;
        const traces = view as TracesView;
        const plan = deciding!.decide(name, traces, request.tenant, content!.lens(traces, entry));
        if (plan.kept === 0) continue;
        const cut = deciding!.dropUnkept(name, traces, plan);
        const keptView = cut === traces.bytes ? traces : (this.decodeWritten('traces', cut) as TracesView);
        const countNormalization = fused && !counted && !wholeAll;
        const walked = content!.walkKept(keptView, entry, fused, countNormalization, !othersWalk && !firstCounted);
        if (countNormalization) counted = true;
        firstCounted = true;
        const walkedView = walked === keptView.bytes ? keptView : (this.decodeWritten('traces', walked) as TracesView);
        outputs.push({ destination: name, body: deciding!.stampKept(name, walkedView, plan), items: plan.kept });
        continue;
      }
      if (route.resources === 'all') {
        routedAll = true;
        let body = sent.bytes;
        if (entry && fused) { body = content!.normalizeAndRedact(view, entry, 'all', !counted); counted = true; }
        else if (entry) body = content!.redact(view, entry, 'all');
        output = { destination: name, body, items: items - refused.count };
      } else {
        for (const r of route.resources) routed.add(r);
        const subset = route.resources.reduce((sum, r) => sum + perResource![r]!, 0);
        if (subset === 0) continue;
        const body = !entry ? encodeResources(sent, route.resources) : fused ? content!.normalizeAndRedact(view, entry, route.resources, false) : content!.redact(view, entry, route.resources);
        output = { destination: name, body, items: subset };
      }
      // Sampling runs after redact, on what the destination may see; a request it empties is not sent.
      if (this.sampling?.has(name) && request.signal === 'traces') {
        const sampled = this.sampling.sample(name, output.body, view as TracesView, request.tenant, (bytes) => this.decodeWritten('traces', bytes) as TracesView);
        if (sampled.kept === 0) continue;
        output.body = sampled.bytes;
        output.items = sampled.kept;
      }
      outputs.push(output);
    }
    if (this.tail.size > 0 && request.signal === 'traces') {
      for (const output of outputs) {
        if (!this.tail.has(output.destination)) continue;
        const { body, ...tail } = splitByTrace(output.body === view.bytes ? (view as TracesView) : (this.decodeWritten('traces', output.body) as TracesView));
        output.body = body;
        output.tail = tail;
      }
    }
    const unroutedItems = routedAll ? 0 : perResource ? kept - [...routed].reduce((sum, r) => sum + perResource[r]!, 0) : kept;
    const result: ProcessResult = { ok: true, items, rejectedItems: refused.count, outputs, unroutedItems };
    if (refused.count > 0) result.rejectMessage = refused.message;
    if (slo) result.slo = slo;
    if (content) {
      const ledger = content.takeLedger();
      if (!isEmptyLedgerDelta(ledger)) result.ledger = ledger;
    }
    const sampling = this.sampling?.take();
    if (sampling) result.sampling = sampling;
    if (inventory) result.inventory = inventory;
    this.inventory?.finish();
    return result;
  }

  /** The request normalized, and decoded again when that changed it. */
  private normalized(content: ContentStages, signal: Signal, view: BatchView): BatchView {
    const normalized = content.normalize(signal, view.bytes);
    if (normalized === view.bytes) return view;
    return this.decodeWritten(signal, normalized);
  }

  /**
   * Bytes the gateway wrote from an accepted request (normalized, redacted, sampled), decoded
   * again. Canonical keys, pseudonyms and weights can make them longer than the request: the
   * size limit must not turn an accepted request into an error the client retries forever.
   */
  private decodeWritten(signal: Signal, bytes: Uint8Array): BatchView {
    return this.decode(signal, bytes, Math.max(this.decodeOptions.maxMessageBytes ?? 0, bytes.length));
  }

  private decode(signal: Signal, bytes: Uint8Array, maxMessageBytes?: number): BatchView {
    const options = maxMessageBytes === undefined ? this.decodeOptions : { ...this.decodeOptions, maxMessageBytes };
    if (signal === 'traces') return decodeTraces(bytes, options);
    if (signal === 'logs') return decodeLogs(bytes, options);
    return decodeMetrics(bytes, options);
  }
}

function describeDecodeError(error: OtlpDecodeError, format: BodyFormat): string {
  const where = error.path ? ` at ${error.path}` : format === 'protobuf' ? ` at byte ${error.offset}` : '';
  return `${error.code}${where}: ${error.message}`;
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
