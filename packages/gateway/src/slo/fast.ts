// A fast path for the indicator shapes SLOs are written in: comparisons (==, !=, <, <=, >, >=) of
// span fields (kind, name, status.code, status.message, duration_ms, is_root, trace_state) and
// resource / span attributes (`resource["k"]`, `span.attributes["k"]`) with literals, joined by
// &&, || and !. Such an expression becomes a tree of closures over the span cursor, evaluated
// with CEL's tri-state semantics (a missing key is absent; false && x is false, true || x true).
//
// Why: the shared CEL environment signals an absent key by throwing inside cel-js, and building
// that error costs ~1 µs; an SLO whose `good` reads a key most spans lack spent a quarter of the
// benchmark there (bench/gateway/src/slo.ts). Anything the fast path cannot decide with certainty
// (a type mismatch CEL may reject, a list or map value, a string ordering) returns FALLBACK and
// that span is evaluated by cel-js: the outcome is always CEL's (slo/fast.test.ts checks it).
import { Environment } from '@marcbachmann/cel-js';
import { AttributeCursor, ValueType, type SpanCursor, type TracesView } from '@cairn/otlp';

export const FALSE = 0;
export const TRUE = 1;
export const ABSENT = 2;
export const FALLBACK = 3;
export type Tri = 0 | 1 | 2 | 3;

const MISSING = Symbol('missing');
const ODD = Symbol('odd');
type Value = string | number | boolean | typeof MISSING | typeof ODD;

/** The per-batch, per-span values the compiled closures read. One per tap, reset per batch. */
export class FastSpans {
  cursor: SpanCursor | undefined;
  private view: TracesView | undefined;
  private readonly spanSlots = new Map<string, number>();
  private readonly resourceSlots = new Map<string, number>();
  private readonly spanValues: Value[] = [];
  private spanFilled = false;
  private resourceValues: Value[][] = [];
  private readonly scratch = new AttributeCursor();
  /** The wanted span keys as UTF-8 (slot order), and whether any occurs in this batch at all. */
  private spanKeys: Buffer[] = [];
  private resourceKeys: Buffer[] = [];
  private anySpanKey = false;

  spanSlot(key: string): number {
    let slot = this.spanSlots.get(key);
    if (slot === undefined) this.spanSlots.set(key, (slot = this.spanSlots.size));
    return slot;
  }

  resourceSlot(key: string): number {
    let slot = this.resourceSlots.get(key);
    if (slot === undefined) this.resourceSlots.set(key, (slot = this.resourceSlots.size));
    return slot;
  }

  reset(view: TracesView): void {
    this.view = view;
    this.cursor = view.spans();
    this.resourceValues = [];
    this.spanFilled = false;
    if (this.spanKeys.length !== this.spanSlots.size) this.spanKeys = [...this.spanSlots.keys()].map((k) => Buffer.from(k, 'utf8'));
    if (this.resourceKeys.length !== this.resourceSlots.size) this.resourceKeys = [...this.resourceSlots.keys()].map((k) => Buffer.from(k, 'utf8'));
    // A key's bytes occur verbatim in the protobuf of any span that carries it: when none of
    // the wanted keys occurs in the batch, no span needs its attributes walked (SampleRate, the
    // weight's key, is usually nowhere). One memmem per key and batch.
    const bytes = Buffer.from(view.bytes.buffer, view.bytes.byteOffset, view.bytes.byteLength);
    this.anySpanKey = this.spanKeys.some((k) => bytes.includes(k));
  }

  at(i: number): void {
    this.cursor!.seek(i);
    this.spanFilled = false;
    this.name = undefined;
    this.kind = -1;
    this.statusCode = -1;
  }

  private name: string | undefined;
  private kind = -1;
  private statusCode = -1;

  /** span.kind and span.status.code, read once per span (the status is a nested message). */
  spanKind(): number {
    return this.kind < 0 ? (this.kind = this.cursor!.kind) : this.kind;
  }

  spanStatusCode(): number {
    return this.statusCode < 0 ? (this.statusCode = this.cursor!.statusCode) : this.statusCode;
  }

  /** span.name, decoded once per span however many SLOs compare it. */
  spanName(): string {
    return (this.name ??= this.cursor!.name);
  }

