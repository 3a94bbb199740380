import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConventionsError } from '../findings.js';
import { byKey, namespaceOf, type Attribute, type AttributeType, type Deprecation, type EnumMember, type PrimitiveType } from '../model.js';
import type { UpstreamRegistry } from './index.js';

const PACKAGE = '@opentelemetry/semantic-conventions';

interface DocComment {
  brief: string;
  note?: string;
  examples: string[];
  experimental: boolean;
  deprecated?: string;
}

/**
 * The built-in upstream: derived from the installed `@opentelemetry/semantic-conventions`.
 * Names and enum values come from the package's exports; briefs, notes, examples, stability
 * and deprecations from the JSDoc in its type declarations. The package does not carry types,
 * so they are inferred from enum values and examples (`typeSource: 'inferred'`), or left
 * `unknown` where there is nothing to go on.
 */
export function loadPackageUpstream(): UpstreamRegistry {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(`${PACKAGE}/incubating`);
  } catch {
    throw new ConventionsError('CAIRN_UPSTREAM_MISSING', `${PACKAGE} is not installed`, {
      hint: `install it (npm install ${PACKAGE}) or pass --upstream DIR with a semantic-conventions model directory`,
    });
  }
  const dist = dirname(entry);
  const exports = require(`${PACKAGE}/incubating`) as Record<string, unknown>;
  const stableExports = require(PACKAGE) as Record<string, unknown>;
  const version = (JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const docs = new Map<string, DocComment>();
  for (const file of ['stable_attributes.d.cts', 'experimental_attributes.d.cts']) {
    for (const [name, doc] of parseDeclarations(readFileSync(join(dist, file), 'utf8'))) {
      if (!docs.has(name)) docs.set(name, doc);
    }
  }

  const byConstant = new Map<string, Attribute>();
  for (const [name, value] of Object.entries(exports)) {
    if (!name.startsWith('ATTR_')) continue;
    const doc = docs.get(name);
    const template = typeof value === 'function';
    // A template's export is a function of the key suffix: call it to learn the prefix.
    const key = template ? (value as (k: string) => string)('\u0000').slice(0, -2) : String(value);
    const attribute: Attribute = {
      key,
      type: { kind: 'unknown' },
      typeSource: 'unknown',
      brief: doc?.brief ?? '',
      origin: 'upstream',
      group: `registry.${namespaceOf(key)}`,
      aliases: [],
      propagate: false,
      stability: name in stableExports && !doc?.experimental ? 'stable' : 'development',
    };
    if (doc?.note) attribute.note = doc.note;
    if (doc?.examples.length) attribute.examples = doc.examples.map(parseExample);
    if (doc?.deprecated !== undefined) attribute.deprecated = parseDeprecation(doc.deprecated);
    const inferred = inferType(doc?.examples ?? []);
    if (inferred) {
      attribute.type = template ? { kind: 'template', inner: inferred } : inferred;
      attribute.typeSource = 'inferred';
    } else if (template) {
      attribute.type = { kind: 'template', inner: { kind: 'unknown' } };
    }
    byConstant.set(name, attribute);
  }

  // Enum values: `HTTP_REQUEST_METHOD_VALUE_GET`, documented as "Enum value "GET" for attribute {@link ATTR_…}".
  const members = new Map<string, EnumMember[]>();
  for (const [name, doc] of docs) {
    const owner = /^Enum value .* for attribute \{@link (ATTR_\w+)\}\.?/.exec(doc.brief);
    if (!owner) continue;
    const value = exports[name];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const suffix = name.slice(name.indexOf('_VALUE_') + '_VALUE_'.length).toLowerCase();
    const member: EnumMember = { id: suffix, value };
    const brief = doc.brief.slice(owner[0].length).trim();
    if (brief) member.brief = brief;
    if (doc.deprecated !== undefined) member.deprecated = parseDeprecation(doc.deprecated);
    const list = members.get(owner[1]!) ?? [];
    list.push(member);
    members.set(owner[1]!, list);
  }
  for (const [constant, list] of members) {
    const attribute = byConstant.get(constant);
    if (!attribute) continue;
    const base = list.every((m) => typeof m.value === 'string') ? 'string' : list.every((m) => Number.isInteger(m.value)) ? 'int' : 'double';
    attribute.type = { kind: 'enum', base, members: list };
    attribute.typeSource = 'declared';
  }

  const attributes = [...byConstant.values()].sort(byKey);
  return {
    info: { kind: 'builtin', version, path: PACKAGE, attributeCount: attributes.length },
    attributes,
    groups: [],
    findings: [],
  };
}

