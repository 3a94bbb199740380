import { Environment } from '@marcbachmann/cel-js';
import { ValueType, type AnyValue, type BatchView, type Signal } from '@cairn/otlp';
import type { DestinationConfig } from '../config/types.js';

const env = new Environment({ limits: { maxAstNodes: 1000, maxDepth: 32, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 8 } })
  .registerVariable('resource', 'map<string, dyn>');

type Condition = (context: { resource: Record<string, unknown> }) => unknown;

/** A `when` that does not compile or is not boolean; the message names the config path. */
export class RouteConditionError extends Error {
  readonly code = 'CAIRN_ROUTE_CONDITION';
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
  }
}

/** Compiles a destination's CEL `when` once; the compiled form runs per resource. */
export function compileCondition(expression: string, path: string): Condition {
  let parsed;
  try {
    parsed = env.parse(expression);
  } catch (error) {
    throw new RouteConditionError(path, `is not valid CEL: ${firstLine((error as Error).message)}`);
  }
  const checked = parsed.check();
  if (!checked.valid) throw new RouteConditionError(path, `does not type-check: ${firstLine(checked.error?.message ?? 'type error')}`);
  if (checked.type !== 'bool' && checked.type !== 'dyn') throw new RouteConditionError(path, `must be a boolean condition, but is ${checked.type}`);
  return parsed as unknown as Condition;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/** Resource attributes as CEL sees them: ints as CEL ints (bigint), arrays and kvlists as lists and maps. */
export function celValue(value: AnyValue): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(celValue);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, celValue(v)]));
  return value;
}

export interface Route {
  destination: DestinationConfig;
  /** Resource indexes to send, or 'all' when every resource matched (the batch goes as is). */
  resources: 'all' | number[];
}

/**
 * Decides, per resource, which destinations get it. A destination without `when` takes every
 * resource of the signals it accepts. A condition that fails at run time (a missing key, a type
 * mismatch) counts as false for that resource and is counted, never thrown.
 */
export class Router {
  private readonly conditions: { destination: DestinationConfig; condition?: Condition }[];
  conditionErrors = 0;

  constructor(destinations: readonly DestinationConfig[]) {
    this.conditions = destinations.map((destination) =>
      destination.when === undefined ? { destination } : { destination, condition: compileCondition(destination.when, `destinations.${destination.name}.when`) },
    );
  }

  route(view: BatchView, signal: Signal): Route[] {
    const count = view.resourceCount;
    // Built once, and only when a condition is about to run on this signal.
    let resources: Record<string, unknown>[] | undefined;
    const routes: Route[] = [];
    for (const { destination, condition } of this.conditions) {
      if (!destination.signals.includes(signal)) continue;
      if (!condition) {
        routes.push({ destination, resources: 'all' });
        continue;
      }
      resources ??= resourceContexts(view);
      const matched: number[] = [];
      for (let r = 0; r < count; r++) {
        let result: unknown;
        try {
          result = condition({ resource: resources[r]! });
        } catch {
          this.conditionErrors++;
          result = false;
        }
        if (result === true) matched.push(r);
      }
      if (matched.length === count) routes.push({ destination, resources: 'all' });
      else if (matched.length > 0) routes.push({ destination, resources: matched });
    }
    return routes;
  }
}

/**
 * Resource attributes as CEL reads them. The decoder refused any resource with a key twice or a
 * non-string `service.name`, so there is one value per key and `resource['service.name']` is the
 * very string `view.serviceName(r)` gave the ownership check.
 */
function resourceContexts(view: BatchView): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (view.resourceCount === 0) return out;
  const cursor = view.resourceAttributes(0);
  for (let r = 0; r < view.resourceCount; r++) {
    const attributes: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    view.resourceAttributes(r, cursor);
    while (cursor.next()) attributes[cursor.key] = cursor.valueType === ValueType.Empty ? null : celValue(cursor.value);
    if (attributes['service.name'] !== undefined && attributes['service.name'] !== view.serviceName(r)) {
      throw new Error(`router: resource ${r} reads two service.name values; the decoder should have refused it`);
    }
    out.push(attributes);
  }
  return out;
}
