import type * as ESTree from 'estree';

/**
 * The call shapes that carry attribute keys and span names, in OpenTelemetry's API and Cairn's
 * SDK. Calls are recognized by name, member or bare, since the receiver's type is unknown here.
 */

/** `span.setAttribute`, `setAttribute`, `span['setAttribute']` → `setAttribute`. */
export function calleeName(call: ESTree.CallExpression): string | undefined {
  const callee = call.callee;
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type !== 'MemberExpression') return undefined;
  if (!callee.computed && callee.property.type === 'Identifier') return callee.property.name;
  return callee.computed ? staticString(callee.property)?.value : undefined;
}

/** TypeScript-only wrappers (`x as T`, `x satisfies T`, `x!`, `<T>x`); typescript-eslint's nodes. */
const TS_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion']);

/** The expression under TypeScript's type annotations and `?.` chains. */
export function unwrap(node: ESTree.Node): ESTree.Node {
  let current = node;
  for (;;) {
    if (TS_WRAPPERS.has(current.type)) current = (current as unknown as { expression: ESTree.Node }).expression;
    else if (current.type === 'ChainExpression') current = current.expression;
    else return current;
  }
}

export interface StaticString {
  value: string;
  /** `'`, `"` or a backtick, so a fix keeps the author's style. */
  quote: string;
}

/** `'k'`, `"k"` and `` `k` `` (no substitutions): strings whose value is known without running. */
export function staticString(node: ESTree.Node): StaticString | undefined {
  if (node.type === 'Literal' && typeof node.value === 'string') return { value: node.value, quote: node.raw?.[0] ?? "'" };
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) {
    const cooked = node.quasis[0]?.value.cooked;
    return typeof cooked === 'string' ? { value: cooked, quote: '`' } : undefined;
  }
  return undefined;
}

/** The name a receiver goes by: `span` in `span.f()`, `root` in `this.root.f()`, `getSpan` in `getSpan().f()`. */
function receiverName(node: ESTree.Node): string | undefined {
  const n = unwrap(node);
  if (n.type === 'Identifier') return n.name;
  if (n.type === 'MemberExpression' && !n.computed && n.property.type === 'Identifier') return n.property.name;
  if (n.type === 'CallExpression') return calleeName(n);
  return undefined;
}

/**
 * `el.setAttribute('data-id', v)` has the DOM's signature as well as a span's. A `setAttribute`
 * whose receiver is not named like a span (`span`, `rootSpan`, `getActiveSpan()`…) may be a DOM
 * element; its dot-less keys are then not attribute keys to check (DOM attribute names have no
 * dots; OpenTelemetry keys do).
 */
export function mayBeDomSetAttribute(call: ESTree.CallExpression): boolean {
  const callee = call.callee;
  if (callee.type !== 'MemberExpression' || calleeName(call) !== 'setAttribute') return false;
  if (callee.object.type === 'Super') return true;
  return !/span/i.test(receiverName(callee.object) ?? '');
}

/** Where a call puts attribute keys: a key argument, or objects whose property names are keys. */
export interface AttributeSites {
  keys: ESTree.Node[];
  objects: ESTree.ObjectExpression[];
}

function objectAt(call: ESTree.CallExpression, position: number): ESTree.ObjectExpression | undefined {
  const argument = call.arguments[position];
  if (!argument || argument.type === 'SpreadElement') return undefined;
  const node = unwrap(argument);
  return node.type === 'ObjectExpression' ? node : undefined;
}

/** The value of `name: …` in an object literal, when the name is written out. */
function propertyValue(object: ESTree.ObjectExpression, name: string): ESTree.Node | undefined {
  for (const property of object.properties) {
    if (property.type === 'Property' && propertyName(property)?.value === name) return unwrap(property.value);
  }
  return undefined;
}

export function attributeSites(call: ESTree.CallExpression): AttributeSites | undefined {
  const name = calleeName(call);
  switch (name) {
    case 'setAttribute': {
      const key = call.arguments[0];
      return key && key.type !== 'SpreadElement' ? { keys: [unwrap(key)], objects: [] } : undefined;
    }
    case 'setAttributes':
    case 'addFields':
    case 'addTraceFields':
      return sites(objectAt(call, 0));
    case 'startSpan':
    case 'startActiveSpan': {
      const options = objectAt(call, 1);
      const attributes = options && propertyValue(options, 'attributes');
      return sites(attributes?.type === 'ObjectExpression' ? attributes : undefined);
    }
    case 'unitOfWork':
      return sites(objectAt(call, 2));
    default:
      return undefined;
  }
}

function sites(object: ESTree.ObjectExpression | undefined): AttributeSites | undefined {
  return object ? { keys: [], objects: [object] } : undefined;
}

export interface PropertyName extends StaticString {
  /** `userId: v` and `{ userId }` have identifier keys, which a dotted key cannot replace as is. */
  identifier: boolean;
}

/** The key of `k: v`, `'k': v`, `['k']: v` and `{ k }`; undefined for computed, non-literal keys. */
export function propertyName(property: ESTree.Property): PropertyName | undefined {
  if (!property.computed && property.key.type === 'Identifier') return { value: property.key.name, quote: '', identifier: true };
  const literal = staticString(property.key);
  return literal ? { ...literal, identifier: false } : undefined;
}

const NAMES_A_SPAN = new Set(['startSpan', 'startActiveSpan', 'unitOfWork']);

/** The span-name argument of `startSpan(name, …)`, `unitOfWork(name, …)` and `span.updateName(name)`. */
export function spanNameArgument(call: ESTree.CallExpression): ESTree.Node | undefined {
  const name = calleeName(call);
  if (name === undefined) return undefined;
  if (!NAMES_A_SPAN.has(name) && !(name === 'updateName' && call.callee.type === 'MemberExpression')) return undefined;
  const first = call.arguments[0];
  return first && first.type !== 'SpreadElement' ? unwrap(first) : undefined;
}
