// The fast path's compiler: the AST of a supported expression becomes the source of one JS
// function over FastSpans, with CEL's tri-state semantics spelled out in straight-line code.
// One generated function per expression: a tree of closures cost ~40 ns a comparison (a call per
// node), the generated code a few. Nothing from the expression reaches the source but numbers,
// slot indexes and string literals written with JSON.stringify.
import { Environment } from '@marcbachmann/cel-js';
import { MISSING, ODD, WHICH_ABSENT, type FastSpans, type LiteralPlace, type Tri } from './fast.js';

interface Ast {
  op: string;
  args: unknown;
}

const parser = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 48 } });

/** A span field: the JS expression that reads it from `s` (a FastSpans). */
const SPAN_FIELDS: Record<string, string> = {
  kind: 's.spanKind()',
  name: 's.spanName()',
  duration_ms: 's.durationMs()',
  is_root: 's.isRoot()',
  trace_state: 's.traceState()',
};
/** Reads that always give a finite number (span fields, cached per span; number literals). */
const NUMERIC = /^(s\.spanKind\(\)|s\.spanStatusCode\(\)|s\.durationMs\(\)|-?\d+|\(-?[\d.e+-]+\))$/;
const STATUS_FIELDS: Record<string, string> = {
  code: 's.spanStatusCode()',
  message: 's.cursor.statusMessage',
};

/**
 * Statements computing a boolean expression over `s` (a FastSpans) into the temp `result` (a
 * Tri), reading M (MISSING) and O (ODD); undefined when the expression uses anything else.
 * With `memo` (the kernel's), the literal group of each `ref == "literal"` is computed once per
 * span into a variable the caller declares (`let w0 = -9`, -9: not yet): SLOs comparing one
 * value with the same or other literals share one pass over it.
 */
export function generateBool(expression: string, spans: FastSpans, memo?: Map<string, string>): { lines: string[]; result: string } | undefined {
  let ast: Ast;
  try {
    ast = (parser.parse(expression) as unknown as { ast: Ast }).ast;
  } catch {
    return undefined;
  }
  const g = new Generator(spans, memo);
  const result = g.bool(ast);
  return result === undefined ? undefined : { lines: g.lines, result };
}

