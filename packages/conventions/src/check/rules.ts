import type { Finding, FindingLevel } from '../findings.js';
import { namespaceOf, type Attribute, type ResolvedRegistry } from '../model.js';

export interface RuleContext {
  registry: ResolvedRegistry;
  org: Attribute[];
  keys: Set<string>;
  /** Top-level namespaces that OpenTelemetry uses (`http`, `user`, …). */
  otelNamespaces: Set<string>;
  /** Upstream template keys (`http.request.header`), whose instances are upstream's too. */
  upstreamTemplates: string[];
  /**
   * Whether the registry uses Cairn at all (org namespaces in the manifest, or any Cairn
   * annotation). A plain Weaver registry, such as OpenTelemetry's own model, is not held to
   * Cairn's ownership and sensitivity policies, which only Cairn annotations can satisfy.
   */
  governed: boolean;
}

export interface Rule {
  id: string;
  level: FindingLevel;
  description: string;
  run(context: RuleContext): Finding[];
}

const SNAKE_PART = '[a-z][a-z0-9]*(?:_[a-z0-9]+)*';
const KEY_PATTERN = new RegExp(`^${SNAKE_PART}(?:\\.${SNAKE_PART})*$`);

/** Names that identify a person, in any namespace. */
const IDENTITY_TOKENS = new Set([
  'email', 'phone', 'ip', 'ipv4', 'ipv6', 'msisdn', 'ssn', 'passport', 'iban', 'dob', 'birthdate', 'birthday',
  'username', 'fullname', 'firstname', 'lastname', 'surname', 'address',
]);
const IDENTITY_PHRASES = ['e_mail', 'phone_number', 'ip_address', 'user_name', 'full_name', 'first_name', 'last_name', 'date_of_birth', 'birth_date', 'street_address', 'postal_address', 'home_address', 'card_number', 'credit_card'];
const IDENTITY_NAMESPACES = ['user', 'enduser'];
const NETWORK_ADDRESS_NAMESPACES = new Set(['server', 'network', 'destination', 'source', 'url', 'host', 'k8s', 'peer', 'net', 'db', 'messaging']);

/** `user.*`, `enduser.*`, `client.address`, and anything named email, phone, ip and the like. */
export function isIdentityLike(key: string): boolean {
  const parts = key.split('.');
  if (IDENTITY_NAMESPACES.includes(parts[0]!) || key === 'client.address') return true;
  const last = parts[parts.length - 1]!;
  if (IDENTITY_PHRASES.some((phrase) => last.includes(phrase))) return true;
  return last.split('_').some((token) => IDENTITY_TOKENS.has(token) && !(token === 'address' && NETWORK_ADDRESS_NAMESPACES.has(parts[0]!)));
}

function inOrgNamespace(key: string, namespaces: string[]): boolean {
  return namespaces.some((ns) => key === ns || key.startsWith(`${ns}.`));
}

function at(attribute: Attribute, location = attribute.source): Pick<Finding, 'location' | 'attribute'> {
  return { attribute: attribute.key, ...(location ? { location } : {}) };
}

/** `at`, pointing at the org's ref where it refined an upstream attribute. */
function atRefinement(attribute: Attribute): Pick<Finding, 'location' | 'attribute'> {
  return at(attribute, attribute.refinedAt ?? attribute.source);
}

/** A rule that looks at each org attribute on its own. */
function perOrgAttribute(
  id: string,
  level: FindingLevel,
  description: string,
  fails: (attribute: Attribute, context: RuleContext) => boolean,
  say: (attribute: Attribute, context: RuleContext) => { message: string; hint: string },
): Rule {
  return {
    id,
    level,
    description,
    run: (context) => context.org.filter((a) => fails(a, context)).map((a) => ({ id, level, ...at(a), ...say(a, context) })),
  };
}