/** `/** … *\/ declare const NAME: …` pairs, with the JSDoc split into its parts. */
export function parseDeclarations(text: string): Map<string, DocComment> {
  const out = new Map<string, DocComment>();
  const pattern = /\/\*\*([\s\S]*?)\*\/\s*declare const (\w+):/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    out.set(match[2]!, parseDocComment(match[1]!));
  }
  return out;
}

function parseDocComment(body: string): DocComment {
  const lines = body.split('\n').map((line) => line.replace(/^\s*\* ?/, '').trimEnd());
  const doc: DocComment = { brief: '', examples: [], experimental: false };
  const briefLines: string[] = [];
  let tag: string | undefined;
  let tagLines: string[] = [];
  const flush = (): void => {
    const text = tagLines.join('\n').trim();
    if (tag === 'example') doc.examples.push(text);
    else if (tag === 'note') doc.note = text;
    else if (tag === 'experimental') doc.experimental = true;
    else if (tag === 'deprecated') doc.deprecated = text;
  };
  for (const line of lines) {
    const tagged = /^@(\w+)\s?(.*)$/.exec(line);
    if (tagged) {
      if (tag) flush();
      tag = tagged[1];
      tagLines = [tagged[2]!];
    } else if (tag) {
      tagLines.push(line);
    } else {
      briefLines.push(line);
    }
  }
  if (tag) flush();
  doc.brief = briefLines.join('\n').trim();
  return doc;
}

function parseExample(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function primitiveOf(value: unknown): PrimitiveType | undefined {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'string') return 'string';
  return undefined;
}

/** The type all examples agree on; ints widen to double when both appear. */
export function inferType(examples: string[]): AttributeType | undefined {
  if (examples.length === 0) return undefined;
  let found: AttributeType | undefined;
  for (const example of examples) {
    const value = parseExample(example);
    let type: AttributeType | undefined;
    if (Array.isArray(value)) {
      const elements = new Set(value.map(primitiveOf));
      const [element] = elements;
      if (elements.size === 1 && element) type = { kind: 'array', element };
      else if (elements.size === 2 && elements.has('int') && elements.has('double')) type = { kind: 'array', element: 'double' };
    } else {
      const name = primitiveOf(value);
      if (name) type = { kind: 'primitive', name };
    }
    if (!type) return undefined;
    if (!found) {
      found = type;
      continue;
    }
    if (found.kind === type.kind && JSON.stringify(found) === JSON.stringify(type)) continue;
    const names = [found, type].map((t) => (t.kind === 'primitive' ? t.name : ''));
    if (names.includes('int') && names.includes('double')) found = { kind: 'primitive', name: 'double' };
    else if (names.includes('string')) found = { kind: 'primitive', name: 'string' };
    else return undefined;
  }
  return found;
}

/** "Replaced by `x`." is a rename; "Removed…" is obsoleted; anything else is uncategorized. */
export function parseDeprecation(text: string): Deprecation {
  const note = text.replace(/\s+/g, ' ').trim();
  const renamed = /^Replaced by `([a-z0-9_.]+)`\.?$/.exec(note);
  if (renamed) return { reason: 'renamed', renamedTo: renamed[1]!, note };
  if (/^(Removed|Obsoleted)/i.test(note)) return { reason: 'obsoleted', note };
  return { reason: 'uncategorized', note };
}
