import { didYouMean, suggestKey, type Lookup } from '@cairn/conventions';
import type { Rule } from 'eslint';
import type * as ESTree from 'estree';
import { attributeSites, mayBeDomSetAttribute, propertyName, staticString, type PropertyName, type StaticString } from '../calls.js';
import { REGISTRY_MESSAGES, REGISTRY_SOURCE_SCHEMA, registryFor, reportRegistryProblem, type RegistryView } from '../registry.js';

type MessageId = 'unknown' | 'unknownOtel' | 'alias' | 'renamed' | 'deprecated' | 'replace' | keyof typeof REGISTRY_MESSAGES;

/** What to say about a key the registry does not know; the same key gets the same answer. */
interface UnknownAdvice {
  messageId: 'unknown' | 'unknownOtel';
  data: Record<string, string>;
  suggestion: string | undefined;
}

const adviceByView = new WeakMap<RegistryView, Map<string, UnknownAdvice>>();

/** A defined, current key for a guess, following aliases and renames. */
function defined(view: RegistryView, candidate: string): string | undefined {
  const found = view.index.lookup(candidate);
  return found.kind === 'known' || found.kind === 'template' ? candidate : renameTarget(found);
}

/** `cart.total` → `acme.cart.total` (the org namespace), `acme.cartTotal` → edit distance. */
function closestKey(view: RegistryView, key: string): string | undefined {
  const snake = suggestKey(key);
  const guesses = [snake, ...view.orgNamespaces.flatMap((ns) => [`${ns}.${key}`, `${ns}.${snake}`])];
  for (const guess of guesses) {
    const found = guess === key ? undefined : defined(view, guess);
    if (found !== undefined) return found;
  }
  return didYouMean(key, view.suggestable);
}

