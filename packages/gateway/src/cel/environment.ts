// The CEL environment for spans: one set of types and variables for sampling rules, tail rules
// and SLO indicators (docs/cel.md). Field access on these types reads the lazy values of
// values.ts, so an expression decodes only what it names.
import { Environment } from '@marcbachmann/cel-js';
import { EventValue, LinkValue, ScopeValue, SpanValue, StatusValue } from './values.js';
import { TraceValue } from './trace-value.js';
import { registerTraceHelpers } from './trace-helpers.js';

// Parse-time limits: an expression comes from the operator's config, not from tenants, but a
// typo should not build a deep AST either.
const LIMITS = { maxAstNodes: 2000, maxDepth: 48, maxListElements: 512, maxMapEntries: 256, maxCallArguments: 8 };

const SPAN_FIELDS = {
  name: 'string',
  kind: 'int',
  status: 'CairnStatus',
  duration_ms: 'double',
  start_time: 'google.protobuf.Timestamp',
  end_time: 'google.protobuf.Timestamp',
  trace_id: 'string',
  span_id: 'string',
  parent_span_id: 'string',
  trace_state: 'string',
  is_root: 'bool',
  attributes: 'map<string, dyn>',
  events: 'list<CairnEvent>',
  links: 'list<CairnLink>',
  resource: 'map<string, dyn>',
  scope: 'CairnScope',
} as const;

function base(): Environment {
  return new Environment({ limits: LIMITS, homogeneousAggregateLiterals: false })
    .registerType('CairnStatus', { ctor: StatusValue, fields: { code: 'int', message: 'string' } })
    .registerType('CairnScope', { ctor: ScopeValue, fields: { name: 'string', version: 'string', attributes: 'map<string, dyn>' } })
    .registerType('CairnEvent', { ctor: EventValue, fields: { name: 'string', time: 'google.protobuf.Timestamp', attributes: 'map<string, dyn>' } })
    .registerType('CairnLink', { ctor: LinkValue, fields: { trace_id: 'string', span_id: 'string', trace_state: 'string', attributes: 'map<string, dyn>' } })
    .registerType('CairnSpan', { ctor: SpanValue, fields: SPAN_FIELDS });
}

/** `resource`, `scope`, `span`: one span. */
export const spanEnvironment = base()
  .registerVariable('resource', 'map<string, dyn>')
  .registerVariable('scope', 'CairnScope')
  .registerVariable('span', 'CairnSpan');

/** `trace`: a whole trace (tail rules). */
export const traceEnvironment = registerTraceHelpers(
  base().registerType('CairnTrace', { ctor: TraceValue, fields: { spans: 'list<CairnSpan>', root: 'CairnSpan', span_count: 'int' } }),
).registerVariable('trace', 'CairnTrace');
