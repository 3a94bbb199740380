// SLOs in the gateway (docs/slo.md): OpenSLO v1 loading, the SLI tap, the alert engine.
import type { Gateway } from '../gateway.js';
import type { SloInstrumentationGap } from './engine.js';

export { formatSloProblem, WORKBOOK_ALERTS, DEFAULT_MIN_EVENTS, DEFAULT_INSUFFICIENT_SHARE } from './definition.js';
export type { SloDefinition, SloSet, SloProblem, BrokenSlo, AlertRule, BurnRateAlert, ExhaustionAlert, NotificationTarget } from './definition.js';
export { loadSloFiles, parseSloTexts } from './openslo.js';
export { compileSlos, sloReadsOf, sloRegistryProblems, type SloRegistryProblem } from './compile.js';
export { SloTap, type SloClock } from './tap.js';
export { SloEngine, iso, type AlertTransition, type SloInstrumentationGap, type SloReport } from './engine.js';
export type { SloDelta, SloCounts } from './delta.js';
export { MINUTE_MS } from './evaluate.js';
export { SloService } from './service.js';

/**
 * Insufficiently instrumented SLOs of a running gateway (one service's, or all): for `cairn gaps`
 * and `cairn report`. Empty when the gateway has no `slos:`.
 */
export function sloInstrumentationGaps(gateway: Gateway, service?: string): SloInstrumentationGap[] {
  return gateway.slos?.instrumentationGaps(service) ?? [];
}
export { replaySlos, ReplayInputError, type RecordedRequest, type ReplaySummary } from './replay.js';