export const RULES: Rule[] = [
  perOrgAttribute(
    'naming.format', 'error', 'Attribute names are lowercase, dot-separated namespaces of snake_case parts.',
    // A deprecated attribute keeps its name: it exists for what still sends it.
    (a) => !a.deprecated && !KEY_PATTERN.test(a.key),
    (a) => {
      const suggestion = suggestKey(a.key);
      return {
        message: `\`${a.key}\` is not lowercase dot-separated snake_case`,
        hint: suggestion !== a.key && KEY_PATTERN.test(suggestion)
          ? `rename it to \`${suggestion}\` and keep the old name in \`annotations.cairn.aliases\``
          : 'each dot-separated part starts with a letter, then lowercase letters, digits and single underscores',
      };
    },
  ),
  perOrgAttribute(
    'naming.no-namespace', 'error', 'Every attribute lives in a namespace.',
    (a) => !a.deprecated && !a.key.includes('.'),
    (a, { registry }) => ({
      message: `\`${a.key}\` has no namespace`,
      hint: `put it under the org namespace, e.g. \`${registry.manifest.namespaces[0] ?? 'acme'}.${a.key}\``,
    }),
  ),
  {
    id: 'naming.attribute-is-namespace',
    level: 'error',
    description: 'An attribute name must not also be the namespace of other attributes.',
    run: ({ registry }) => {
      const findings: Finding[] = [];
      const sorted = registry.attributes;
      for (let i = 0; i < sorted.length; i++) {
        const attribute = sorted[i]!;
        if (attribute.type.kind === 'template') continue;
        const prefix = `${attribute.key}.`;
        // Sorted by key, so every attribute under `prefix` follows it directly (after `key` itself).
        for (let j = i + 1; j < sorted.length && sorted[j]!.key.startsWith(prefix); j++) {
          const child = sorted[j]!;
          if (attribute.origin !== 'org' && child.origin !== 'org') continue;
          if (attribute.deprecated || child.deprecated) continue;
          const blamed = child.origin === 'org' ? child : attribute;
          findings.push({
            id: 'naming.attribute-is-namespace', level: 'error', ...at(blamed),
            message: `\`${attribute.key}\` is an attribute and also the namespace of \`${child.key}\``,
            hint: `rename one of them, e.g. \`${attribute.key}.value\` or \`${attribute.key}_${child.key.slice(prefix.length).replace(/\./g, '_')}\``,
          });
        }
      }
      return findings;
    },
  },
  {
    id: 'namespace.otel-extension',
    level: 'warning',
    description: 'Org attributes inside an OpenTelemetry namespace must sit flush with it; new ones there are flagged.',
    run: ({ org, otelNamespaces, upstreamTemplates }) => {
      const findings: Finding[] = [];
      for (const a of org) {
        const template = upstreamTemplates.find((t) => a.key.startsWith(`${t}.`));
        if (template) {
          findings.push({
            id: 'upstream.redefinition', level: 'error', ...at(a),
            message: `\`${a.key}\` collides with the OpenTelemetry template attribute \`${template}.<key>\``,
            hint: `record it as \`${template}.<key>\` the way OpenTelemetry defines it, or move it to the org namespace`,
          });
        } else if (otelNamespaces.has(namespaceOf(a.key)) && namespaceOf(a.key) !== 'app') {
          findings.push({
            id: 'namespace.otel-extension', level: 'warning', ...at(a),
            message: `\`${a.key}\` adds a field to OpenTelemetry's \`${namespaceOf(a.key)}.*\` namespace that OpenTelemetry does not define`,
            hint: 'if OpenTelemetry later defines it differently the two will collide; prefer the org namespace, or propose it upstream',
          });
        }
      }
      return findings;
    },
  },
  perOrgAttribute(
    'namespace.app-reserved', 'warning', 'OpenTelemetry now defines the `app.*` namespace.',
    // OpenTelemetry's own model defines `app.*`; only a Cairn org registry is warned off it.
    (a, { governed }) => governed && namespaceOf(a.key) === 'app',
    (a) => ({
      message: `\`${a.key}\` uses \`app.*\`, which OpenTelemetry has taken for client application conventions`,
      hint: 'move it to the org namespace',
    }),
  ),
  {
    id: 'namespace.not-org',
    level: 'warning',
    description: 'Org attributes live under the namespaces the manifest declares.',
    run: ({ org, registry, otelNamespaces }) => {
      const namespaces = registry.manifest.namespaces;
      if (namespaces.length === 0) return [];
      return org
        .filter((a) => a.key.includes('.') && !inOrgNamespace(a.key, namespaces) && !otelNamespaces.has(namespaceOf(a.key)))
        .map((a) => ({
          id: 'namespace.not-org', level: 'warning', ...at(a),
          message: `\`${a.key}\` is outside the org namespaces (${namespaces.join(', ')})`,
          hint: `rename it to \`${namespaces[0]}.${a.key}\`, or add its namespace to \`cairn.namespaces\` in the manifest`,
        }));
    },
  },
  perOrgAttribute(
    'deprecated.renamed-to-missing', 'error', 'A rename must point to an attribute that exists.',
    (a, { keys }) => a.deprecated?.reason === 'renamed' && !keys.has(a.deprecated.renamedTo),
    (a) => ({
      message: `\`${a.key}\` is renamed to \`${a.deprecated?.reason === 'renamed' ? a.deprecated.renamedTo : ''}\`, which is not defined`,
      hint: 'define the new attribute, or fix `renamed_to`',
    }),
  ),
  {
    id: 'sensitivity.required',
    level: 'error',
    description: 'Identity-like attributes (user.*, enduser.*, client.address, emails, phones, IPs…) declare a sensitivity.',
    run: ({ registry, governed }) => registry.attributes
      .filter((a) => (a.origin === 'org' || a.refinedAt) && a.sensitivity === undefined && isIdentityLike(a.key))
      .filter((a) => governed || a.refinedAt !== undefined)
      .map((a) => ({
        id: 'sensitivity.required', level: 'error', ...atRefinement(a),
        message: `\`${a.key}\` can identify a person but declares no sensitivity`,
        hint: 'add `annotations: { cairn: { sensitivity: pii } }` (or public, internal, secret)',
      })),
  },
  {
    id: 'sensitivity.propagated',
    level: 'error',
    description: 'pii and secret fields never travel in baggage.',
    run: ({ registry }) => registry.attributes
      .filter((a) => a.propagate && (a.sensitivity === 'pii' || a.sensitivity === 'secret'))
      .map((a) => ({
        id: 'sensitivity.propagated', level: 'error', ...atRefinement(a),
        message: `\`${a.key}\` is ${a.sensitivity} and marked \`propagate: true\`; the SDK will never put it in baggage`,
        hint: 'remove `propagate: true`',
      })),
  },
  {
    id: 'alias.collides',
    level: 'error',
    description: 'An alias must not be the name of a defined attribute.',
    run: ({ registry, keys }) => registry.attributes.flatMap((a) => a.aliases.filter((alias) => keys.has(alias)).map((alias) => ({
      id: 'alias.collides', level: 'error' as const, ...atRefinement(a),
      message: `alias \`${alias}\` of \`${a.key}\` is itself a defined attribute`,
      hint: `an alias is an old name that normalizes to \`${a.key}\`; remove it, or deprecate \`${alias}\` with \`renamed_to: ${a.key}\``,
    }))),
  },
  perOrgAttribute(
    'ownership.missing', 'warning', 'Every org attribute has an owner who answers questions about it.',
    (a, { governed }) => governed && a.owner === undefined && !a.deprecated,
    (a) => ({ message: `\`${a.key}\` has no owner`, hint: 'add `annotations: { cairn: { owner: team-… } }`' }),
  ),
  perOrgAttribute(
    'stability.missing', 'warning', 'Org attributes state their stability, as Weaver requires.',
    (a) => a.stability === undefined,
    (a) => ({ message: `\`${a.key}\` has no stability`, hint: 'add `stability: development` (or stable once it must not change)' }),
  ),
  perOrgAttribute(
    'brief.missing', 'warning', 'Org attributes say what they mean.',
    (a) => a.brief === '',
    (a) => ({ message: `\`${a.key}\` has no brief`, hint: 'add a one-line `brief` that says what the field means' }),
  ),
];

/** `cartTotal` → `cart_total`, `Cart.Total-Sum` → `cart.total_sum`. */
export function suggestKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9.]+/g, '_')
    .toLowerCase()
    .replace(/_+/g, '_')
    .replace(/(^|\.)_|_($|\.)/g, '$1$2');
}
