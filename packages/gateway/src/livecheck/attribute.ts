import { RegistryIndex, type Attribute, type AttributeType } from '@cairn/conventions';
import { ValueType, type AnyValue, type AttributeCursor } from '@cairn/otlp';
import { scan } from '../stages/classify/detectors/index.js';
import { FINDING_IDS, resultOf, type LiveCheckResult, type PolicyFinding, type SignalType } from './findings.js';
import type { Suggester } from './suggest.js';

/** An attribute as Weaver's report writes it: name, value, type, and its findings. */
export interface SampleAttribute {
  name: string;
  value: unknown;
  type: string;
  live_check_result: LiveCheckResult;
}

/** Where the attribute sits: its signal, for the finding's `signal_type` / `signal_name`. */
export interface SignalRef {
  type: SignalType;
  name: string | null;
}

/** Weaver's default naming rule for attribute and metric names. */
export const NAME_FORMAT = /^[a-z][a-z0-9]*([._][a-z0-9]+)*$/;

/** Longest string value scanned for personal data: detectors need the value, not a novel. */
const SCAN_LIMIT = 4096;

/** Weaver's type name of the value under the cursor: `string`, `int`, `double`, `boolean`, `string[]`, …, `any`. */
export function typeName(cursor: AttributeCursor, value: AnyValue): string {
  switch (cursor.valueType) {
    case ValueType.String: return 'string';
    case ValueType.Bool: return 'boolean';
    case ValueType.Int: return 'int';
    case ValueType.Double: return 'double';
    case ValueType.Array: {
      if (!Array.isArray(value) || value.length === 0) return 'any[]';
      const first = value[0];
      // Decoded arrays lose int/double; every element must agree for a typed answer.
      const kind = (v: AnyValue): string =>
        typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : typeof v === 'bigint' ? 'int' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'double') : 'any';
      let k = kind(first!);
      for (const v of value) {
        const kv = kind(v);
        if (kv !== k) k = (kv === 'double' && k === 'int') || (kv === 'int' && k === 'double') ? 'double' : 'any';
      }
      return `${k}[]`;
    }
    default: return 'any';
  }
}

/** A decoded value as plain JSON: 64-bit integers beyond 2^53 as strings, bytes as hex, maps as objects. */
export function jsonValue(value: AnyValue): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, jsonValue(v)]));
  return value;
}

function expectedType(type: AttributeType): string | undefined {
  switch (type.kind) {
    case 'primitive': return type.name;
    case 'array': return `${type.element}[]`;
    case 'any': return undefined;
    case 'enum': return undefined;
    case 'template': return expectedType(type.inner);
    case 'unknown': return undefined;
  }
}

/** Whether a value of `seen` type fits `expected`. Integers fit doubles: SDKs send 2.0 as an int. */
function compatible(seen: string, expected: string): boolean {
  if (seen === expected) return true;
  if (seen === 'int' && expected === 'double') return true;
  if ((seen === 'int[]' && expected === 'double[]') || seen === 'any[]') return expected.endsWith('[]');
  return false;
}

function enumType(type: AttributeType): Extract<AttributeType, { kind: 'enum' }> | undefined {
  if (type.kind === 'enum') return type;
  if (type.kind === 'template') return enumType(type.inner);
  return undefined;
}

/**
 * The built-in advisors for one attribute, as Weaver's: missing_attribute (violation, with
 * Cairn's suggestion), template_attribute (information), deprecated (violation, with the
 * canonical name), type_mismatch (violation), undefined_enum_variant (information), not_stable
 * (improvement); and Cairn's undeclared_pii (improvement).
 */
export class AttributeAdvisor {
  /** Every namespace (dotted prefix) of a registry attribute, for extends_namespace. */
  private readonly namespaces = new Set<string>();

  constructor(private readonly index: RegistryIndex, private readonly suggester: Suggester, private readonly detectPii: boolean) {
    for (const a of index.registry.attributes) {
      for (let dot = a.key.indexOf('.'); dot !== -1; dot = a.key.indexOf('.', dot + 1)) this.namespaces.add(a.key.slice(0, dot));
    }
  }

  /**
   * Weaver's default naming policies: invalid_format (violation), illegal_namespace (violation: a
   * namespace of the key is itself an attribute), extends_namespace (information: an unknown key
   * inside a namespace the registry uses).
   */
  private naming(out: PolicyFinding[], key: string, signal: SignalRef, unknown: boolean): void {
    const push = (id: string, level: PolicyFinding['level'], context: Record<string, unknown>, message: string): void => add(out, key, signal, id, level, context, message);
    // A template instance's suffix is free-form (`http.request.header.x-forwarded-for`): only the registry's part is a name.
    if (!NAME_FORMAT.test(key) && this.index.lookup(key).kind !== 'template') push(FINDING_IDS.invalidFormat, 'violation', {}, `Attribute '${key}' does not match the name format (lowercase words separated by '.' or '_').`);
    let extended: string | undefined;
    for (let dot = key.indexOf('.'); dot !== -1; dot = key.indexOf('.', dot + 1)) {
      const prefix = key.slice(0, dot);
      const holder = this.index.get(prefix);
      if (holder && !holder.deprecated && holder.type.kind !== 'template') {
        push(FINDING_IDS.illegalNamespace, 'violation', { namespace: prefix }, `Attribute '${key}' uses namespace '${prefix}', which is an attribute.`);
        break;
      }
      if (unknown && this.namespaces.has(prefix)) extended = prefix;
    }
    if (extended !== undefined) push(FINDING_IDS.extendsNamespace, 'information', { namespace: extended }, `Attribute '${key}' extends the registry's namespace '${extended}'.`);
  }

