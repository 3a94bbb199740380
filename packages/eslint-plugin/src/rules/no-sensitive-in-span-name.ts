import type { Rule } from 'eslint';
import type * as ESTree from 'estree';
import { spanNameArgument, staticString, unwrap } from '../calls.js';
import { IdentityNames } from '../identity.js';
import { REGISTRY_MESSAGES, REGISTRY_SOURCE_SCHEMA, registryFor, reportRegistryProblem } from '../registry.js';

type MessageId = 'registryField' | 'identityField' | 'identityLike' | keyof typeof REGISTRY_MESSAGES;

const NAME_HEURISTICS = new IdentityNames();

/** The parts of a span name that vary: template substitutions, `+` operands, both branches of `?:`. */
function variableParts(node: ESTree.Node, into: ESTree.Node[] = []): ESTree.Node[] {
  const part = unwrap(node);
  if (part.type === 'TemplateLiteral') for (const expression of part.expressions) variableParts(expression, into);
  else if (part.type === 'BinaryExpression' && part.operator === '+') {
    variableParts(part.left, into);
    variableParts(part.right, into);
  } else if (part.type === 'ConditionalExpression') {
    variableParts(part.consequent, into);
    variableParts(part.alternate, into);
  } else if (part.type !== 'Literal' && part.type !== 'PrivateIdentifier') into.push(part);
  return into;
}

/**
 * The names a value goes by: `req.user.id` → req, user, id. A call stands for the value it
 * transforms (`email.toLowerCase()`, `hash(email)`); other expressions have no name.
 */
function namesOf(node: ESTree.Node): string[] | undefined {
  const value = unwrap(node);
  switch (value.type) {
    case 'Identifier':
      return [value.name];
    case 'ThisExpression':
      return [];
    case 'MemberExpression': {
      const object = value.object.type === 'Super' ? [] : namesOf(value.object);
      if (!object) return undefined;
      if (!value.computed && value.property.type === 'Identifier') return [...object, value.property.name];
      const key = staticString(value.property)?.value;
      return key === undefined ? object : [...object, key];
    }
    case 'CallExpression': {
      if (value.callee.type === 'MemberExpression' && value.callee.object.type !== 'Super') return namesOf(value.callee.object);
      const first = value.arguments[0];
      return first && first.type !== 'SpreadElement' ? namesOf(first) : undefined;
    }
    default:
      return undefined;
  }
}

function shortText(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 40 ? `${line.slice(0, 37)}...` : line;
}

export const noSensitiveInSpanName: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Span names do not carry identity fields: they must be low-cardinality and non-sensitive, so such values go in attributes.',
      recommended: true,
    },
    schema: [REGISTRY_SOURCE_SCHEMA],
    messages: {
      registryField:
        'Span name includes `{{name}}`, which the registry marks {{sensitivity}}. Span names must be low-cardinality and non-sensitive: put it in the `{{key}}` attribute instead.',
      identityField:
        'Span name includes `{{name}}`, which can identify a person. Span names must be low-cardinality and non-sensitive: put it in the `{{key}}` attribute instead.',
      identityLike:
        'Span name includes `{{name}}`, which can identify a person. Span names must be low-cardinality and non-sensitive: put it in an attribute instead.',
      ...REGISTRY_MESSAGES,
    } satisfies Record<MessageId, string>,
  },

  create(context) {
    // Without a registry the rule still knows identity-like names (`email`, `user.*`, `ip`).
    const state = registryFor(context.options[0], context.settings, context.cwd);
    const identity = state.status === 'loaded' ? state.view.identity : NAME_HEURISTICS;
    return {
      Program() {
        reportRegistryProblem(context, state, ' Span names are checked against identity-like names only.');
      },
      CallExpression(call) {
        const spanName = spanNameArgument(call);
        if (!spanName) return;
        for (const part of variableParts(spanName)) {
          const names = namesOf(part);
          const match = names && names.length > 0 ? identity.match(names) : undefined;
          if (!match) continue;
          const name = shortText(context.sourceCode.getText(part));
          if (match.sensitivity && match.key) {
            context.report({ node: part, messageId: 'registryField', data: { name, sensitivity: match.sensitivity, key: match.key } });
          } else if (match.key) {
            context.report({ node: part, messageId: 'identityField', data: { name, key: match.key } });
          } else {
            context.report({ node: part, messageId: 'identityLike', data: { name } });
          }
        }
      },
    };
  },
};
