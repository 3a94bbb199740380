// The SLOs of a running gateway, on its main thread: sums each batch's SloDelta into the engine,
// writes the counts to slo.db once a second, evaluates the alerts on wall-clock time, notifies,
// and serves /api/slos and the cairn_slo_* metrics.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';
import type { QueueStore } from '../queue/types.js';
import type { ProcessorPool } from '../workers/pool.js';
import type { AdminAccess, AdminRoutes } from '../telemetry/admin.js';
import { compileSlos } from './compile.js';
import type { SloDelta } from './delta.js';
import { SloEngine, type AlertTransition, type SloInstrumentationGap } from './engine.js';
import { MINUTE_MS } from './evaluate.js';
import { Notifier, type NotifierOptions } from './notify.js';
import { SloStore } from './store.js';

export interface SloServiceOptions {
  logger: Logger;
  registry: Registry;
  routes: AdminRoutes;
  enqueueLogs?: NotifierOptions['enqueueLogs'];
  /** Evaluation period (default 10 s); tests call evaluate() themselves. */
  evaluateEveryMs?: number;
  notifyRetry?: NotifierOptions['retry'];
  now?: () => number;
}

export class SloService {
  readonly engine: SloEngine;
  readonly notifier: Notifier;
  private readonly store: SloStore;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly transitions: Counter<'slo' | 'alert' | 'state'>;
  private readonly events: Counter<'slo' | 'outcome'>;

  constructor(config: GatewayConfig, private readonly options: SloServiceOptions) {
    const set = config.slos!;
    this.now = options.now ?? Date.now;
    for (const p of set.problems) options.logger.warn({ code: p.code, location: p.location, field: p.field }, `SLO file: ${p.message}`);
    const broken = compileSlos(set.slos);
    for (const b of broken) options.logger.error({ code: 'CAIRN_SLO_INVALID', slo: b.name, location: b.location }, b.error);
    this.store = new SloStore(join(config.storage.directory, 'slo.db'));
    const registry = options.registry;
    this.transitions = new Counter({ name: 'cairn_slo_alert_transitions_total', help: 'SLO alert transitions to firing or resolved', labelNames: ['slo', 'alert', 'state'], registers: [registry] });
    this.events = new Counter({ name: 'cairn_slo_events_total', help: 'Events an SLO judged since start (weighted by upstream sampling): good, bad or unjudgeable', labelNames: ['slo', 'outcome'], registers: [registry] });
    const notifications = new Counter({ name: 'cairn_slo_notifications_total', help: 'SLO alert notifications per target and outcome (sent, retried, failed)', labelNames: ['target', 'outcome'], registers: [registry] });
    let notifier: Notifier | undefined;
    this.engine = new SloEngine(set, {
      store: this.store,
      startMinute: Math.floor(this.now() / MINUTE_MS),
      onTransition: (t) => this.transition(t, notifier!),
    }, broken);
    notifier = this.notifier = new Notifier(this.engine.definitions, {
      ...(options.enqueueLogs ? { enqueueLogs: options.enqueueLogs } : {}),
      ...(options.notifyRetry ? { retry: options.notifyRetry } : {}),
      logger: options.logger,
      onOutcome: (target, outcome) => notifications.inc({ target, outcome }),
    });
    this.metrics(registry);
    options.routes.add('GET', '/api/slos', ({ access }) => ({ status: 200, body: this.report(access) }));
  }

  /** Starts the once-a-second flush and the periodic evaluation. */
  start(): void {
    const every = this.options.evaluateEveryMs ?? 10_000;
    let ticks = 0;
    this.timers.push(setInterval(() => this.guard(() => this.engine.flush()), 1000));
    this.timers.push(setInterval(() => this.guard(() => {
      this.evaluate();
      if (++ticks % 360 === 0) this.engine.prune(Math.floor(this.now() / MINUTE_MS));
    }), every));
    for (const t of this.timers) t.unref();
  }

  add(delta: SloDelta): void {
    for (const c of delta.counts) {
      if (c.good > 0) this.events.inc({ slo: c.slo, outcome: 'good' }, c.good);
      if (c.bad > 0) this.events.inc({ slo: c.slo, outcome: 'bad' }, c.bad);
      if (c.unjudgeable > 0) this.events.inc({ slo: c.slo, outcome: 'unjudgeable' }, c.unjudgeable);
    }
    for (const e of delta.errors) this.options.logger.error({ code: 'CAIRN_SLO_RUNTIME', slo: e.slo }, `SLO ${e.slo} disabled: ${e.message}`);
    this.engine.add(delta);
  }

  /** Flushes and evaluates now (the timer does this every 10 s). */
  evaluate(at = this.now()): AlertTransition[] {
    this.engine.flush();
    return this.engine.evaluate(at);
  }

