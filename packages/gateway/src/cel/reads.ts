// The attribute keys an expression reads, found on its AST: `resource["k"]`, `resource.k`,
// `scope.attributes["k"]`, `span.attributes["k"]`, `"k" in span.attributes`, `has(span.attributes.k)`,
// the same through `span.resource`/`span.scope` and through trace-rule span variables
// (`trace.any(s, s.attributes["k"] …)`, `trace.root.attributes["k"]`). A map used any other way
// (`size(span.attributes)`, `span.attributes[someVar]`, `resource.exists(…)`) reads every key:
// `wildcard` says so, and the lazy contexts then decode the whole map.

export interface Reads {
  resource: string[];
  scope: string[];
  span: string[];
  /** Places whose map the expression reads as a whole (every key). */
  wildcard: Place[];
  /**
   * Fields read off a span other than its attribute maps: `name`, `kind`, `status.code`,
   * `status.message`, `events`, `links`, `duration_ms`… `*` when a span is used whole (passed
   * on, compared), which may read any of them.
   */
  fields: string[];
}

export type Place = 'resource' | 'scope' | 'span';

interface Node {
  op: string;
  args: unknown;
}

const QUANTIFIERS = new Set(['any', 'all', 'count', 'exists', 'exists_one', 'filter', 'map']);

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).op === 'string';
}

function isId(node: unknown, name: string): boolean {
  return isNode(node) && node.op === 'id' && node.args === name;
}

function literalString(node: unknown): string | undefined {
  return isNode(node) && node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

class ReadsCollector {
  private readonly keys = { resource: new Set<string>(), scope: new Set<string>(), span: new Set<string>() };
  private readonly wild = new Set<Place>();
  private readonly fields = new Set<string>();
  /** Variables that name a span: `span`, and those bound over `trace` / `trace.spans`. */
  private readonly spanVars = new Set<string>(['span']);

  /** A span value: a span variable, `trace.root`, or an element of `trace.spans`. */
  private isSpan(node: unknown): boolean {
    if (!isNode(node)) return false;
    if (node.op === 'id') return this.spanVars.has(node.args as string);
    if (node.op === '.') {
      const [left, field] = node.args as [unknown, string];
      return field === 'root' && isId(left, 'trace');
    }
    if (node.op === '[]') return isTraceSpans((node.args as unknown[])[0]);
    return false;
  }

  /** The place whose attribute map `node` is, if it is one. */
  private mapPlace(node: unknown): Place | undefined {
    if (!isNode(node)) return undefined;
    if (node.op === 'id') return node.args === 'resource' ? 'resource' : undefined;
    if (node.op !== '.') return undefined;
    const [left, field] = node.args as [unknown, string];
    if (field === 'resource' && this.isSpan(left)) return 'resource';
    if (field !== 'attributes') return undefined;
    if (isId(left, 'scope')) return 'scope';
    if (isNode(left) && left.op === '.' && (left.args as unknown[])[1] === 'scope' && this.isSpan((left.args as unknown[])[0])) return 'scope';
    return this.isSpan(left) ? 'span' : undefined;
  }

  walk(node: unknown): void {
    if (Array.isArray(node)) {
      for (const item of node) this.walk(item);
      return;
    }
    if (!isNode(node)) return;
    const args = node.args;
    switch (node.op) {
      case 'id':
        if (this.spanVars.has(args as string)) this.fields.add('*');
        break;
      case '[]':
      case '.': {
        const [left, right] = args as [unknown, unknown];
        const place = this.mapPlace(left);
        const key = node.op === '.' ? (right as string) : literalString(right);
        if (place !== undefined && key !== undefined) {
          this.keys[place].add(key);
          return;
        }
        if (node.op === '.' && this.spanField(left, right as string)) {
          const whole = this.mapPlace(node);
          if (whole !== undefined) this.wild.add(whole);
          return;
        }
        break;
      }
      case 'in': {
        const [needle, haystack] = args as [unknown, unknown];
        const place = this.mapPlace(haystack);
        const key = literalString(needle);
        if (place !== undefined && key !== undefined) {
          this.keys[place].add(key);
          return;
        }
        break;
      }
      case 'rcall': {
        const [method, receiver, callArgs] = args as [string, unknown, unknown[]];
        if (QUANTIFIERS.has(method) && (isId(receiver, 'trace') || isTraceSpans(receiver)) && isNode(callArgs[0]) && callArgs[0].op === 'id') {
          this.spanVars.add(callArgs[0].args as string);
          // The binder itself is not a use of a span.
          this.walk(receiver);
          this.walk(callArgs.slice(1));
          return;
        }
        break;
      }
    }
    const bare = this.mapPlace(node);
    if (bare !== undefined) this.wild.add(bare);
    // Unary operators (`!_`, `-_`) hold their operand as a node, not a list.
    if (Array.isArray(args) || isNode(args)) this.walk(args);
  }

  /**
   * `left.field` where `left` is a span (`name`, or the `attributes`/`resource`/`scope` maps,
   * whose keys are counted elsewhere), or a span's status (`status.code`): records the field and
   * says the access is settled, so the span variable under it is not counted as used whole.
   */
  private spanField(left: unknown, field: string): boolean {
    if (this.isSpan(left)) {
      if (field !== 'attributes' && field !== 'resource' && field !== 'scope') this.fields.add(field);
      return true;
    }
    if (isNode(left) && left.op === '.') {
      const [inner, name] = left.args as [unknown, string];
      if (name === 'status' && this.isSpan(inner)) {
        this.fields.add(`status.${field}`);
        return true;
      }
    }
    return false;
  }

  result(): Reads {
    const sorted = (s: Set<string>): string[] => [...s].sort();
    return {
      resource: sorted(this.keys.resource),
      scope: sorted(this.keys.scope),
      span: sorted(this.keys.span),
      wildcard: (['resource', 'scope', 'span'] as const).filter((p) => this.wild.has(p)),
      fields: [...this.fields].sort(),
    };
  }
}

function isTraceSpans(node: unknown): boolean {
  return isNode(node) && node.op === '.' && (node.args as unknown[])[1] === 'spans' && isId((node.args as unknown[])[0], 'trace');
}

/** The attribute keys `ast` reads, per place. */
export function readsOf(ast: unknown): Reads {
  const collector = new ReadsCollector();
  collector.walk(ast);
  return collector.result();
}

/** The union of several expressions' reads: what a shared context must decode. */
export function mergeReads(all: readonly Reads[]): Reads {
  const union = (pick: (r: Reads) => readonly string[]): string[] => [...new Set(all.flatMap(pick))].sort();
  return {
    resource: union((r) => r.resource),
    scope: union((r) => r.scope),
    span: union((r) => r.span),
    wildcard: (['resource', 'scope', 'span'] as const).filter((p) => all.some((r) => r.wildcard.includes(p))),
    fields: union((r) => r.fields),
  };
}