/** The generated function of a boolean expression, or undefined when it uses anything else. */
export function compileFast(expression: string, spans: FastSpans): ((s: FastSpans) => Tri) | undefined {
  const code = generateBool(expression, spans);
  if (code === undefined) return undefined;
  const body = `${code.lines.join('\n')}\nreturn ${code.result};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the source is built from slots, numbers and JSON-quoted literals only
  const make = new Function('M', 'O', `return function fast(s) {\n${body}\n};`) as (m: symbol, o: symbol) => (s: FastSpans) => Tri;
  return make(MISSING, ODD);
}

function isAst(v: unknown): v is Ast {
  return typeof v === 'object' && v !== null && typeof (v as Ast).op === 'string';
}

class Generator {
  readonly lines: string[] = [];
  private n = 0;

  constructor(private readonly spans: FastSpans, private readonly memo?: Map<string, string>) {}

  private temp(): string {
    return `t${this.n++}`;
  }

  /** A JS expression for a value node (cheap to repeat: field reads are cached per span). */
  value(node: unknown): string | undefined {
    if (!isAst(node)) return undefined;
    if (node.op === 'value') {
      const v = node.args;
      if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? String(Number(v)) : undefined;
      if (typeof v === 'number') return Number.isFinite(v) ? `(${String(v)})` : undefined;
      if (typeof v === 'string') return JSON.stringify(v);
      if (typeof v === 'boolean') return String(v);
      return undefined;
    }
    if (node.op !== '.' && node.op !== '[]') return undefined;
    const [left, right] = node.args as [unknown, unknown];
    const key = node.op === '.' ? (typeof right === 'string' ? right : undefined) : isAst(right) && right.op === 'value' && typeof right.args === 'string' ? right.args : undefined;
    if (key === undefined || !isAst(left)) return undefined;
    if (left.op === 'id' && left.args === 'resource') return `s.resourceAttr(${this.spans.resourceSlot(key)})`;
    if (left.op === 'id' && left.args === 'span' && node.op === '.') return SPAN_FIELDS[key];
    if (left.op === '.') {
      const [inner, field] = left.args as [unknown, unknown];
      if (!isAst(inner) || inner.op !== 'id' || inner.args !== 'span') return undefined;
      if (field === 'attributes') return `s.spanAttr(${this.spans.spanSlot(key)})`;
      if (field === 'status' && node.op === '.') return STATUS_FIELDS[key];
    }
    return undefined;
  }

  /**
   * `ref == "literal"` for an attribute or the span name: the literal's index in the ref's
   * literal group, and the JS expression giving which literal of the group the value is
   * (FastSpans.nameWhich…: compared as UTF-8 bytes in place, no string decoded, with all the
   * literals the SLOs compare that ref with at once). Undefined for other shapes. With `memo`
   * (the kernel's), each group is computed once per span (a resource attribute's, once per
   * resource) into a variable the kernel declares (`w3`, -9: not yet).
   */
  literalEq(ref: unknown, lit: unknown): { which: string; index: number } | undefined {
    if (!isAst(lit) || lit.op !== 'value' || typeof lit.args !== 'string') return undefined;
    const read = this.value(ref);
    const slot = read === undefined ? undefined : /^s\.(spanAttr|resourceAttr)\((\d+)\)$/.exec(read);
    const place: LiteralPlace | undefined = slot ? (slot[1] === 'spanAttr' ? 'span' : 'resource') : read === SPAN_FIELDS.name ? 'name' : undefined;
    if (place === undefined) return undefined;
    const g = this.spans.literalGroup(place, slot ? Number(slot[2]) : 0);
    const index = this.spans.literal(g, lit.args);
    const call = `s.${place}Which(${g})`;
    if (this.memo === undefined) return { which: call, index };
    let m = this.memo.get(call);
    if (m === undefined) this.memo.set(call, (m = `w${g}`));
    return { which: `(${m} !== -9 ? ${m} : (${m} = ${call}))`, index };
  }

  /** Emits statements computing a boolean node; returns the temp holding its Tri. */
  bool(node: unknown): string | undefined {
    if (!isAst(node)) return undefined;
    const out = this.temp();
    switch (node.op) {
      case '&&':
      case '||': {
        const [l, r] = node.args as [unknown, unknown];
        // CEL's && and || are commutative: a decisive side wins whatever the other is.
        const decisive = node.op === '&&' ? 0 : 1;
        this.lines.push(`let ${out};`);
        const a = this.bool(l);
        if (a === undefined) return undefined;
        this.lines.push(`if (${a} === ${decisive}) ${out} = ${decisive}; else {`);
        const b = this.bool(r);
        if (b === undefined) return undefined;
        this.lines.push(`${out} = ${b} === ${decisive} ? ${decisive} : (${a} === 3 || ${b} === 3) ? 3 : (${a} === 2 || ${b} === 2) ? 2 : ${1 - decisive};`, '}');
        return out;
      }
      case '!_': {
        const a = this.bool(node.args);
        if (a === undefined) return undefined;
        this.lines.push(`const ${out} = ${a} === 1 ? 0 : ${a} === 0 ? 1 : ${a};`);
        return out;
      }
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [l, r] = node.args as [unknown, unknown];
        if (node.op === '==' || node.op === '!=') {
          const eq = this.literalEq(l, r) ?? this.literalEq(r, l);
          if (eq !== undefined) {
            // The index: equal; another literal or none (-1): not; absent: absent; not a string: CEL.
            const x = this.temp();
            const [yes, no] = node.op === '==' ? [1, 0] : [0, 1];
            this.lines.push(`const ${x} = ${eq.which};`, `const ${out} = ${x} === ${eq.index} ? ${yes} : ${x} >= -1 ? ${no} : ${x} === ${WHICH_ABSENT} ? 2 : 3;`);
            return out;
          }
        }
        const a = this.value(l);
        const b = this.value(r);
        if (a === undefined || b === undefined) return undefined;
        if (NUMERIC.test(a) && NUMERIC.test(b)) {
          // Both always numbers (never NaN): what the general code below reduces to, without its type checks.
          const op = node.op === '==' ? '===' : node.op === '!=' ? '!==' : node.op;
          this.lines.push(`const ${out} = ${a} ${op} ${b} ? 1 : 0;`);
          return out;
        }
        const x = this.temp();
        const y = this.temp();
        this.lines.push(`const ${x} = ${a}, ${y} = ${b};`);
        if (node.op === '==' || node.op === '!=') {
          // Values of different types: CEL may say false or fail; only CEL can tell.
          const [yes, no] = node.op === '==' ? [1, 0] : [0, 1];
          this.lines.push(`const ${out} = (${x} === M || ${y} === M) ? 2 : (${x} === O || ${y} === O || typeof ${x} !== typeof ${y}) ? 3 : ${x} === ${y} ? ${yes} : ${no};`);
        } else {
          // Numbers only: CEL orders strings by code point, JS by UTF-16 unit.
          this.lines.push(`const ${out} = (${x} === M || ${y} === M) ? 2 : (typeof ${x} !== 'number' || typeof ${y} !== 'number' || ${x} !== ${x} || ${y} !== ${y}) ? 3 : ${x} ${node.op} ${y} ? 1 : 0;`);
        }
        return out;
      }
      default: {
        // A bare value used as a condition: `span.is_root`, `span.attributes["flag"]`, `true`.
        const a = this.value(node);
        if (a === undefined) return undefined;
        const x = this.temp();
        this.lines.push(`const ${x} = ${a};`, `const ${out} = ${x} === M ? 2 : ${x} === true ? 1 : ${x} === false ? 0 : 3;`);
        return out;
      }
    }
  }
}
