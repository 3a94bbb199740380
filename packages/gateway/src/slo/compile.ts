// The SLO indicators' CEL, compiled with the shared span environment (cel/), and what governance
// reads from it: the attribute keys each expression reads (`cairn validate` checks them against
// the registry; insufficient instrumentation watches the ones `good` reads).
import type { ResolvedRegistry } from '@cairn/conventions';
import { CelExpressionError, compileSpanExpression, type SpanExpression } from '../cel/index.js';
import type { BrokenSlo, SloDefinition, SloSet } from './definition.js';

export interface CompiledIndicator {
  where: SpanExpression;
  good: SpanExpression;
}

/** Compiles both expressions; throws CelExpressionError naming the SLO file, line and field. */
export function compileIndicator(def: SloDefinition): CompiledIndicator {
  return {
    where: compileSpanExpression(def.indicator.where, def.indicator.wherePath),
    good: compileSpanExpression(def.indicator.good, def.indicator.goodPath),
  };
}

/** The SLOs whose CEL does not compile: each reported and disabled alone. */
export function compileSlos(defs: readonly SloDefinition[]): BrokenSlo[] {
  const broken: BrokenSlo[] = [];
  for (const def of defs) {
    try {
      compileIndicator(def);
    } catch (error) {
      if (!(error instanceof CelExpressionError)) throw error;
      broken.push({ name: def.name, service: def.service, location: def.location, error: `${error.code}: ${error.message}` });
    }
  }
  return broken;
}

/**
 * The span attribute keys each SLO's `where` and `good` read, for the inventory's reports: which
 * SLOs read a field (`cairn report`) and which fields an SLO needed that a service did not send
 * (`cairn gaps`). SLOs whose CEL does not compile read nothing.
 */
export function sloReadsOf(set: SloSet | undefined): { slo: string; service: string | null; keys: string[] }[] {
  const out: { slo: string; service: string | null; keys: string[] }[] = [];
  for (const def of set?.slos ?? []) {
    let compiled: CompiledIndicator;
    try {
      compiled = compileIndicator(def);
    } catch {
      continue;
    }
    out.push({ slo: def.name, service: def.service, keys: [...new Set([...compiled.where.reads.span, ...compiled.good.reads.span])].sort() });
  }
  return out;
}

/** A key an expression reads, as written in CEL: `span.attributes["k"]`, `resource["k"]`, `scope.attributes["k"]`. */
export function readLabels(e: SpanExpression): { place: 'resource' | 'scope' | 'span'; key: string; label: string }[] {
  const label = (place: string, key: string) => (place === 'resource' ? `resource[${JSON.stringify(key)}]` : `${place}.attributes[${JSON.stringify(key)}]`);
  return (['resource', 'scope', 'span'] as const).flatMap((place) => e.reads[place].map((key) => ({ place, key, label: label(place, key) })));
}

export interface SloRegistryProblem {
  slo: string;
  location: string;
  expression: string;
  /** `where` or `good`. */
  field: 'where' | 'good';
  key: string;
  message: string;
}

/**
 * Keys the SLOs read that the registry does not define (`cairn validate` fails on them). An
 * alias is reported too: the gateway rewrites it to its canonical key before SLOs see it, so an
 * SLO reading the alias would never find it.
 */
export function sloRegistryProblems(defs: readonly SloDefinition[], registry: ResolvedRegistry): SloRegistryProblem[] {
  const known = new Set(registry.attributes.map((a) => a.key));
  const templates = registry.attributes.filter((a) => String(a.type).startsWith('template')).map((a) => `${a.key}.`);
  const out: SloRegistryProblem[] = [];
  for (const def of defs) {
    let compiled: CompiledIndicator;
    try {
      compiled = compileIndicator(def);
    } catch {
      continue; // reported by compileSlos
    }
    for (const field of ['where', 'good'] as const) {
      const e = compiled[field];
      for (const r of readLabels(e)) {
        if (known.has(r.key) || templates.some((t) => r.key.startsWith(t))) continue;
        const canonical = registry.aliases[r.key];
        out.push({
          slo: def.name, location: def.location, expression: e.expression, field, key: r.key,
          message: canonical
            ? `SLO ${def.name}: ${field} \`${e.expression}\` reads ${r.label}, an alias of ${canonical}: the gateway renames it before SLOs see it; read ${canonical}`
            : `SLO ${def.name}: ${field} \`${e.expression}\` reads ${r.label}, which is not in the registry`,
        });
      }
    }
  }
  return out;
}
