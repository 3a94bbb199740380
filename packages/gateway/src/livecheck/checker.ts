import { RegistryIndex, type Group, type ResolvedRegistry } from '@cairn/conventions';
import { AttributeCursor, SpanKind, decodeLogs, decodeMetrics, decodeTraces, type BatchView, type LogsView, type MetricsView, type Signal, type TracesView } from '@cairn/otlp';
import { AttributeAdvisor, NAME_FORMAT, typeName, type SampleAttribute, type SignalRef } from './attribute.js';
import { FINDING_IDS, resultOf, type LiveCheckResult, type PolicyFinding, type SignalType } from './findings.js';
import { LiveCheckStatistics, type AttributePlace } from './statistics.js';
import { Suggester } from './suggest.js';

export interface LiveCheckOptions {
  /** Samples kept for the report; statistics always count everything. Default 10 000. */
  maxSamples?: number;
  /** Run the value detectors on string values (undeclared_pii). Default true. */
  detectPii?: boolean;
}

/** A Weaver sample: one key naming its type (`span`, `resource`, `metric`, `log`). */
export type Sample = Record<string, Record<string, unknown>>;

export interface LiveCheckReport {
  samples: Sample[];
  statistics: Record<string, unknown>;
}

const KIND: Record<number, string> = {
  [SpanKind.Unspecified]: 'unspecified', [SpanKind.Internal]: 'internal', [SpanKind.Server]: 'server',
  [SpanKind.Client]: 'client', [SpanKind.Producer]: 'producer', [SpanKind.Consumer]: 'consumer',
};

const INSTRUMENT: Record<string, string> = { gauge: 'gauge', histogram: 'histogram', exponentialHistogram: 'histogram', summary: 'summary' };

/**
 * Checks OTLP batches against a resolved registry, the way `weaver registry live-check` does,
 * and keeps the statistics. Reads through the @cairn/otlp views: nothing is decoded that is not
 * checked. One instance per run; feed it batches in any order.
 */
export class LiveChecker {
  readonly statistics: LiveCheckStatistics;
  private readonly advisor: AttributeAdvisor;
  private readonly metrics = new Map<string, Group>();
  private readonly events = new Map<string, Group>();
  private readonly samples: Sample[] = [];
  private readonly maxSamples: number;
  private droppedSamples = 0;
  private readonly attrs = new AttributeCursor();
  private readonly index: RegistryIndex;

  constructor(registry: ResolvedRegistry, options: LiveCheckOptions = {}) {
    this.index = new RegistryIndex(registry);
    this.advisor = new AttributeAdvisor(this.index, new Suggester(registry), options.detectPii ?? true);
    this.statistics = new LiveCheckStatistics(registry);
    this.maxSamples = options.maxSamples ?? 10_000;
    for (const g of registry.groups) {
      if (g.type === 'metric' && g.metricName) this.metrics.set(g.metricName, g);
      if (g.type === 'event' && g.name) this.events.set(g.name, g);
    }
  }

  /** Decodes one protobuf export request (throws OtlpDecodeError on bad bytes) and checks it. */
  ingest(signal: Signal, bytes: Uint8Array): void {
    if (signal === 'traces') this.checkTraces(decodeTraces(bytes));
    else if (signal === 'metrics') this.checkMetrics(decodeMetrics(bytes));
    else if (signal === 'logs') this.checkLogs(decodeLogs(bytes));
  }

