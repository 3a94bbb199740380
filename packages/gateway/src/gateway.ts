import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { TokenAuthenticator } from './auth/tokens.js';
import { ConfigError, formatProblem, loadConfigFile } from './config/load.js';
import type { GatewayConfig } from './config/types.js';
import { Dispatcher, type DeliveryEvents } from './delivery/dispatcher.js';
import { createExporter, type ExporterDeps } from './exporters/index.js';
import type { Exporter } from './exporters/types.js';
import { listening } from './listen.js';
import { Ingest } from './pipeline/ingest.js';
import { startTailSampling, type TailSamplingHandle } from './stages/tail/index.js';
import { samplesSpans } from './stages/sample/config.js';
import type { StrategyDocument } from './strategy/document.js';
import { MemoryQueueStore, RoutedQueueStore } from './queue/memory.js';
import { SqliteQueueStore } from './queue/sqlite.js';
import type { QueueStore } from './queue/types.js';
import { OtlpGrpcReceiver } from './receivers/otlpgrpc/receiver.js';
import { OtlpHttpReceiver } from './receivers/otlphttp/receiver.js';
import { BatchProcessor } from './pipeline/process.js';
import { useStrategy } from './strategy/use.js';
import { loadStrategyContent, StrategyContentError, type StrategyContent } from './strategy/content.js';
import { AdminRoutes, builtinRoutes, startAdminServer } from './telemetry/admin.js';
import { GatewayMetrics } from './telemetry/metrics.js';
import { startConsole, type Console, type ConsoleOptions } from './console/index.js';
import { ProcessorPool } from './workers/pool.js';
import { cpuCapacity } from './workers/cpu-capacity.js';
import type { CompiledStrategy } from './strategy/types.js';
import { startSlos, type SloService } from './slo/service.js';
import { SamplingTotals } from './stages/sample/totals.js';
import { registerSamplingRoutes } from './stages/sample/routes.js';
import { attachInventory } from './inventory/attach.js';
import { sloReadsOf } from './slo/compile.js';
import type { Inventory } from './inventory/inventory.js';

export interface GatewayOptions {
  logger?: Logger;
  /** Processing threads; overrides `workers` in the config (0 runs processing inline). */
  workers?: number;
  exporterDeps?: ExporterDeps;
  /** How long SIGTERM waits for in-flight requests and exports. */
  shutdownGraceMs?: number;
  /** A compiled data strategy for inline processing (`workers: 0`), in place of the config's; for tests. */
  strategy?: CompiledStrategy;
  /** The console's options (tests: which peers count as loopback). */
  console?: ConsoleOptions;
  /**
   * How often SLO alerts are evaluated (default 10 s); tests that call `slos.evaluate()` themselves
   * set it out of reach (an hour: a Node timer over 2^31 - 1 ms fires after 1 ms instead).
   */
  sloEvaluateEveryMs?: number;
}

export interface GatewayPorts {
  http?: number;
  grpc?: number;
  admin?: number;
}

/**
 * One running gateway: receivers → processing threads → durable queue → dispatchers →
 * exporters, plus the admin server. `start` replays whatever the queue held from the last run.
 */
export class Gateway {
  readonly ports: GatewayPorts = {};
  readonly metrics: GatewayMetrics;
  /** What sampling kept and dropped, per destination (cairn_sampling_*, GET /api/sampling). */
  readonly sampling: SamplingTotals;
  /** The admin API's routes; features add theirs here before the admin listener starts. */
  readonly adminRoutes = new AdminRoutes();
  /** The registry (`conventions:`) in force and its warning count, as loaded at start or the last reload. */
  conventions: Pick<StrategyContent, 'registry' | 'registryWarnings'> = {};
  /** The web console and its API on the admin listener (console/), when the listener is on. */
  console: Console | undefined;
  /** The data inventory, when `inventory.enabled` (inventory/). */
  inventory: Inventory | undefined;
  private readonly logger: Logger;
  private readonly stopFns: (() => Promise<void> | void)[] = [];
  private state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting';
  private store: QueueStore | undefined;
  /** The strategy in force (start or last reload). */
  private strategyDocument: StrategyDocument | undefined;
  /** Tail sampling (stages/tail): its counts feed /metrics and /api/sampling. */
  tail: TailSamplingHandle | undefined;
  private pool: ProcessorPool | undefined;
  private readonly dispatchers = new Map<string, Dispatcher>();
  /** The SLOs (`slos:`), when configured. */
  slos: SloService | undefined;
  /** Reloads run one at a time, in the order the signals came. */
  private reloading: Promise<unknown> = Promise.resolve();

