// An SLO as Cairn evaluates it: plain data (no functions), built from OpenSLO v1 documents by
// openslo.ts, structured-cloned to the processing threads inside GatewayConfig, where tap.ts
// compiles its CEL. Times are whole minutes: counts are kept per minute.

/** Rolling (`28d`) or calendar (`1M` from a start time) compliance window. */
export type SloWindow =
  | { kind: 'rolling'; minutes: number; text: string }
  | { kind: 'calendar'; unit: 'd' | 'w' | 'M' | 'Q' | 'Y'; count: number; startMs: number; text: string };

/** Multiwindow burn-rate alert (SRE Workbook ch. 5): fires when both windows burn faster than `threshold`. */
export interface BurnRateAlert {
  kind: 'burn_rate';
  name: string;
  severity: string;
  longMinutes: number;
  shortMinutes: number;
  long: string;
  short: string;
  threshold: number;
  /** OpenSLO `alertAfter`: the condition must hold this long before the alert fires. */
  forMinutes: number;
  /** Low-traffic guard: fewer judged events than this in the short window never fire. */
  minEvents: number;
  targets: string[];
}

/** "The budget runs out within `withinMinutes` at the burn rate of the last `lookbackMinutes`". */
export interface ExhaustionAlert {
  kind: 'exhaustion';
  name: string;
  severity: string;
  withinMinutes: number;
  within: string;
  lookbackMinutes: number;
  lookback: string;
  minEvents: number;
  targets: string[];
}

export type AlertRule = BurnRateAlert | ExhaustionAlert;

/** Where alert transitions are sent (OpenSLO AlertNotificationTarget + cairn/ annotations). */
export type NotificationTarget =
  | { name: string; kind: 'webhook'; url: string; format: 'json' | 'slack'; headers: Record<string, string> }
  | { name: string; kind: 'otlp'; destination: string };

export interface SpanIndicator {
  name: string;
  where: string;
  good: string;
  /** Dotted paths of the two expressions, for messages (`slos/checkout.yaml#checkout-ok.spec.spans.good`). */
  wherePath: string;
  goodPath: string;
}

export interface SloDefinition {
  name: string;
  service: string | null;
  description?: string;
  /** 0..1 (`target`, or `targetPercent` / 100). */
  objective: number;
  window: SloWindow;
  budgeting: 'Occurrences' | 'Timeslices';
  /** Timeslices only: a slice is good when its good share ≥ `target`. */
  timeslice?: { minutes: number; target: number };
  indicator: SpanIndicator;
  alerts: AlertRule[];
  targets: NotificationTarget[];
  /** Insufficient instrumentation when a key `good` reads is missing in more than this share of matching events. */
  insufficientShare: number;
  /** file:line of the SLO document. */
  location: string;
  /** Changes when what is counted changes (indicator, objective, budgeting): counts restart. */
  fingerprint: string;
}

/** An SLO that cannot run: shown with `error` in /api/slos, the others go on. */
export interface BrokenSlo {
  name: string;
  service: string | null;
  location: string;
  error: string;
}

/** A problem in an SLO file: `code` is stable, `location` is file:line:col. */
export interface SloProblem {
  code: 'CAIRN_SLO_UNSUPPORTED' | 'CAIRN_SLO_INVALID' | 'CAIRN_SLO_FILE';
  location: string;
  /** The field, dotted: `SLO checkout.spec.indicator.spec.ratioMetric`. */
  field: string;
  message: string;
}

/** What `slos:` loaded: runnable SLOs, broken ones (with their error) and unsupported documents. */
export interface SloSet {
  files: string[];
  slos: SloDefinition[];
  broken: BrokenSlo[];
  problems: SloProblem[];
}

export function formatSloProblem(p: SloProblem): string {
  return `${p.location}: ${p.code === 'CAIRN_SLO_UNSUPPORTED' ? 'unsupported' : p.code}: ${p.field}: ${p.message}`;
}

/** Defaults from the Google SRE Workbook, "Alerting on SLOs", table 5-8 (and the guard the issue asks for). */
export const WORKBOOK_ALERTS: readonly { name: string; severity: string; long: string; short: string; threshold: number }[] = [
  { name: 'page-fast', severity: 'page', long: '1h', short: '5m', threshold: 14.4 },
  { name: 'page-slow', severity: 'page', long: '6h', short: '30m', threshold: 6 },
  { name: 'ticket', severity: 'ticket', long: '3d', short: '6h', threshold: 1 },
];
export const DEFAULT_MIN_EVENTS = 10;
export const DEFAULT_INSUFFICIENT_SHARE = 0.05;
