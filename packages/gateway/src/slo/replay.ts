// Backtesting (`cairn slo replay`): recorded OTLP goes through the gateway's own processing
// (normalization with the registry, then the SLI tap) on the event-time clock, and the alert
// engine is stepped minute by minute from the first event to the last. Same code as live.
import type { Signal } from '@cairn/otlp';
import type { GatewayConfig } from '../config/types.js';
import { BatchProcessor } from '../pipeline/process.js';
import { loadStrategyContent } from '../strategy/content.js';
import { useStrategy } from '../strategy/use.js';
import { compileSlos } from './compile.js';
import { SloEngine, iso, type AlertTransition, type SloReport } from './engine.js';
import { MINUTE_MS } from './evaluate.js';
import type { SloDelta } from './delta.js';

export interface RecordedRequest {
  signal: Signal;
  format: 'json' | 'protobuf';
  body: Uint8Array;
  /** `FILE` or `FILE:LINE`, for messages. */
  where: string;
}

export interface ReplaySummary {
  from: string | null;
  to: string | null;
  spans: number;
  slos: (Pick<SloReport, 'name' | 'service' | 'sli' | 'budget_remaining' | 'good' | 'bad' | 'unjudgeable' | 'insufficient' | 'error'> & { fired: string[] })[];
}

export class ReplayInputError extends Error {
  readonly code = 'CAIRN_SLO_REPLAY_INPUT';
}

export function replaySlos(config: GatewayConfig, requests: readonly RecordedRequest[]): { transitions: AlertTransition[]; summary: ReplaySummary } {
  const set = config.slos ?? { files: [], slos: [], broken: [], problems: [] };
  // The recording's services are whatever they are: a replay is not a tenant.
  const open: GatewayConfig = { ...config, auth: { ...config.auth, anonymous: { tenant: 'replay', services: ['*'] } } };
  const processor = new BatchProcessor(open, { sloClock: 'event' });
  useStrategy(processor, loadStrategyContent(config));
  const deltas: SloDelta[] = [];
  let spans = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const r of requests) {
    if (r.signal !== 'traces') continue;
    const result = processor.process({ signal: r.signal, format: r.format, body: r.body, tenant: 'replay' });
    if (!result.ok) throw new ReplayInputError(`${r.where}: ${result.message}`);
    spans += result.items;
    if (!result.slo) continue;
    deltas.push(result.slo);
    for (const c of result.slo.counts) {
      first = Math.min(first, c.minute);
      last = Math.max(last, c.minute);
    }
  }
  const transitions: AlertTransition[] = [];
  if (first === Infinity) {
    const engine = new SloEngine(set, { startMinute: 0 }, compileSlos(set.slos));
    return { transitions, summary: summarize(engine, 0, null, null, spans, transitions) };
  }
  const engine = new SloEngine(set, { startMinute: first, onTransition: (t) => transitions.push(t) }, compileSlos(set.slos));
  for (const d of deltas) engine.add(d);
  // Each minute is evaluated once it has ended: at its end, on the counts up to it.
  for (let m = first; m <= last; m++) engine.evaluate((m + 1) * MINUTE_MS, m);
  return { transitions, summary: summarize(engine, (last + 1) * MINUTE_MS, iso(first * MINUTE_MS), iso((last + 1) * MINUTE_MS), spans, transitions) };
}

function summarize(engine: SloEngine, at: number, from: string | null, to: string | null, spans: number, transitions: AlertTransition[]): ReplaySummary {
  return {
    from, to, spans,
    slos: engine.report(at).slos.map((s) => ({
      name: s.name, service: s.service, sli: s.sli, budget_remaining: s.budget_remaining, good: s.good, bad: s.bad, unjudgeable: s.unjudgeable,
      insufficient: s.insufficient, error: s.error,
      fired: [...new Set(transitions.filter((t) => t.slo === s.name && t.state === 'firing').map((t) => t.alert))],
    })),
  };
}