  /** The registry attribute a key counts for in the statistics, if any. */
  registryName(key: string): string | undefined {
    const found = this.index.lookup(key);
    return found.kind === 'known' || found.kind === 'template' || found.kind === 'deprecated' ? found.attribute.key : undefined;
  }

  check(key: string, value: AnyValue, type: string, signal: SignalRef): SampleAttribute {
    const findings: PolicyFinding[] = [];
    const push = (id: string, level: PolicyFinding['level'], context: Record<string, unknown>, message: string): void => add(findings, key, signal, id, level, context, message);
    const found = this.index.lookup(key);
    let attribute: Attribute | undefined;
    switch (found.kind) {
      case 'unknown': {
        const suggestion = this.suggester.suggest(key);
        push(
          FINDING_IDS.missingAttribute, 'violation',
          suggestion ? { suggestion: suggestion.key, suggestion_kind: suggestion.kind } : {},
          `Attribute '${key}' does not exist in the registry.${suggestion ? ` Did you mean '${suggestion.key}'?` : ''}`,
        );
        if (!key.includes('.')) push(FINDING_IDS.missingNamespace, 'improvement', {}, `Attribute '${key}' has no namespace.`);
        this.naming(findings, key, signal, true);
        break;
      }
      case 'alias':
        // An old name the org registered as an alias: deprecated in favour of its canonical key.
        push(
          FINDING_IDS.deprecated, 'violation',
          { deprecation_reason: 'renamed', renamed_to: found.canonical, canonical: found.canonical, cairn_alias: true },
          `Attribute '${key}' is an alias of '${found.canonical}'; send '${found.canonical}'.`,
        );
        attribute = found.attribute;
        break;
      case 'deprecated': {
        const d = found.attribute.deprecated!;
        push(
          FINDING_IDS.deprecated, 'violation',
          {
            deprecation_reason: d.reason,
            deprecation_note: d.note ?? (d.reason === 'renamed' ? `Replaced by \`${d.renamedTo}\`.` : ''),
            ...(found.canonical ? { renamed_to: found.canonical, canonical: found.canonical } : {}),
          },
          `Attribute '${key}' is deprecated; reason = '${d.reason}'${found.canonical ? `, use '${found.canonical}'` : ''}.`,
        );
        attribute = found.attribute;
        break;
      }
      case 'template':
        push(FINDING_IDS.templateAttribute, 'information', { template_name: found.attribute.key }, `Attribute '${key}' is a template instance of '${found.attribute.key}'.`);
        attribute = found.attribute;
        break;
      case 'known':
        attribute = found.attribute;
        break;
    }
    if (found.kind !== 'unknown') this.naming(findings, key, signal, false);
    if (attribute) {
      const expected = expectedType(attribute.type);
      const enumDef = enumType(attribute.type);
      if (enumDef) {
        if (type !== 'string' && type !== 'int') {
          push(FINDING_IDS.typeMismatch, 'violation', { attribute_type: type }, `Enum attribute '${key}' has type '${type}'. Enum value type should be 'string' or 'int'.`);
        } else if (!enumDef.members.some((m) => m.value === value || (typeof value === 'bigint' && typeof m.value === 'number' && Number.isInteger(m.value) && BigInt(m.value) === value))) {
          push(FINDING_IDS.undefinedEnumVariant, 'information', { attribute_value: jsonValue(value) }, `Enum attribute '${key}' has value '${String(value)}' which is not documented.`);
        }
      } else if (expected !== undefined && !compatible(type, expected)) {
        push(FINDING_IDS.typeMismatch, 'violation', { attribute_type: type, expected }, `Attribute '${key}' has type '${type}'. Type should be '${expected}'.`);
      }
      if (found.kind !== 'alias' && attribute.stability !== undefined && attribute.stability !== 'stable') {
        push(FINDING_IDS.notStable, 'improvement', { stability: attribute.stability }, `Attribute '${key}' is not stable; stability = ${attribute.stability}.`);
      }
    }
    if (this.detectPii && typeof value === 'string' && attribute?.sensitivity !== 'pii' && attribute?.sensitivity !== 'secret') {
      const hits = scan(value.length > SCAN_LIMIT ? value.slice(0, SCAN_LIMIT) : value);
      if (hits.length > 0) {
        const detectors = [...new Set(hits.map((h) => h.detector))].sort();
        // Never the value: the report may travel further than the telemetry did.
        push(FINDING_IDS.undeclaredPii, 'improvement', { detectors }, `Attribute '${key}' carries values that look like ${detectors.join(', ')}, and is not declared pii.`);
      }
    }
    return { name: key, value: findings.some((f) => f.id === FINDING_IDS.undeclaredPii) ? '<redacted>' : jsonValue(value), type, live_check_result: resultOf(findings) };
  }
}

function add(out: PolicyFinding[], key: string, signal: SignalRef, id: string, level: PolicyFinding['level'], context: Record<string, unknown>, message: string): void {
  out.push({ id, level, context: { attribute_key: key, ...context }, message, signal_type: signal.type, signal_name: signal.name });
}
