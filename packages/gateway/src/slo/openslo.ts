// OpenSLO v1 documents → SloDefinition. Kinds SLO, SLI, AlertPolicy, AlertCondition and
// AlertNotificationTarget, inline or referenced by name across every file `slos:` names. What
// Cairn cannot evaluate (a Prometheus SLI, a DataSource, an `lt` burn-rate condition) becomes a
// CAIRN_SLO_UNSUPPORTED problem naming file:line and field; that SLO is listed as broken, the
// others load. Never throws.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { locator, type Locate } from '../config/locate.js';
import { AnnotationError, annotationsOf, parseAlertList, parseCount, parseExhaustion, parseShare } from './annotations.js';
import {
  DEFAULT_INSUFFICIENT_SHARE, DEFAULT_MIN_EVENTS, WORKBOOK_ALERTS,
  type AlertRule, type NotificationTarget, type SloDefinition, type SloProblem, type SloSet, type SloWindow,
} from './definition.js';
import { calendarDuration, durationMinutes, formatMinutes } from './duration.js';

type Path = (string | number)[];
type Obj = Record<string, unknown>;

/** One YAML document of an SLO file, with what is needed to point at its lines. */
interface Doc {
  kind: string;
  name: string;
  value: Obj;
  file: string;
  locate: Locate;
}

const KINDS = ['SLO', 'SLI', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget'];
/** Kinds that carry nothing Cairn evaluates but are valid OpenSLO: accepted silently. */
const IGNORED = ['Service'];

/** Thrown inside one SLO's resolution; becomes that SLO's error. */
class SloFault extends Error {
  constructor(readonly problem: SloProblem) {
    super(problem.message);
  }
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads `files` (already expanded from globs) as OpenSLO v1. */
export function loadSloFiles(files: readonly string[]): SloSet {
  const texts = files.map((file) => {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (error) {
      return { file, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
  });
  const problems: SloProblem[] = [];
  const inputs: { file: string; text: string }[] = [];
  for (const t of texts) {
    if ('error' in t) problems.push({ code: 'CAIRN_SLO_FILE', location: t.file, field: '', message: `cannot read ${t.file}: ${t.error}` });
    else inputs.push({ file: t.file, text: t.text! });
  }
  const set = parseSloTexts(inputs);
  return { ...set, files: [...files], problems: [...problems, ...set.problems] };
}

/** The same from texts (tests, replay). */
export function parseSloTexts(inputs: readonly { file: string; text: string }[]): SloSet {
  const problems: SloProblem[] = [];
  const docs: Doc[] = [];
  for (const { file, text } of inputs) docs.push(...documentsOf(file, text, problems));
  const byKind = new Map<string, Map<string, Doc>>();
  for (const d of docs) {
    let names = byKind.get(d.kind);
    if (!names) byKind.set(d.kind, (names = new Map()));
    if (names.has(d.name)) {
      problems.push({ code: 'CAIRN_SLO_INVALID', location: d.locate(['metadata', 'name']) ?? d.file, field: `${d.kind} ${d.name}.metadata.name`, message: `a second ${d.kind} named ${d.name} (the first is at ${names.get(d.name)!.locate(['metadata', 'name'])}); names are unique per kind` });
      continue;
    }
    names.set(d.name, d);
  }
  const set: SloSet = { files: inputs.map((i) => i.file), slos: [], broken: [], problems };
  for (const d of byKind.get('SLO')?.values() ?? []) {
    try {
      set.slos.push(new SloReader(d, byKind).read());
    } catch (error) {
      if (!(error instanceof SloFault)) throw error;
      problems.push(error.problem);
      const service = d.value.spec && isObj(d.value.spec) && typeof d.value.spec.service === 'string' ? d.value.spec.service : null;
      set.broken.push({ name: d.name, service, location: d.locate([]) ?? d.file, error: `${error.problem.code === 'CAIRN_SLO_UNSUPPORTED' ? 'unsupported' : error.problem.code}: ${error.problem.location}: ${error.problem.field}: ${error.problem.message}` });
    }
  }
  return set;
}

function documentsOf(file: string, text: string, problems: SloProblem[]): Doc[] {
  const lines = new LineCounter();
  let parsed: Document[];
  try {
    parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }) as Document[];
  } catch (error) {
    problems.push({ code: 'CAIRN_SLO_FILE', location: `${file}:1:1`, field: '', message: `not YAML: ${(error as Error).message.split('\n')[0]}` });
    return [];
  }
  if (!Array.isArray(parsed)) parsed = [parsed as unknown as Document];
  const out: Doc[] = [];
  parsed.forEach((doc, index) => {
    const locate = locator(doc, lines, file);
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lines.linePos(e.pos[0]);
        problems.push({ code: 'CAIRN_SLO_FILE', location: `${file}:${pos.line}:${pos.col}`, field: `document ${index + 1}`, message: e.message.split('\n')[0]! });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      problems.push({ code: 'CAIRN_SLO_FILE', location: locate([]) ?? file, field: `document ${index + 1}`, message: (error as Error).message.split('\n')[0]! });
      return;
    }
    if (value === null || value === undefined) return;
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      const prefix: Path = Array.isArray(value) ? [i] : [];
      const at: Locate = (path, atKey) => locate([...prefix, ...path], atKey);
      const where = at([]) ?? file;
      if (!isObj(item)) {
        problems.push({ code: 'CAIRN_SLO_INVALID', location: where, field: `document ${index + 1}`, message: 'an OpenSLO document is a mapping with apiVersion, kind, metadata and spec' });
        return;
      }
      const kind = typeof item.kind === 'string' ? item.kind : '';
      const name = isObj(item.metadata) && typeof item.metadata.name === 'string' ? item.metadata.name : '';
      const label = `${kind || 'document'} ${name || `#${index + 1}`}`;
      if (item.apiVersion !== 'openslo/v1') {
        problems.push({ code: 'CAIRN_SLO_UNSUPPORTED', location: at(['apiVersion']) ?? where, field: `${label}.apiVersion`, message: `${JSON.stringify(item.apiVersion ?? null)}: Cairn reads openslo/v1` });
        return;
      }
      if (IGNORED.includes(kind)) return;
      if (!KINDS.includes(kind)) {
        problems.push({ code: 'CAIRN_SLO_UNSUPPORTED', location: at(['kind']) ?? where, field: `${label}.kind`, message: `kind ${JSON.stringify(kind)}: Cairn evaluates ${KINDS.join(', ')} (a ${kind || 'document'} is not needed: SLIs are computed from the spans the gateway receives)` });
        return;
      }
      if (!name) {
        problems.push({ code: 'CAIRN_SLO_INVALID', location: at(['metadata']) ?? where, field: `${label}.metadata.name`, message: 'every OpenSLO document needs metadata.name' });
        return;
      }
      out.push({ kind, name, value: item, file, locate: at });
    });
  });
  return out;
}