  spanAttr(slot: number): Value {
    if (!this.spanFilled) {
      if (this.anySpanKey) fill(this.spanValues, this.spanKeys, this.view!.bytes, this.cursor!.attributes(this.scratch));
      else {
        this.spanValues.length = this.spanSlots.size;
        this.spanValues.fill(MISSING);
      }
      this.spanFilled = true;
    }
    return this.spanValues[slot]!;
  }

  /** The span carries the key (whatever its value). */
  spanHas(slot: number): boolean {
    return this.spanAttr(slot) !== MISSING;
  }

  resourceHas(slot: number): boolean {
    return this.resourceAttr(slot) !== MISSING;
  }

  /** A number the fast path read, undefined when absent, ODD when only CEL can say (a list, a repeated key…). */
  spanNumber(slot: number): number | undefined | 'odd' {
    const v = this.spanAttr(slot);
    return typeof v === 'number' ? v : v === ODD ? 'odd' : undefined;
  }

  resourceAttr(slot: number): Value {
    const r = this.cursor!.resourceIndex;
    let values = this.resourceValues[r];
    if (!values) {
      values = this.resourceValues[r] = [];
      fill(values, this.resourceKeys, this.view!.bytes, this.view!.resourceAttributes(r, this.scratch));
    }
    return values[slot]!;
  }
}

/** One pass over the attributes: each wanted key's value, MISSING for the others. */

/**
 * One pass over the attributes: each wanted key's value, MISSING for the others. Keys are matched
 * as UTF-8 bytes against the wire: no key is decoded (decoding every key cost more than all the
 * comparisons of a 20-SLO tap).
 */
function fill(values: Value[], keys: readonly Uint8Array[], buf: Uint8Array, attrs: AttributeCursor): void {
  values.length = keys.length;
  values.fill(MISSING);
  if (keys.length === 0) return;
  while (attrs.next()) {
    const start = attrs.keyStart;
    const len = attrs.keyEnd - start;
    let slot = -1;
    for (let k = 0; k < keys.length && slot < 0; k++) {
      const key = keys[k]!;
      if (key.length !== len) continue;
      let j = 0;
      while (j < len && key[j] === buf[start + j]) j++;
      if (j === len) slot = k;
    }
    if (slot < 0) continue;
    // A repeated key: which one CEL's map keeps is the map builder's business, not ours.
    if (values[slot] !== MISSING) {
      values[slot] = ODD;
      continue;
    }
    const type = (attrs as unknown as { valueType: ValueType }).valueType;
    if (type === ValueType.String) values[slot] = attrs.stringValue!;
    else if (type === ValueType.Bool) values[slot] = attrs.value as boolean;
    else if (type === ValueType.Int || type === ValueType.Double) {
      const n = attrs.numberValue!;
      values[slot] = type === ValueType.Int && !Number.isSafeInteger(n) ? ODD : n;
    } else values[slot] = ODD;
  }
}

type BoolNode = (s: FastSpans) => Tri;
type ValueNode = (s: FastSpans) => Value;

interface Ast {
  op: string;
  args: unknown;
}

const parser = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 48 } });

/** The closure tree of a boolean expression, or undefined when it uses anything else. */
export function compileFast(expression: string, spans: FastSpans): BoolNode | undefined {
  let ast: Ast;
  try {
    ast = (parser.parse(expression) as unknown as { ast: Ast }).ast;
  } catch {
    return undefined;
  }
  return bool(ast, spans);
}

function isAst(v: unknown): v is Ast {
  return typeof v === 'object' && v !== null && typeof (v as Ast).op === 'string';
}

const SPAN_FIELDS: Record<string, (c: SpanCursor) => Value> = {
  duration_ms: (c) => c.durationNanos / 1e6,
  is_root: (c) => /^0*$/.test(c.parentSpanIdHex),
  trace_state: (c) => c.traceState,
};
const STATUS_FIELDS: Record<string, (c: SpanCursor) => Value> = {
  message: (c) => c.statusMessage,
};