  private constructor(readonly config: GatewayConfig, private readonly options: GatewayOptions) {
    this.logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'cairn-gateway' } }, pino.destination(2));
    this.metrics = new GatewayMetrics(() => this.store, config.destinations.map((d) => d.name), () => this.pool?.conditionErrors ?? 0);
    this.sampling = new SamplingTotals(this.metrics.registry);
    registerSamplingRoutes(this.adminRoutes, this.sampling);
  }

  static async start(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
    const gateway = new Gateway(config, options);
    try {
      await gateway.boot();
    } catch (error) {
      await gateway.stop();
      throw error;
    }
    return gateway;
  }

  get queue(): QueueStore {
    return this.store!;
  }

  private async boot(): Promise<void> {
    const { config } = this;
    const limits = new Map(config.destinations.map((d) => [d.name, d.queue.maxBytes]));
    const inMemory = new Set(config.destinations.filter((d) => d.queue.mode === 'memory').map((d) => d.name));
    const deadLetters = config.storage.deadLetters;
    const durable = new SqliteQueueStore({ path: join(config.storage.directory, 'queue.db'), limits, synchronous: config.storage.synchronous, deadLetters });
    this.store = new RoutedQueueStore(durable, new MemoryQueueStore(limits, deadLetters), inMemory, limits);
    this.stopFns.push(() => this.store?.close());
    this.stopFns.push(this.maintainQueue());

    const exporters: Exporter[] = [];
    this.stopFns.push(() => Promise.all(exporters.map((e) => e.shutdown())).then(() => undefined));
    for (const destination of config.destinations) {
      const exporter = createExporter(destination.exporter, `destinations.${destination.name}.exporter`, this.options.exporterDeps);
      exporters.push(exporter);
      const dispatcher = new Dispatcher(destination.name, this.store, exporter, destination.retry, destination.concurrency, this.deliveryEvents(destination.name), destination.batch);
      this.dispatchers.set(destination.name, dispatcher);
    }
    const grace = this.options.shutdownGraceMs ?? 10_000;
    this.stopFns.push(() => Promise.all([...this.dispatchers.values()].map((d) => d.stop(grace))).then(() => undefined));

    this.stopFns.push(() => this.inventory?.close());
    // The strategy's keys and the registry are loaded before anything listens: a missing key is a
    // startup error naming the destination. Set once here, as each thread will, so a thread never
    // refuses what the main thread accepted.
    const content = loadStrategyContent(config);
    useStrategy(new BatchProcessor(config), content);
    this.conventions = conventionsOf(content);
    this.strategyDocument = content.strategy;
    this.pool = new ProcessorPool(config, this.options.workers ?? config.workers, content, (delta) => this.metrics.ledger.add(delta), this.options.strategy);
    this.pool.onResult.push((result) => this.sampling.add(result.sampling));
    this.stopFns.push(() => this.pool?.close());
    const tail = (this.tail = startTailSampling({
      db: durable.database, content, destinations: config.destinations.map((d) => d.name), enqueue: (entries) => void this.store!.enqueue(entries),
      notify: (d) => this.dispatchers.get(d)?.notify(), registry: this.metrics.registry, logger: this.logger,
    }));
    this.stopFns.push(() => tail.stop());
    // Tail decisions join the per-span samplers' counts in /api/sampling.
    tail.counts.listen((destination, row) => {
      const sampling = this.strategyDocument?.destinations[destination]?.sampling;
      this.sampling.addTail(destination, row, sampling !== undefined && samplesSpans(sampling));
    });
    this.slos = startSlos(config, this.pool, this.store, this.dispatchers, this.metrics.registry, this.adminRoutes, this.logger, this.stopFns, this.options.sloEvaluateEveryMs);
    // After the pool has closed (stopFns run in reverse), the last deltas are in and get flushed.
    this.inventory = attachInventory(config, this.adminRoutes, this.pool, () => this.conventions.registry, this.logger);
    if (this.inventory && config.slos) {
      const reads = sloReadsOf(config.slos);
      this.inventory.sloReads = () => reads;
    }
    const ingest = new Ingest(this.pool, this.store, this.dispatchers, this.metrics, this.logger, config.limits.maxInFlightBytes, config.limits.maxItemsPerRequest, tail.runner);
    this.stopFns.push(() => ingest.stop(grace));

    const auth = new TokenAuthenticator(config.auth);
    const deps = { ingest, auth, limits: config.limits, metrics: this.metrics };
    const receivers: { stop(graceMs: number): Promise<void> }[] = [];
    // Registered before the first listen: if the second receiver cannot listen, the first closes.
    // Both protocols drain at once: neither goes on accepting while the other finishes.
    this.stopFns.push(() => Promise.all(receivers.map((r) => r.stop(grace))).then(() => undefined));
    if (config.receivers.http) {
      const receiver = new OtlpHttpReceiver(config.receivers.http, deps);
      this.ports.http = await listening(() => receiver.start(), 'receivers.otlp.http.endpoint', config.receivers.http);
      receivers.push(receiver);
    }
    if (config.receivers.grpc) {
      const receiver = new OtlpGrpcReceiver(config.receivers.grpc, deps);
      this.ports.grpc = await listening(() => receiver.start(), 'receivers.otlp.grpc.endpoint', config.receivers.grpc);
      receivers.push(receiver);
    }
    if (config.admin) {
      const health = {
        live: () => this.state !== 'stopped',
        ready: () => (this.state === 'running' ? { ready: true } : { ready: false, reason: this.state }),
      };
      const console = (this.console = startConsole(this, () => this.store, this.logger, this.options.console));
      this.stopFns.push(() => console.stop());
      const routes = builtinRoutes(this.metrics, health, this.adminRoutes);
      const admin = await listening(() => startAdminServer(config.admin!.host, config.admin!.port, this.metrics, health, routes, console.authorize), 'admin.endpoint', config.admin);
      this.ports.admin = admin.port;
      this.stopFns.push(() => new Promise<void>((resolve) => admin.server.close(() => resolve())));
    }
    for (const dispatcher of this.dispatchers.values()) dispatcher.start();
    this.state = 'running';
    const store = this.store;
    const pending = config.destinations.map((d) => `${d.name}=${store.depth(d.name).batches}`).join(' ');
    const cpu = cpuCapacity();
    this.logger.info({ ports: this.ports, workers: this.pool.size, cpu: { cores: cpu.cores, source: cpu.source }, destinations: config.destinations.map((d) => d.name) }, `gateway running; queued batches: ${pending}`);
  }

  /**
   * SIGHUP: reloads the data strategy, the registry and the keys from the config file, all at
   * once. Everything new is built and compiled first; then every processing thread swaps it in
   * between two batches. Anything wrong keeps the running strategy and logs one error with its
   * code and path. Other settings of cairn.yaml need a restart. Resolves to whether it applied.
   */
  reload(): Promise<boolean> {
    const next = this.reloading.then(() => this.reloadNow());
    this.reloading = next;
    return next;
  }

  private async reloadNow(): Promise<boolean> {
    if (this.state !== 'running' || !this.pool) return false;
    let content: StrategyContent;
    try {
      const config = loadConfigFile(this.config.source);
      const running = new Set(this.config.destinations.map((d) => d.name));
      const added = Object.keys(config.strategy?.destinations ?? {}).filter((name) => !running.has(name));
      if (added.length > 0) throw new ConfigError([{ path: 'strategy.destinations', message: `names ${added.join(', ')}, which this gateway does not run (new destinations need a restart)` }]);
      content = loadStrategyContent(config);
      useStrategy(new BatchProcessor(this.config), content);
    } catch (error) {
      if (!(error instanceof ConfigError) && !(error instanceof StrategyContentError)) {
        this.logger.error({ code: 'CAIRN_STRATEGY_RELOAD', err: error }, 'strategy reload failed; the previous strategy stays in force');
        return false;
      }
      const first = error.problems[0];
      this.logger.error(
        { code: error.code, path: first?.path, location: first?.location, problems: error.problems.map(formatProblem) },
        `strategy reload failed (${error.code}); the previous strategy stays in force: ${error.problems.map(formatProblem).join('; ')}`,
      );
      return false;
    }
    try {
      await this.pool.reload(content);
    } catch (error) {
      this.logger.error({ code: 'CAIRN_STRATEGY_RELOAD', err: error }, 'strategy reload failed in a processing thread');
      return false;
    }
    this.conventions = conventionsOf(content);
    this.strategyDocument = content.strategy;
    this.tail?.reload(content);
    this.logger.info({ strategy: content.strategy?.source, destinations: Object.keys(content.strategy?.destinations ?? {}), registry: content.registry?.manifest.name }, 'strategy reloaded');
    return true;
  }

  /**
   * SIGTERM: stop accepting (listeners close, new requests get "unavailable"), answer the
   * requests already inside, let in-flight exports finish within the grace period, then close.
   * Whatever is still queued is replayed at the next start.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    // A gateway that failed to start never ran: its caller reports why, without a "stopped" line.
    const ran = this.state === 'running';
    this.state = 'stopping';
    // Reverse order of start: receivers first, queue last.
    for (const stop of this.stopFns.reverse()) {
      try {
        await stop();
      } catch (error) {
        this.logger.warn({ err: error }, 'error while stopping');
      }
    }
    this.state = 'stopped';
    if (ran) this.logger.info('gateway stopped');
    this.logger.flush?.();
  }

  /**
   * Once a second, picks up what another process wrote to the queue file (`cairn deadletters
   * replay` puts batches back while the gateway runs) and wakes the dispatchers; once a minute,
   * evicts dead letters past `storage.dead_letters.max_age`. Returns the stop function.
   */
  private maintainQueue(): () => void {
    let ticks = 0;
    const timer = setInterval(() => {
      const store = this.store;
      if (!store || this.state !== 'running') return;
      try {
        if (store.sync()) for (const dispatcher of this.dispatchers.values()) dispatcher.notify();
        if (++ticks % 60 === 0) store.pruneDeadLetters();
      } catch (error) {
        this.logger.warn({ err: error }, 'queue maintenance failed');
      }
    }, 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  private deliveryEvents(destination: string): DeliveryEvents {
    const m = this.metrics;
    const log = this.logger;
    return {
      exported(batches, outcome, latencyMs) {
        // A partial success names a count, not which batch: it is charged in queue order.
        let rejected = outcome.rejectedItems ?? 0;
        for (const batch of batches) {
          const mine = Math.min(rejected, batch.items);
          rejected -= mine;
          const labels = { destination, signal: batch.signal, tenant: batch.tenant };
          m.exported.inc(labels, batch.items - mine);
          m.exportedBytes.inc(labels, batch.body.byteLength);
        }
        m.exportRequests.inc({ destination });
        m.exportedBatches.inc({ destination }, batches.length);
        m.exportLatency.observe({ destination }, latencyMs / 1000);
        if (outcome.rejectedItems) log.warn({ destination, rejected: outcome.rejectedItems, batches: batches.length, message: outcome.message }, 'backend rejected part of a request');
      },
      failed(batches, outcome, willRetry) {
        for (const batch of batches) {
          const labels = { destination, signal: batch.signal, tenant: batch.tenant, retry: String(willRetry) };
          m.failed.inc(labels, batch.items);
          m.failedBytes.inc(labels, batch.body.byteLength);
        }
        log.warn({ destination, batches: batches.map((b) => b.id), attempts: batches[0]!.attempts, reason: outcome.reason, retry: willRetry }, 'export failed');
      },
      deadLettered(batch, reason) {
        m.deadLetters.inc({ destination, signal: batch.signal, tenant: batch.tenant }, batch.items);
        log.error({ destination, batch: batch.id, items: batch.items, reason }, 'batch moved to dead letters');
      },
    };
  }
}

/** What of the loaded content the gateway shows (never the keys). */
function conventionsOf(content: StrategyContent): Pick<StrategyContent, 'registry' | 'registryWarnings'> {
  return { ...(content.registry ? { registry: content.registry } : {}), ...(content.registryWarnings === undefined ? {} : { registryWarnings: content.registryWarnings }) };
}
