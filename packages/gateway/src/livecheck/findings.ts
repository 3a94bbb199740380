/** Weaver's live-check finding levels, lowest first: the order `--fail-on` compares in. */
export const LEVELS = ['information', 'improvement', 'violation'] as const;
export type FindingLevel = (typeof LEVELS)[number];

/** Weaver's `signal_type`: the signal a finding belongs to. */
export type SignalType = 'span' | 'resource' | 'metric' | 'log';

/**
 * One finding, field for field as Weaver's live-check writes a `PolicyFinding`, so tools written
 * for its report read ours. `context` carries the structured details (`attribute_key`, and
 * Cairn's `canonical` / `suggestion` where one exists).
 */
export interface PolicyFinding {
  id: string;
  level: FindingLevel;
  context: Record<string, unknown>;
  message: string;
  signal_type: SignalType | null;
  signal_name: string | null;
}

export interface LiveCheckResult {
  all_advice: PolicyFinding[];
  highest_advice_level: FindingLevel | null;
}

export function levelRank(level: FindingLevel): number {
  return LEVELS.indexOf(level);
}

export function resultOf(findings: PolicyFinding[]): LiveCheckResult {
  let highest: FindingLevel | null = null;
  for (const f of findings) if (highest === null || levelRank(f.level) > levelRank(highest)) highest = f.level;
  return { all_advice: findings, highest_advice_level: highest };
}

/** The finding ids this checker emits; the Weaver ones keep Weaver's meaning and level. */
export const FINDING_IDS = {
  missingAttribute: 'missing_attribute',
  templateAttribute: 'template_attribute',
  deprecated: 'deprecated',
  typeMismatch: 'type_mismatch',
  notStable: 'not_stable',
  undefinedEnumVariant: 'undefined_enum_variant',
  missingMetric: 'missing_metric',
  missingEvent: 'missing_event',
  unitMismatch: 'unit_mismatch',
  unexpectedInstrument: 'unexpected_instrument',
  required: 'required_attribute_not_present',
  recommended: 'recommended_attribute_not_present',
  optIn: 'opt_in_attribute_not_present',
  conditionallyRequired: 'conditionally_required_attribute_not_present',
  missingNamespace: 'missing_namespace',
  invalidFormat: 'invalid_format',
  illegalNamespace: 'illegal_namespace',
  extendsNamespace: 'extends_namespace',
  /** Cairn's own: a value detector found personal data in an attribute not declared `pii`. */
  undeclaredPii: 'undeclared_pii',
} as const;