  report(access: AdminAccess): ReturnType<SloEngine['report']> {
    const visible = access.services === 'all' ? () => true : (service: string | null) => service !== null && (access.services as ReadonlySet<string>).has(service);
    return this.engine.report(this.now(), visible);
  }

  /** Insufficient instrumentation per SLO (one service's, or all): for `cairn gaps` and `cairn report`. */
  instrumentationGaps(service?: string): SloInstrumentationGap[] {
    return this.engine.instrumentationGaps(this.now(), service);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.guard(() => this.engine.flush());
    await this.notifier.stop();
    this.store.close();
  }

  private transition(t: AlertTransition, notifier: Notifier): void {
    this.transitions.inc({ slo: t.slo, alert: t.alert, state: t.state });
    this.options.logger[t.state === 'firing' ? 'warn' : 'info']({ slo: t.slo, alert: t.alert, severity: t.severity, state: t.state, burn_rates: t.burnRates }, `SLO ${t.slo}: alert ${t.alert} ${t.state}`);
    notifier.notify(t);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.options.logger.warn({ code: 'CAIRN_SLO', err: error }, 'SLO evaluation failed');
    }
  }

  private metrics(registry: Registry): void {
    const engine = this.engine;
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge) => void) => new Gauge({
      name, help, labelNames, registers: [registry],
      collect(this: Gauge) {
        this.reset();
        fill(this);
      },
    });
    gauge('cairn_slo_sli', 'SLI over the SLO window at the last evaluation (good / judged)', ['slo'], (g) => {
      for (const [slo, l] of engine.last) if (l.status.sli !== null) g.set({ slo }, l.status.sli);
    });
    gauge('cairn_slo_budget_remaining', 'Error budget remaining (1 = untouched, below 0 = overspent)', ['slo'], (g) => {
      for (const [slo, l] of engine.last) if (l.status.budgetRemaining !== null) g.set({ slo }, l.status.budgetRemaining);
    });
    gauge('cairn_slo_burn_rate', 'Burn rate per alert window (error ratio / (1 - objective))', ['slo', 'window'], (g) => {
      for (const [slo, l] of engine.last) for (const [window, r] of Object.entries(l.burnRates)) g.set({ slo, window }, r);
    });
    gauge('cairn_slo_unjudgeable_share', 'Share of matching events `good` could not judge (a key it reads was absent)', ['slo'], (g) => {
      for (const [slo, l] of engine.last) g.set({ slo }, l.status.unjudgeableShare);
    });
    gauge('cairn_slo_insufficient', '1 when a key `good` reads is missing in more than the allowed share of matching events', ['slo'], (g) => {
      for (const [slo, l] of engine.last) g.set({ slo }, l.insufficient ? 1 : 0);
    });
    gauge('cairn_slo_alert_firing', '1 while an SLO alert fires', ['slo', 'alert', 'severity'], (g) => {
      for (const r of engine.report(this.now()).slos) for (const a of r.alerts) g.set({ slo: r.name, alert: a.name, severity: a.severity }, a.state === 'firing' ? 1 : 0);
    });
    gauge('cairn_slo_broken', '1 for an SLO that cannot run (unsupported, invalid, or a run-time error)', ['slo'], (g) => {
      for (const r of engine.report(this.now()).slos) g.set({ slo: r.name }, r.error === null ? 0 : 1);
    });
  }
}

/**
 * The gateway's one registration line: starts the SLOs of `slos:` (if any), feeds them each
 * batch's counts from the processing threads, and queues OTLP notifications for a destination.
 */
export function startSlos(
  config: GatewayConfig,
  pool: ProcessorPool,
  queue: QueueStore,
  dispatchers: ReadonlyMap<string, { notify(): void }>,
  registry: Registry,
  routes: AdminRoutes,
  logger: Logger,
  stopFns: (() => Promise<void> | void)[],
  evaluateEveryMs?: number,
): SloService | undefined {
  if (!config.slos) return undefined;
  const service = new SloService(config, {
    logger, registry, routes,
    ...(evaluateEveryMs === undefined ? {} : { evaluateEveryMs }),
    enqueueLogs: (destination, body, items) => {
      const d = config.destinations.find((x) => x.name === destination);
      if (!d) throw new Error(`destination ${destination} is not in cairn.yaml`);
      if (!d.signals.includes('logs')) throw new Error(`destination ${destination} does not take logs (signals: ${d.signals.join(', ')})`);
      queue.enqueue([{ destination, tenant: 'cairn-slo', signal: 'logs', body, items }]);
      dispatchers.get(destination)?.notify();
    },
  });
  pool.onResult.push((result) => {
    if (result.slo) service.add(result.slo);
  });
  service.start();
  stopFns.push(() => service.stop());
  return service;
}
