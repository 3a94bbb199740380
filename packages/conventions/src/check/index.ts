import { sortFindings, type Finding, type FindingLevel } from '../findings.js';
import { namespaceOf, type ResolvedRegistry } from '../model.js';
import { RULES, type RuleContext } from './rules.js';

export { RULES, isIdentityLike, suggestKey, type Rule } from './rules.js';

export interface CheckResult {
  findings: Finding[];
  counts: Record<FindingLevel, number>;
}

/**
 * Runs every policy over a resolved registry, adds the findings resolution already made, and
 * applies the manifest's level overrides (`off` drops a rule).
 */
export function checkRegistry(registry: ResolvedRegistry, earlier: Finding[] = []): CheckResult {
  const org = registry.attributes.filter((a) => a.origin === 'org');
  const upstream = registry.attributes.filter((a) => a.origin === 'upstream');
  const context: RuleContext = {
    registry,
    org,
    keys: new Set(registry.attributes.map((a) => a.key)),
    otelNamespaces: new Set(upstream.map((a) => namespaceOf(a.key))),
    upstreamTemplates: upstream.filter((a) => a.type.kind === 'template').map((a) => a.key),
    governed: registry.manifest.namespaces.length > 0
      || registry.attributes.some((a) => a.owner !== undefined || a.sensitivity !== undefined || a.aliases.length > 0 || a.refinedAt !== undefined),
  };
  const overrides = registry.manifest.policies;
  const findings: Finding[] = [];
  for (const finding of [...earlier, ...RULES.flatMap((rule) => rule.run(context))]) {
    const level = overrides[finding.id];
    if (level === 'off') continue;
    findings.push(level ? { ...finding, level } : finding);
  }
  const sorted = sortFindings(findings);
  const counts: Record<FindingLevel, number> = { error: 0, warning: 0, info: 0 };
  for (const finding of sorted) counts[finding.level]++;
  return { findings: sorted, counts };
}

/** Findings that mean the input could not be read as a registry at all. */
export function isLoadFinding(finding: Finding): boolean {
  return finding.id.startsWith('yaml.') || finding.id.startsWith('schema.');
}