function adviseUnknown(view: RegistryView, key: string): UnknownAdvice {
  let byKey = adviceByView.get(view);
  if (!byKey) adviceByView.set(view, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached) return cached;
  const namespace = key.includes('.') ? key.slice(0, key.indexOf('.')) : '';
  const org = view.orgNamespaces[0];
  const suggestion = closestKey(view, key);
  const otel = view.otelNamespaces.has(namespace);
  let advice: string;
  if (suggestion !== undefined) advice = ` Did you mean \`${suggestion}\`?`;
  else if (otel) advice = org ? ` Use a key OpenTelemetry defines, or define the field under \`${org}.*\` in the registry.` : ' Use a key OpenTelemetry defines.';
  else if (view.orgNamespaces.includes(namespace)) advice = ' Define it in the registry before recording it.';
  else advice = org ? ` Org fields live under \`${org}.*\`: define it there in the registry, or use a defined key.` : ' Define it in the registry, or use a defined key.';
  const result: UnknownAdvice = { messageId: otel ? 'unknownOtel' : 'unknown', data: { key, namespace, advice }, suggestion };
  byKey.set(key, result);
  return result;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The canonical key written the way the old one was: same quotes, and quoted where a bare name was. */
function spell(canonical: string, name: StaticString & { identifier?: boolean }): string {
  if (name.identifier) return IDENTIFIER.test(canonical) ? canonical : `'${canonical}'`;
  const escaped = canonical.replace(/\\/g, '\\\\').split(name.quote).join(`\\${name.quote}`);
  return `${name.quote}${escaped}${name.quote}`;
}

/** The first line of a deprecation note, short enough for an editor tooltip. */
function noteOf(note: string | undefined): string {
  const line = note?.trim().split('\n')[0]?.trim().replace(/\.$/, '');
  if (!line) return '';
  return ` (${line.length > 120 ? `${line.slice(0, 117)}...` : line})`;
}

/** The key a property or argument should be renamed to, when the registry names one. */
function renameTarget(found: Lookup): string | undefined {
  if (found.kind === 'alias') return found.canonical;
  return found.kind === 'deprecated' ? found.canonical : undefined;
}

export const knownAttributes: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Attribute keys in code are the registry\u2019s keys: unknown keys are flagged, old names and deprecated keys are renamed.',
      recommended: true,
    },
    fixable: 'code',
    hasSuggestions: true,
    schema: [REGISTRY_SOURCE_SCHEMA],
    messages: {
      unknown: '`{{key}}` is not in the registry.{{advice}}',
      unknownOtel: '`{{key}}` is in OpenTelemetry\u2019s `{{namespace}}.*` namespace, but OpenTelemetry does not define it.{{advice}}',
      alias: 'Use `{{canonical}}` instead of the old name `{{key}}`.',
      renamed: '`{{key}}` is deprecated: it was renamed to `{{canonical}}`.',
      deprecated: '`{{key}}` is deprecated and nothing replaces it{{note}}. Stop recording it.',
      replace: 'Replace `{{key}}` with `{{canonical}}`.',
      ...REGISTRY_MESSAGES,
    } satisfies Record<MessageId, string>,
  },

  create(context) {
    const state = registryFor(context.options[0], context.settings, context.cwd);
    if (state.status !== 'loaded') {
      return {
        Program() {
          if (state.status === 'unconfigured') context.report({ loc: { line: 1, column: 0 }, messageId: 'registryMissing' });
          else reportRegistryProblem(context, state);
        },
      };
    }
    const view = state.view;

    /**
     * `fix` renames the key; `autofix` is false when the rename would collide with another key of
     * the same object, and the rename is then only offered as a suggestion.
     */
    function check(node: ESTree.Node, name: StaticString, fix: (canonical: string) => Rule.ReportFixer, autofix: boolean): void {
      const key = name.value;
      const found = view.index.lookup(key);
      if (found.kind === 'known' || found.kind === 'template') return;
      if (found.kind === 'unknown') {
        const advice = adviseUnknown(view, key);
        const suggest = advice.suggestion === undefined ? [] : [{ messageId: 'replace', data: { key, canonical: advice.suggestion }, fix: fix(advice.suggestion) }];
        context.report({ node, messageId: advice.messageId, data: advice.data, suggest });
        return;
      }
      const canonical = found.canonical;
      if (canonical === undefined) {
        context.report({ node, messageId: 'deprecated', data: { key, note: noteOf(found.attribute.deprecated?.note) } });
        return;
      }
      const data = { key, canonical };
      const messageId = found.kind === 'alias' ? 'alias' : 'renamed';
      if (autofix) context.report({ node, messageId, data, fix: fix(canonical) });
      else context.report({ node, messageId, data, suggest: [{ messageId: 'replace', data, fix: fix(canonical) }] });
    }

    function checkObject(object: ESTree.ObjectExpression): void {
      const named: { property: ESTree.Property; name: PropertyName; target: string | undefined }[] = [];
      for (const property of object.properties) {
        if (property.type !== 'Property') continue;
        const name = propertyName(property);
        if (name) named.push({ property, name, target: renameTarget(view.index.lookup(name.value)) });
      }
      // Two properties that end up with the same key would silently drop one value.
      const targets = new Map<string, number>();
      for (const { name, target } of named) {
        const key = target ?? name.value;
        targets.set(key, (targets.get(key) ?? 0) + 1);
      }
      for (const { property, name, target } of named) {
        const rename = (canonical: string): Rule.ReportFixer => (fixer) =>
          property.shorthand
            ? fixer.replaceText(property, `${spell(canonical, name)}: ${context.sourceCode.getText(property.value)}`)
            : fixer.replaceText(property.key, spell(canonical, name));
        check(property.key, name, rename, target === undefined || targets.get(target) === 1);
      }
    }

    return {
      CallExpression(call) {
        const sites = attributeSites(call);
        if (!sites) return;
        const domLike = mayBeDomSetAttribute(call);
        for (const node of sites.keys) {
          const name = staticString(node);
          if (!name || (domLike && !name.value.includes('.'))) continue;
          check(node, name, (canonical) => (fixer) => fixer.replaceText(node, spell(canonical, name)), true);
        }
        for (const object of sites.objects) checkObject(object);
      },
    };
  },
};