  checkTraces(view: TracesView): void {
    this.resources(view, 'span');
    const span = view.spans();
    const events = span.events();
    const links = span.links();
    while (span.next()) {
      const signal: SignalRef = { type: 'span', name: span.name };
      const attributes = this.attributes(span.attributes(this.attrs), 'span', signal);
      const spanEvents: Record<string, unknown>[] = [];
      span.events(events);
      while (events.next()) {
        const eventAttributes = this.attributes(events.attributes(this.attrs), 'span_event', signal);
        spanEvents.push(this.entity('span_event', { name: events.name, attributes: eventAttributes }, []));
      }
      const spanLinks: Record<string, unknown>[] = [];
      span.links(links);
      while (links.next()) spanLinks.push(this.entity('span_link', { attributes: this.attributes(links.attributes(this.attrs), 'span_link', signal) }, []));
      const status = span.hasStatus ? { code: span.statusCode, message: span.statusMessage } : null;
      this.keep({ span: this.entity('span', { name: span.name, kind: KIND[span.kind] ?? 'unspecified', status, attributes, span_events: spanEvents, span_links: spanLinks }, []) });
    }
  }

  checkMetrics(view: MetricsView): void {
    this.resources(view, 'metric');
    const metric = view.metrics();
    const point = view.dataPoints();
    while (metric.next()) {
      const signal: SignalRef = { type: 'metric', name: metric.name };
      const group = this.metrics.get(metric.name);
      this.statistics.metric(metric.name, group !== undefined);
      const findings: PolicyFinding[] = [];
      const instrument = metric.type === 'sum' ? (metric.isMonotonic ? 'counter' : 'updowncounter') : (INSTRUMENT[metric.type] ?? metric.type);
      if (!NAME_FORMAT.test(metric.name)) {
        findings.push(finding(FINDING_IDS.invalidFormat, 'violation', { metric_name: metric.name }, `Metric '${metric.name}' does not match the name format (lowercase words separated by '.' or '_').`, signal));
      }
      if (!group) {
        findings.push(finding(FINDING_IDS.missingMetric, 'violation', { metric_name: metric.name }, `Metric '${metric.name}' does not exist in the registry.`, signal));
      } else {
        if (group.unit !== undefined && group.unit !== metric.unit) {
          findings.push(finding(FINDING_IDS.unitMismatch, 'violation', { unit: metric.unit, expected: group.unit }, `Unit should be '${group.unit}', but found '${metric.unit}'.`, signal));
        }
        if (group.instrument !== undefined && group.instrument !== instrument) {
          findings.push(finding(FINDING_IDS.unexpectedInstrument, 'violation', { instrument, expected: group.instrument }, `Instrument should be '${group.instrument}', but found '${instrument}'.`, signal));
        }
        if (group.stability !== undefined && group.stability !== 'stable') {
          findings.push(finding(FINDING_IDS.notStable, 'improvement', { metric_name: metric.name, stability: group.stability }, `Metric '${metric.name}' is not stable; stability = ${group.stability}.`, signal));
        }
        if (group.deprecated) {
          findings.push(finding(FINDING_IDS.deprecated, 'violation', { metric_name: metric.name, deprecation_reason: group.deprecated.reason }, `Metric '${metric.name}' is deprecated.`, signal));
        }
      }
      const points: Record<string, unknown>[] = [];
      const [first, end] = metric.pointRange;
      for (let i = first; i < end; i++) {
        point.seek(i);
        const attributes = this.attributes(point.attributes(this.attrs), 'metric', signal);
        const missing = group ? requirementFindings(group, attributes, signal) : [];
        points.push(this.entity(`${point.type === 'number' ? 'number' : point.type === 'histogram' ? 'histogram' : 'exponential_histogram'}_data_point`, { attributes }, missing));
      }
      this.keep({ metric: this.entity('metric', { name: metric.name, instrument, unit: metric.unit, data_points: points }, findings) });
    }
  }

  checkLogs(view: LogsView): void {
    this.resources(view, 'log');
    const log = view.logs();
    while (log.next()) {
      const eventName = log.eventName;
      const signal: SignalRef = { type: 'log', name: eventName || null };
      const attributes = this.attributes(log.attributes(this.attrs), 'log', signal);
      const findings: PolicyFinding[] = [];
      if (eventName) {
        const group = this.events.get(eventName);
        this.statistics.event(eventName, group !== undefined);
        if (!group) findings.push(finding(FINDING_IDS.missingEvent, 'violation', { event_name: eventName }, `Event '${eventName}' does not exist in the registry.`, signal));
        else findings.push(...requirementFindings(group, attributes, signal));
      }
      this.keep({ log: this.entity('log', { event_name: eventName, severity_number: log.severityNumber, severity_text: log.severityText, attributes }, findings) });
    }
  }