/** Resolves one SLO document and everything it references. */
class SloReader {
  private readonly annotations: Record<string, string>;
  private readonly minEvents: number;

  constructor(private readonly doc: Doc, private readonly byKind: Map<string, Map<string, Doc>>) {
    this.annotations = annotationsOf(doc.value.metadata);
    this.minEvents = this.annotation('cairn/min-events', (k, v) => parseCount(k, v), DEFAULT_MIN_EVENTS);
  }

  private fault(code: SloProblem['code'], doc: Doc, path: Path, message: string): SloFault {
    return new SloFault({ code, location: doc.locate(path) ?? doc.file, field: `${doc.kind} ${doc.name}.${path.join('.') || '<root>'}`, message });
  }

  private annotation<T>(key: string, parse: (key: string, value: string) => T, fallback: T): T {
    const value = this.annotations[key];
    if (value === undefined) return fallback;
    try {
      return parse(key, value);
    } catch (error) {
      if (error instanceof AnnotationError) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['metadata', 'annotations', key], error.message);
      throw error;
    }
  }

  read(): SloDefinition {
    const { doc } = this;
    const spec = doc.value.spec;
    if (!isObj(spec)) throw this.fault('CAIRN_SLO_INVALID', doc, ['spec'], 'an SLO needs a spec');
    const indicator = this.indicator(spec);
    const { objective, timeslice } = this.objective(spec);
    const window = this.window(spec);
    const budgeting = spec.budgetingMethod ?? 'Occurrences';
    if (budgeting !== 'Occurrences' && budgeting !== 'Timeslices') {
      throw this.fault(budgeting === 'RatioTimeslices' ? 'CAIRN_SLO_UNSUPPORTED' : 'CAIRN_SLO_INVALID', doc, ['spec', 'budgetingMethod'], `${JSON.stringify(budgeting)}: Cairn budgets Occurrences or Timeslices`);
    }
    if (budgeting === 'Timeslices' && !timeslice) throw this.fault('CAIRN_SLO_INVALID', doc, ['spec', 'objectives', 0], 'Timeslices budgeting needs timeSliceTarget (0..1) and timeSliceWindow (e.g. 1m)');
    const targets = new Map<string, NotificationTarget>();
    const alerts = this.alerts(spec, targets);
    const definition: SloDefinition = {
      name: doc.name,
      service: typeof spec.service === 'string' ? spec.service : null,
      objective,
      window,
      budgeting,
      indicator,
      alerts,
      targets: [...targets.values()],
      insufficientShare: this.annotation('cairn/insufficient-share', parseShare, DEFAULT_INSUFFICIENT_SHARE),
      location: doc.locate([]) ?? doc.file,
      fingerprint: '',
    };
    if (typeof spec.description === 'string') definition.description = spec.description;
    if (budgeting === 'Timeslices') definition.timeslice = timeslice!;
    definition.fingerprint = createHash('sha256').update(JSON.stringify([indicator.where, indicator.good, objective, budgeting, timeslice ?? null, window])).digest('hex').slice(0, 16);
    return definition;
  }

  private indicator(spec: Obj): SloDefinition['indicator'] {
    let sli: Doc;
    let at: Path;
    if (spec.indicator !== undefined) {
      if (!isObj(spec.indicator)) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'indicator'], 'an inline SLI is a mapping with metadata and spec');
      const name = isObj(spec.indicator.metadata) && typeof spec.indicator.metadata.name === 'string' ? spec.indicator.metadata.name : `${this.doc.name}-indicator`;
      sli = { ...this.doc, kind: 'SLO', value: spec.indicator };
      at = ['spec', 'indicator'];
      return this.spans(sli, at, name);
    }
    if (typeof spec.indicatorRef !== 'string') throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec'], 'an SLO needs spec.indicator (inline SLI) or spec.indicatorRef (the name of an SLI)');
    const ref = this.byKind.get('SLI')?.get(spec.indicatorRef);
    if (!ref) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'indicatorRef'], `no SLI named ${spec.indicatorRef} in the SLO files`);
    return this.spans(ref, [], ref.name);
  }

  /** The Cairn span indicator: `spec.spans.where` / `spec.spans.good` (CEL). */
  private spans(sli: Doc, at: Path, name: string): SloDefinition['indicator'] {
    const spec = (sli.value as Obj).spec;
    if (!isObj(spec)) throw this.fault('CAIRN_SLO_INVALID', sli, [...at, 'spec'], 'an SLI needs a spec');
    for (const metric of ['ratioMetric', 'thresholdMetric']) {
      if (spec[metric] === undefined) continue;
      const sourceType = findSourceType(spec[metric]);
      throw this.fault('CAIRN_SLO_UNSUPPORTED', sli, [...at, 'spec', metric], `${sourceType ? `data source ${sourceType}: ` : ''}Cairn computes SLIs from the telemetry passing through the gateway, not from a metrics backend; write spec.spans.where and spec.spans.good in CEL`);
    }
    if (spec.logs !== undefined) throw this.fault('CAIRN_SLO_UNSUPPORTED', sli, [...at, 'spec', 'logs'], 'log-record indicators are not evaluated yet; use spec.spans');
    const spans = spec.spans;
    if (!isObj(spans)) throw this.fault('CAIRN_SLO_INVALID', sli, [...at, 'spec'], 'a Cairn SLI has spec.spans with `where` and `good` (CEL over the span environment, docs/cel.md)');
    const where = spans.where ?? 'true';
    if (typeof where !== 'string') throw this.fault('CAIRN_SLO_INVALID', sli, [...at, 'spec', 'spans', 'where'], 'must be a CEL expression (a string)');
    if (typeof spans.good !== 'string') throw this.fault('CAIRN_SLO_INVALID', sli, [...at, 'spec', 'spans', 'good'], 'must be a CEL expression (a string) that is true for a good event');
    const base = `${sli.locate([...at, 'spec', 'spans']) ?? sli.file}: ${sli.kind} ${sli.name}`;
    return { name, where, good: spans.good, wherePath: `${base}.${[...at, 'spec', 'spans', 'where'].join('.')}`, goodPath: `${base}.${[...at, 'spec', 'spans', 'good'].join('.')}` };
  }

  private objective(spec: Obj): { objective: number; timeslice?: { minutes: number; target: number } } {
    const objectives = spec.objectives;
    if (!Array.isArray(objectives) || objectives.length === 0) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'objectives'], 'an SLO needs objectives: [{ target: 0.999 }]');
    if (objectives.length > 1) throw this.fault('CAIRN_SLO_UNSUPPORTED', this.doc, ['spec', 'objectives', 1], 'Cairn evaluates one objective per SLO; write one SLO per objective');
    const o = objectives[0];
    if (!isObj(o)) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'objectives', 0], 'an objective is a mapping with target');
    const target = typeof o.target === 'number' ? o.target : typeof o.targetPercent === 'number' ? o.targetPercent / 100 : undefined;
    if (target === undefined || !(target > 0 && target < 1)) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'objectives', 0, o.target === undefined && o.targetPercent !== undefined ? 'targetPercent' : 'target'], 'needs a target between 0 and 1, exclusive (or targetPercent between 0 and 100)');
    if (o.timeSliceTarget === undefined && o.timeSliceWindow === undefined) return { objective: target };
    const minutes = durationMinutes(o.timeSliceWindow);
    if (!minutes) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'objectives', 0, 'timeSliceWindow'], 'must be a whole number of minutes or more (1m, 5m, 1h): counts are kept per minute');
    const sliceTarget = o.timeSliceTarget;
    if (typeof sliceTarget !== 'number' || !(sliceTarget > 0 && sliceTarget <= 1)) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'objectives', 0, 'timeSliceTarget'], 'must be a number in (0, 1]');
    return { objective: target, timeslice: { minutes, target: sliceTarget } };
  }

  private window(spec: Obj): SloWindow {
    const windows = spec.timeWindow;
    if (!Array.isArray(windows) || windows.length !== 1 || !isObj(windows[0])) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'timeWindow'], 'needs exactly one time window: [{ duration: 28d, isRolling: true }]');
    const w = windows[0];
    const path: Path = ['spec', 'timeWindow', 0];
    if (w.isRolling !== false) {
      const minutes = durationMinutes(w.duration);
      if (!minutes) throw this.fault('CAIRN_SLO_INVALID', this.doc, [...path, 'duration'], `${JSON.stringify(w.duration ?? null)} is not a rolling duration such as 7d, 28d or 30d`);
      return { kind: 'rolling', minutes, text: formatMinutes(minutes) };
    }
    const d = calendarDuration(w.duration);
    if (!d) throw this.fault('CAIRN_SLO_INVALID', this.doc, [...path, 'duration'], `${JSON.stringify(w.duration ?? null)} is not a calendar duration such as 1d, 1w, 1M, 1Q or 1Y`);
    const calendar = isObj(w.calendar) ? w.calendar : {};
    const zone = calendar.timeZone ?? 'UTC';
    if (zone !== 'UTC' && zone !== 'Etc/UTC') throw this.fault('CAIRN_SLO_UNSUPPORTED', this.doc, [...path, 'calendar', 'timeZone'], `${JSON.stringify(zone)}: calendar windows are computed in UTC`);
    const startText = calendar.startTime ?? '1970-01-01 00:00:00';
    const startMs = typeof startText === 'string' ? Date.parse(`${startText.replace(' ', 'T')}${/Z|[+-]\d\d:?\d\d$/.test(startText) ? '' : 'Z'}`) : NaN;
    if (!Number.isFinite(startMs)) throw this.fault('CAIRN_SLO_INVALID', this.doc, [...path, 'calendar', 'startTime'], 'must be a time such as "2024-01-01 00:00:00"');
    return { kind: 'calendar', unit: d.unit, count: d.count, startMs, text: `${d.count}${d.unit} calendar` };
  }

  private alerts(spec: Obj, targets: Map<string, NotificationTarget>): AlertRule[] {
    const notify = (this.annotations['cairn/notify'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    for (const name of notify) this.target(this.doc, ['metadata', 'annotations', 'cairn/notify'], name, targets);
    const alerts: AlertRule[] = [];
    const policies = spec.alertPolicies;
    const list = this.annotations['cairn/alerts'];
    if (list !== undefined) alerts.push(...this.annotation('cairn/alerts', (_k, v) => parseAlertList(v, this.minEvents, notify), []));
    if (Array.isArray(policies)) policies.forEach((p, i) => alerts.push(...this.policy(p, ['spec', 'alertPolicies', i], targets)));
    else if (policies !== undefined) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'alertPolicies'], 'must be a list of AlertPolicy (inline) or { alertPolicyRef: name }');
    if (list === undefined && policies === undefined) {
      for (const a of WORKBOOK_ALERTS) alerts.push(...parseAlertList(`${a.name} ${a.severity} ${a.long}/${a.short} ${a.threshold}`, this.minEvents, notify));
    }
    const exhaustion = this.annotations['cairn/exhaustion'];
    if (exhaustion !== undefined) alerts.push(this.annotation('cairn/exhaustion', (_k, v) => parseExhaustion(v, this.minEvents, notify), alerts[0]!));
    const seen = new Set<string>();
    for (const a of alerts) {
      if (seen.has(a.name)) throw this.fault('CAIRN_SLO_INVALID', this.doc, ['spec', 'alertPolicies'], `two alerts named ${a.name}: alert names are unique per SLO`);
      seen.add(a.name);
    }
    return alerts;
  }

  private resolve(raw: unknown, kind: string, refKey: string, at: Path): Doc {
    if (isObj(raw) && typeof raw[refKey] === 'string') {
      const ref = this.byKind.get(kind)?.get(raw[refKey]);
      if (!ref) throw this.fault('CAIRN_SLO_INVALID', this.doc, [...at, refKey], `no ${kind} named ${raw[refKey]} in the SLO files`);
      return ref;
    }
    if (isObj(raw) && raw.kind === kind && isObj(raw.metadata) && typeof raw.metadata.name === 'string') {
      return { kind, name: raw.metadata.name, value: raw, file: this.doc.file, locate: (p, k) => this.doc.locate([...at, ...p], k) };
    }
    throw this.fault('CAIRN_SLO_INVALID', this.doc, at, `must be an inline ${kind} (kind, metadata.name, spec) or { ${refKey}: name }`);
  }

  private policy(raw: unknown, at: Path, targets: Map<string, NotificationTarget>): AlertRule[] {
    const policy = this.resolve(raw, 'AlertPolicy', 'alertPolicyRef', at);
    const spec = policy.value.spec;
    if (!isObj(spec) || !Array.isArray(spec.conditions) || spec.conditions.length === 0) throw this.fault('CAIRN_SLO_INVALID', policy, ['spec', 'conditions'], 'an AlertPolicy needs conditions');
    const names: string[] = [];
    (Array.isArray(spec.notificationTargets) ? spec.notificationTargets : []).forEach((t, i) => {
      const target = this.resolve(t, 'AlertNotificationTarget', 'targetRef', ['spec', 'notificationTargets', i]);
      names.push(this.target(target, [], target.name, targets, target));
    });
    return spec.conditions.map((c, i) => this.condition(this.resolveIn(policy, c, i), names));
  }

  private resolveIn(policy: Doc, raw: unknown, i: number): Doc {
    const at: Path = ['spec', 'conditions', i];
    if (isObj(raw) && typeof raw.conditionRef === 'string') {
      const ref = this.byKind.get('AlertCondition')?.get(raw.conditionRef);
      if (!ref) throw this.fault('CAIRN_SLO_INVALID', policy, [...at, 'conditionRef'], `no AlertCondition named ${raw.conditionRef} in the SLO files`);
      return ref;
    }
    if (isObj(raw) && raw.kind === 'AlertCondition' && isObj(raw.metadata) && typeof raw.metadata.name === 'string') {
      return { kind: 'AlertCondition', name: raw.metadata.name, value: raw, file: policy.file, locate: (p, k) => policy.locate([...at, ...p], k) };
    }
    throw this.fault('CAIRN_SLO_INVALID', policy, at, 'must be an inline AlertCondition (kind, metadata.name, spec) or { conditionRef: name }');
  }

  /** A burnrate AlertCondition; `cairn/short-window` on its metadata makes it a multiwindow pair. */
  private condition(doc: Doc, targetNames: string[]): AlertRule {
    const spec = doc.value.spec;
    const c = isObj(spec) ? spec.condition : undefined;
    if (!isObj(spec) || !isObj(c)) throw this.fault('CAIRN_SLO_INVALID', doc, ['spec', 'condition'], 'an AlertCondition needs spec.condition');
    if (c.kind !== 'burnrate') throw this.fault('CAIRN_SLO_UNSUPPORTED', doc, ['spec', 'condition', 'kind'], `${JSON.stringify(c.kind ?? null)}: Cairn evaluates burnrate conditions`);
    if (c.op !== undefined && c.op !== 'gt' && c.op !== 'gte') throw this.fault('CAIRN_SLO_UNSUPPORTED', doc, ['spec', 'condition', 'op'], `${JSON.stringify(c.op)}: a burn-rate alert fires above its threshold (gt or gte)`);
    const long = durationMinutes(c.lookbackWindow);
    if (!long) throw this.fault('CAIRN_SLO_INVALID', doc, ['spec', 'condition', 'lookbackWindow'], 'must be a duration in whole minutes (5m, 1h, 3d)');
    if (typeof c.threshold !== 'number' || !(c.threshold > 0)) throw this.fault('CAIRN_SLO_INVALID', doc, ['spec', 'condition', 'threshold'], 'must be a burn rate > 0 (14.4 pages on 2% of a 30-day budget in an hour)');
    const forMinutes = c.alertAfter === undefined ? 0 : durationMinutes(c.alertAfter, true);
    if (forMinutes === undefined) throw this.fault('CAIRN_SLO_INVALID', doc, ['spec', 'condition', 'alertAfter'], 'must be a duration in whole minutes');
    const notes = annotationsOf(doc.value.metadata);
    // The Workbook's short window is 1/12 of the long one (1h/5m, 6h/30m, 3d/6h).
    const shortText = notes['cairn/short-window'];
    const short = shortText === undefined ? Math.max(1, Math.round(long / 12)) : durationMinutes(shortText);
    if (!short || short >= long) throw this.fault('CAIRN_SLO_INVALID', doc, ['metadata', 'annotations', 'cairn/short-window'], 'must be a duration shorter than lookbackWindow');
    let minEvents = this.minEvents;
    if (notes['cairn/min-events'] !== undefined) {
      try {
        minEvents = parseCount('cairn/min-events', notes['cairn/min-events']);
      } catch (error) {
        throw this.fault('CAIRN_SLO_INVALID', doc, ['metadata', 'annotations', 'cairn/min-events'], (error as Error).message);
      }
    }
    const severity = typeof spec.severity === 'string' ? spec.severity : 'page';
    return { kind: 'burn_rate', name: doc.name, severity, longMinutes: long, shortMinutes: short, long: formatMinutes(long), short: formatMinutes(short), threshold: c.threshold, forMinutes, minEvents, targets: targetNames };
  }

  /** An AlertNotificationTarget: spec.target webhook | slack | otlp, with cairn/url or cairn/destination. */
  private target(from: Doc, at: Path, name: string, targets: Map<string, NotificationTarget>, resolved?: Doc): string {
    const doc = resolved ?? this.byKind.get('AlertNotificationTarget')?.get(name);
    if (!doc) throw this.fault('CAIRN_SLO_INVALID', from, at, `no AlertNotificationTarget named ${name} in the SLO files`);
    const spec = isObj(doc.value.spec) ? doc.value.spec : {};
    const notes = annotationsOf(doc.value.metadata);
    const kind = spec.target;
    if (kind === 'webhook' || kind === 'slack') {
      const url = notes['cairn/url'];
      if (!url || !/^https?:\/\//.test(url)) throw this.fault('CAIRN_SLO_INVALID', doc, ['metadata', 'annotations', 'cairn/url'], `a ${kind} target needs the annotation cairn/url: http(s)://…`);
      targets.set(doc.name, { name: doc.name, kind: 'webhook', url, format: kind === 'slack' ? 'slack' : 'json', headers: {} });
    } else if (kind === 'otlp') {
      const destination = notes['cairn/destination'];
      if (!destination) throw this.fault('CAIRN_SLO_INVALID', doc, ['metadata', 'annotations', 'cairn/destination'], 'an otlp target needs the annotation cairn/destination: <a destination of cairn.yaml>');
      targets.set(doc.name, { name: doc.name, kind: 'otlp', destination });
    } else {
      throw this.fault('CAIRN_SLO_UNSUPPORTED', doc, ['spec', 'target'], `${JSON.stringify(kind ?? null)}: Cairn notifies a webhook, slack (a webhook with Slack's JSON) or otlp (log records to a destination)`);
    }
    return doc.name;
  }
}

/** `metricSource.type` anywhere under a metric SLI (Prometheus, Datadog…), for the message. */
function findSourceType(value: unknown, depth = 0): string | undefined {
  if (!isObj(value) || depth > 4) return undefined;
  if (isObj(value.metricSource) && typeof value.metricSource.type === 'string') return value.metricSource.type;
  for (const v of Object.values(value)) {
    const found = findSourceType(v, depth + 1);
    if (found) return found;
  }
  return undefined;
}