function value(node: unknown, s: FastSpans): ValueNode | undefined {
  if (!isAst(node)) return undefined;
  if (node.op === 'value') {
    const v = node.args;
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? () => Number(v) : undefined;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return () => v;
    return undefined;
  }
  if (node.op === '.' || node.op === '[]') {
    const [left, right] = node.args as [unknown, unknown];
    const key = node.op === '.' ? (typeof right === 'string' ? right : undefined) : isAst(right) && right.op === 'value' && typeof right.args === 'string' ? right.args : undefined;
    if (key === undefined || !isAst(left)) return undefined;
    if (left.op === 'id' && left.args === 'resource') {
      const slot = s.resourceSlot(key);
      return (x) => x.resourceAttr(slot);
    }
    if (left.op === '.' && node.op === '[]' || (left.op === '.' && node.op === '.')) {
      const [inner, field] = left.args as [unknown, unknown];
      if (isAst(inner) && inner.op === 'id' && inner.args === 'span' && field === 'attributes') {
        const slot = s.spanSlot(key);
        return (x) => x.spanAttr(slot);
      }
      if (node.op === '.' && isAst(inner) && inner.op === 'id' && inner.args === 'span' && field === 'status' && key === 'code') return (x) => x.spanStatusCode();
      if (node.op === '.' && isAst(inner) && inner.op === 'id' && inner.args === 'span' && field === 'status' && STATUS_FIELDS[key]) {
        const get = STATUS_FIELDS[key]!;
        return (x) => get(x.cursor!);
      }
    }
    if (node.op === '.' && left.op === 'id' && left.args === 'span' && key === 'name') return (x) => x.spanName();
    if (node.op === '.' && left.op === 'id' && left.args === 'span' && key === 'kind') return (x) => x.spanKind();
    if (node.op === '.' && left.op === 'id' && left.args === 'span' && SPAN_FIELDS[key]) {
      const get = SPAN_FIELDS[key]!;
      return (x) => get(x.cursor!);
    }
  }
  return undefined;
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function bool(node: unknown, s: FastSpans): BoolNode | undefined {
  if (!isAst(node)) return undefined;
  switch (node.op) {
    case '&&':
    case '||': {
      const [l, r] = (node.args as unknown[]).map((n) => bool(n, s));
      if (!l || !r) return undefined;
      // CEL's && and || are commutative: a decisive side wins whatever the other is.
      const decisive = node.op === '&&' ? FALSE : TRUE;
      return (x) => {
        const a = l(x);
        if (a === decisive) return decisive;
        const b = r(x);
        if (b === decisive) return decisive;
        if (a === FALLBACK || b === FALLBACK) return FALLBACK;
        if (a === ABSENT || b === ABSENT) return ABSENT;
        return decisive === FALSE ? TRUE : FALSE;
      };
    }
    case '!_': {
      const inner = bool(node.args, s);
      if (!inner) return undefined;
      return (x) => {
        const t = inner(x);
        return t === TRUE ? FALSE : t === FALSE ? TRUE : t;
      };
    }
    case '==':
    case '!=': {
      const [l, r] = (node.args as unknown[]).map((n) => value(n, s));
      if (!l || !r) return undefined;
      const eq = node.op === '==';
      return (x) => {
        const a = l(x);
        const b = r(x);
        if (a === MISSING || b === MISSING) return ABSENT;
        if (a === ODD || b === ODD || typeof a !== typeof b) return FALLBACK;
        return (a === b) === eq ? TRUE : FALSE;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [l, r] = (node.args as unknown[]).map((n) => value(n, s));
      const cmp = COMPARE[node.op]!;
      if (!l || !r) return undefined;
      return (x) => {
        const a = l(x);
        const b = r(x);
        if (a === MISSING || b === MISSING) return ABSENT;
        if (typeof a !== 'number' || typeof b !== 'number' || Number.isNaN(a) || Number.isNaN(b)) return FALLBACK;
        return cmp(a, b) ? TRUE : FALSE;
      };
    }
    default: {
      // A bare value used as a condition: `span.is_root`, `span.attributes["flag"]`, `true`.
      const v = value(node, s);
      if (!v) return undefined;
      return (x) => {
        const a = v(x);
        if (a === MISSING) return ABSENT;
        return typeof a === 'boolean' ? (a ? TRUE : FALSE) : FALLBACK;
      };
    }
  }
}
