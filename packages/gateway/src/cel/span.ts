// Span expressions (sampling rules, SLO indicators) and the reusable contexts they run against.
import type { TracesView } from '@cairn/otlp';
import { spanEnvironment } from './environment.js';
import { CompiledExpression } from './compile.js';
import { mergeReads, type Reads } from './reads.js';
import { BatchValues, SpanValue, type Wanted } from './values.js';

/** What a span expression sees: `resource`, `scope`, `span` (docs/cel.md). */
export interface SpanContext {
  readonly resource: Map<string, unknown>;
  readonly scope: object;
  readonly span: SpanValue;
}

export interface SpanExpression {
  readonly expression: string;
  readonly path: string;
  /** Attribute keys read, per place (sorted); `wildcard` lists the places read as whole maps. */
  readonly reads: Reads;
  /** true or false, or 'absent' when a key or field it read is missing. Throws CelRuntimeError. */
  evaluate(ctx: SpanContext): boolean | 'absent';
}

/** Compiles once; throws CelExpressionError (code CAIRN_CEL_EXPRESSION, message starting with `path`). */
export function compileSpanExpression(expression: string, path: string): SpanExpression {
  return new CompiledExpression<SpanContext>(spanEnvironment, expression, path);
}

/** The keys to decode for expressions with these reads. */
export function wantedFor(reads: Reads): Wanted {
  const want = (place: 'resource' | 'scope' | 'span', keys: string[]): ReadonlySet<string> | undefined =>
    reads.wildcard.includes(place) ? undefined : new Set(keys);
  return { resource: want('resource', reads.resource), scope: want('scope', reads.scope), span: want('span', reads.span) };
}

/**
 * The context of span `i` of a traces view, reused from span to span: `at(i)` moves one span
 * value and one context object, and maps are decoded only when read, with only the keys the
 * expressions given to the constructor read. Make one per thread (or per sampler) and `reset`
 * it per batch.
 */
/** The object an expression evaluates against; `resource` and `scope` are looked up only when named. */
class LiveContext implements SpanContext {
  constructor(private readonly batch: BatchValues, readonly span: SpanValue) {}
  get resource(): Map<string, unknown> { return this.batch.resource(this.span.cursor.resourceIndex); }
  get scope(): object { return this.batch.scope(this.span.cursor.scopeIndex); }
}

/**
 * The context of span `i` of a traces view, reused from span to span: `at(i)` moves one span
 * value, and maps are decoded only when read, with only the keys the expressions given to the
 * constructor read. Make one per thread (or per sampler) and `reset` it per batch.
 */
export class SpanContexts {
  private readonly batch: BatchValues;
  private context: LiveContext | undefined;

  constructor(expressions: readonly SpanExpression[]) {
    this.batch = new BatchValues(wantedFor(mergeReads(expressions.map((e) => e.reads))));
  }

  /** Starts a batch. */
  reset(view: TracesView): void {
    this.batch.reset(view);
    this.context = new LiveContext(this.batch, new SpanValue(this.batch, view.spans()));
  }

  /** The context of span `i` (valid until the next `at` or `reset`). */
  at(i: number): SpanContext {
    const context = this.context;
    if (context === undefined) throw new Error('SpanContexts.at before reset');
    context.span.cursor.seek(i);
    context.span.rebind();
    return context;
  }
}
