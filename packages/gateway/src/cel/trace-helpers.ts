// trace.any(s, pred), trace.all(s, pred), trace.count(s, pred): macros over trace.spans, with the
// span-level meaning of a missing key (the predicate is false for that span, not an error).
import type { Environment } from '@marcbachmann/cel-js';
import { isMissingKey } from './outcome.js';
import type { TraceValue } from './trace-value.js';

type Quantifier = 'any' | 'all' | 'count';

interface AstNode {
  op: string;
  args: unknown;
}

interface Macro {
  receiver: AstNode;
  variable: string;
  predicate: AstNode;
  bindCtx: { reuse(ctx: unknown): { setIterValue(v: unknown, ev: unknown): unknown } } | undefined;
  typeCheck(checker: Checker, macro: Macro, ctx: CheckContext): unknown;
  evaluate(ev: Evaluator, macro: Macro, ctx: unknown): unknown;
  async: false;
}

interface Checker {
  check(ast: AstNode, ctx: unknown): { name: string; kind: string };
  getType(name: string): unknown;
  createError(code: string, message: string, ast: AstNode): Error;
}
interface CheckContext {
  forkWithVariable(name: string, type: unknown): Macro['bindCtx'];
}
interface Evaluator {
  run(ast: AstNode, ctx: unknown): unknown;
  tryEval(ast: AstNode, ctx: unknown): unknown;
}

function quantifier(kind: Quantifier) {
  return ({ args, receiver }: { args: AstNode[]; receiver: AstNode }): Macro => {
    const [iter, predicate] = args as [AstNode, AstNode];
    if (iter.op !== 'id') throw new Error(`trace.${kind}(var, predicate): the first argument must be a variable name`);
    return {
      receiver,
      variable: iter.args as string,
      predicate,
      bindCtx: undefined,
      async: false,
      typeCheck(checker, macro, ctx) {
        checker.check(macro.receiver, ctx);
        macro.bindCtx = ctx.forkWithVariable(macro.variable, checker.getType('CairnSpan'));
        const type = checker.check(macro.predicate, macro.bindCtx);
        if (type.name !== 'bool' && type.kind !== 'dyn') {
          throw checker.createError('invalid_macro_argument', `trace.${kind}(var, predicate): the predicate must be boolean, not ${type.name}`, macro.predicate);
        }
        return checker.getType(kind === 'count' ? 'int' : 'bool');
      },
      evaluate(ev, macro, ctx) {
        const trace = ev.run(macro.receiver, ctx) as TraceValue;
        let count = 0;
        let failure: unknown;
        for (const span of trace.spans) {
          const result = ev.tryEval(macro.predicate, macro.bindCtx!.reuse(ctx).setIterValue(span, ev));
          if (result === true) {
            if (kind === 'any') return true;
            count++;
          } else if (result instanceof Error && !isMissingKey(result)) {
            failure ??= result;
          } else if (result !== false && !(result instanceof Error)) {
            failure ??= new Error(`trace.${kind}: the predicate gave ${typeof result}, not a bool`);
          } else if (kind === 'all') {
            return false;
          }
        }
        if (failure !== undefined) throw failure;
        if (kind === 'count') return BigInt(count);
        return kind === 'all';
      },
    };
  };
}

export function registerTraceHelpers(env: Environment): Environment {
  return env
    .registerFunction('CairnTrace.any(ast, ast): bool', quantifier('any'))
    .registerFunction('CairnTrace.all(ast, ast): bool', quantifier('all'))
    .registerFunction('CairnTrace.count(ast, ast): int', quantifier('count'));
}
