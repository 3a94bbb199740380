// Alert transitions leave the gateway two ways: a webhook (Cairn's JSON, or Slack's `{ text }`
// for an incoming webhook), retried with exponential backoff; and OTLP log records committed to
// a destination's durable queue, delivered like any other telemetry.
import { jsonToProtobuf } from '@cairn/otlp';
import type { Logger } from 'pino';
import type { NotificationTarget, SloDefinition } from './definition.js';
import { iso, type AlertTransition } from './engine.js';

export interface NotifierOptions {
  /** Commits an OTLP logs request to a destination's queue (the gateway's queue and dispatcher). */
  enqueueLogs?: (destination: string, body: Uint8Array, items: number) => void;
  logger?: Logger;
  /** Backoff of webhook retries; tests shorten it. */
  retry?: { initialMs: number; maxMs: number; attempts: number; timeoutMs: number };
  /** Counts each outcome (cairn_slo_notifications_total). */
  onOutcome?: (target: string, outcome: 'sent' | 'failed' | 'retried') => void;
}

export const DEFAULT_NOTIFY_RETRY = { initialMs: 1000, maxMs: 30_000, attempts: 6, timeoutMs: 10_000 };

/** Cairn's webhook body: the transition, snake_case as in /api/slos. */
export function webhookBody(t: AlertTransition): Record<string, unknown> {
  return {
    slo: t.slo, service: t.service, alert: t.alert, severity: t.severity, state: t.state, at: iso(t.at),
    burn_rates: t.burnRates, sli: t.sli, budget_remaining: t.budgetRemaining, objective: t.objective,
  };
}

/** Slack's incoming-webhook body: one line of text. */
export function slackBody(t: AlertTransition): { text: string } {
  const icon = t.state === 'firing' ? ':rotating_light:' : ':white_check_mark:';
  const rates = Object.entries(t.burnRates).map(([w, r]) => `${w} ${r.toFixed(2)}`).join(', ');
  const budget = t.budgetRemaining === null ? 'n/a' : `${(t.budgetRemaining * 100).toFixed(1)}%`;
  return { text: `${icon} SLO *${t.slo}*${t.service ? ` (${t.service})` : ''}: ${t.severity} alert *${t.alert}* ${t.state} at ${iso(t.at)}; burn rates ${rates}; budget remaining ${budget}` };
}

/** The transition as one OTLP log record (resource service.name = cairn-gateway). */
export function transitionLogRequest(t: AlertTransition): Uint8Array {
  const attr = (key: string, value: string | number | null) => ({ key, value: typeof value === 'number' ? { doubleValue: value } : { stringValue: String(value ?? '') } });
  const request = {
    resourceLogs: [{
      resource: { attributes: [attr('service.name', 'cairn-gateway')] },
      scopeLogs: [{
        scope: { name: 'cairn.slo' },
        logRecords: [{
          timeUnixNano: String(BigInt(t.at) * 1_000_000n),
          severityNumber: t.state === 'firing' ? (t.severity === 'page' ? 17 : 13) : 9,
          severityText: t.state === 'firing' ? (t.severity === 'page' ? 'ERROR' : 'WARN') : 'INFO',
          eventName: `cairn.slo.alert.${t.state}`,
          body: { stringValue: slackBody(t).text.replace(/^:\w+: /, '') },
          attributes: [
            attr('slo.name', t.slo), attr('slo.service', t.service), attr('slo.alert', t.alert), attr('slo.alert.severity', t.severity),
            attr('slo.alert.state', t.state), attr('slo.objective', t.objective), ...(t.sli === null ? [] : [attr('slo.sli', t.sli)]),
            ...(t.budgetRemaining === null ? [] : [attr('slo.budget_remaining', t.budgetRemaining)]),
            ...Object.entries(t.burnRates).map(([w, r]) => attr(`slo.burn_rate.${w}`, r)),
          ],
        }],
      }],
    }],
  };
  return jsonToProtobuf('logs', new TextEncoder().encode(JSON.stringify(request)));
}

/** Sends each transition to the targets of its alert; never throws, never blocks evaluation. */
export class Notifier {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retry: NonNullable<NotifierOptions['retry']>;
  private stopped = false;

  constructor(private readonly definitions: readonly SloDefinition[], private readonly options: NotifierOptions = {}) {
    this.retry = options.retry ?? DEFAULT_NOTIFY_RETRY;
  }

  notify(t: AlertTransition): void {
    const def = this.definitions.find((d) => d.name === t.slo);
    const alert = def?.alerts.find((a) => a.name === t.alert);
    if (!def || !alert) return;
    for (const name of alert.targets) {
      const target = def.targets.find((x) => x.name === name);
      if (!target) continue;
      const p = this.send(target, t).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async send(target: NotificationTarget, t: AlertTransition): Promise<void> {
    if (target.kind === 'otlp') {
      try {
        if (!this.options.enqueueLogs) throw new Error('no queue to write OTLP log records to');
        this.options.enqueueLogs(target.destination, transitionLogRequest(t), 1);
        this.options.onOutcome?.(target.name, 'sent');
      } catch (error) {
        this.options.onOutcome?.(target.name, 'failed');
        this.options.logger?.warn({ code: 'CAIRN_SLO_NOTIFY', target: target.name, destination: target.destination, err: error }, 'SLO alert could not be queued as OTLP log records');
      }
      return;
    }
    const body = JSON.stringify(target.format === 'slack' ? slackBody(t) : webhookBody(t));
    let delay = this.retry.initialMs;
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      try {
        const res = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body, signal: AbortSignal.timeout(this.retry.timeoutMs) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.options.onOutcome?.(target.name, 'sent');
          return;
        }
        reason = `HTTP ${res.status}`;
        // A 4xx other than 408/429 will not get better by retrying.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) attempt = this.retry.attempts;
      } catch (error) {
        reason = (error as Error).message;
      }
      if (attempt >= this.retry.attempts || this.stopped) {
        this.options.onOutcome?.(target.name, 'failed');
        this.options.logger?.warn({ code: 'CAIRN_SLO_NOTIFY', target: target.name, slo: t.slo, alert: t.alert, state: t.state, attempts: attempt, reason }, 'SLO alert notification failed');
        return;
      }
      this.options.onOutcome?.(target.name, 'retried');
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay = Math.min(delay * 2, this.retry.maxMs);
    }
  }

  /** Lets sends in flight finish (bounded by their retries); no new retry starts. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.all(this.inFlight), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }

  /** Waits for every send in flight (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}