  report(): LiveCheckReport {
    const statistics = this.statistics.toJSON();
    if (this.droppedSamples > 0) (statistics.cairn as Record<string, unknown>).samples_not_kept = this.droppedSamples;
    return { samples: this.samples, statistics };
  }

  private resources(view: BatchView, signal: SignalType): void {
    const ref: SignalRef = { type: 'resource', name: null };
    for (let r = 0; r < view.resourceCount; r++) {
      const attributes = this.attributes(view.resourceAttributes(r, this.attrs), 'resource', ref);
      this.keep({ resource: this.entity('resource', { attributes }, []) });
    }
    const scopeRef: SignalRef = { type: signal, name: null };
    for (let s = 0; s < view.scopeCount; s++) {
      const attributes = this.attributes(view.scopeAttributes(s, this.attrs), 'scope', scopeRef);
      this.keep({ instrumentation_scope: this.entity('instrumentation_scope', { name: view.scopeName(s), version: view.scopeVersion(s), attributes }, []) });
    }
  }

  private attributes(cursor: AttributeCursor, place: AttributePlace, signal: SignalRef): SampleAttribute[] {
    const out: SampleAttribute[] = [];
    while (cursor.next()) {
      const key = cursor.key;
      const value = cursor.value;
      const type = typeName(cursor, value);
      const sample = this.advisor.check(key, value, type, signal);
      const template = sample.live_check_result.all_advice.find((f) => f.id === FINDING_IDS.templateAttribute);
      this.statistics.attribute(place, key, template ? String(template.context.template_name) : this.advisor.registryName(key), type, `${type}:${String(sample.value === '<redacted>' ? value : JSON.stringify(sample.value))}`);
      this.statistics.entity('attribute', sample.live_check_result);
      out.push(sample);
    }
    return out;
  }

  private entity(type: string, fields: Record<string, unknown>, findings: PolicyFinding[]): Record<string, unknown> {
    const result: LiveCheckResult = resultOf(findings);
    this.statistics.entity(type, result);
    return { ...fields, live_check_result: result };
  }

  private keep(sample: Sample): void {
    if (this.samples.length < this.maxSamples) this.samples.push(sample);
    else this.droppedSamples++;
  }
}

function finding(id: string, level: PolicyFinding['level'], context: Record<string, unknown>, message: string, signal: SignalRef): PolicyFinding {
  return { id, level, context, message, signal_type: signal.type, signal_name: signal.name };
}

/** Weaver's requirement-level check: registry attributes of the group absent from the sample. */
function requirementFindings(group: Group, attributes: SampleAttribute[], signal: SignalRef): PolicyFinding[] {
  const present = new Set(attributes.map((a) => a.name));
  const out: PolicyFinding[] = [];
  for (const ref of group.attributes) {
    if (present.has(ref.key)) continue;
    const level = ref.requirementLevel ?? 'recommended';
    const [id, findingLevel, label] =
      level === 'required' ? [FINDING_IDS.required, 'violation', 'Required'] as const
      : level === 'recommended' ? [FINDING_IDS.recommended, 'improvement', 'Recommended'] as const
      : level === 'opt_in' ? [FINDING_IDS.optIn, 'information', 'Opt-in'] as const
      : [FINDING_IDS.conditionallyRequired, 'information', 'Conditionally required'] as const;
    out.push(finding(id, findingLevel, { attribute_key: ref.key }, `${label} attribute '${ref.key}' is not present.`, signal));
  }
  return out;
}
