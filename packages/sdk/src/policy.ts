// What the registry says about each key, compiled once into per-key answers so the per-span
// paths (redaction, baggage allowlist) cost one Map lookup per attribute.
import { createHmac } from 'node:crypto';
import { RegistryIndex, type Attribute, type AttributeType, type ResolvedRegistry, type Sensitivity } from '@cairn/conventions';
import type { AttributeValue, Attributes } from '@opentelemetry/api';

/** What happens to a field with this sensitivity before export. */
export type PiiHandling = 'keep' | 'hash' | 'drop';

const KEEP = 0;
const DROP = 1;
const HASH = 2;
type Action = typeof KEEP | typeof DROP | typeof HASH;

/** Unknown keys come from anywhere, so the per-key cache stops growing here. */
const MAX_CACHED_KEYS = 10_000;

export interface PolicyOptions {
  pii?: PiiHandling;
  /** Required when `pii` is `hash`: the HMAC-SHA256 key. */
  piiHashKey?: string;
  /** Keys to carry in baggage beyond those the registry marks `propagate: true`. pii and secret keys are refused anyway. */
  propagate?: readonly string[];
}

export class FieldPolicy {
  readonly index: RegistryIndex;
  private readonly pii: PiiHandling;
  private readonly hashKey: string | undefined;
  private readonly extraPropagate: ReadonlySet<string>;
  private readonly actions = new Map<string, Action>();

  constructor(registry: ResolvedRegistry, options: PolicyOptions = {}) {
    this.index = new RegistryIndex(registry);
    this.pii = options.pii ?? 'keep';
    this.hashKey = options.piiHashKey;
    if (this.pii === 'hash' && !this.hashKey) {
      throw new CairnConfigError('CAIRN_PII_HASH_KEY_MISSING', 'pii: "hash" needs a key: set CAIRN_PII_HASH_KEY (or the piiHashKey option) to a secret string');
    }
    this.extraPropagate = new Set(options.propagate ?? []);
  }

  /** The attribute a key stands for: itself, the canonical attribute of an alias, or its template. */
  attributeOf(key: string): Attribute | undefined {
    const found = this.index.lookup(key);
    return found.kind === 'unknown' ? undefined : found.attribute;
  }

  sensitivityOf(key: string): Sensitivity | undefined {
    return this.attributeOf(key)?.sensitivity;
  }

  /** True when the key may travel to other services in baggage. */
  mayPropagate(key: string): boolean {
    const attribute = this.attributeOf(key);
    // Unclassified keys never travel: nobody has said they are safe to hand to another service.
    if (attribute === undefined) return false;
    if (attribute.sensitivity === 'pii' || attribute.sensitivity === 'secret') return false;
    return attribute.propagate || this.extraPropagate.has(key) || this.extraPropagate.has(attribute.key);
  }

  /** Turns a baggage string back into the registry's value type; undefined when it does not parse. */
  fromBaggage(key: string, text: string): AttributeValue | undefined {
    const type = this.attributeOf(key)?.type;
    return type === undefined ? text : parseAs(type, text);
  }

  /**
   * Drops secret fields and applies the pii handling. Returns `attributes` itself when nothing
   * changes, so the common case allocates nothing.
   */
  redact(attributes: Attributes): Attributes {
    let out: Record<string, AttributeValue | undefined> | undefined;
    for (const key in attributes) {
      const action = this.actionOf(key);
      if (action === KEEP) continue;
      out ??= { ...attributes };
      if (action === DROP) delete out[key];
      else out[key] = this.hash(attributes[key]);
    }
    return out ?? attributes;
  }

  private hash(value: AttributeValue | undefined): string {
    return createHmac('sha256', this.hashKey ?? '').update(JSON.stringify(value ?? null)).digest('hex');
  }

  private actionOf(key: string): Action {
    const cached = this.actions.get(key);
    if (cached !== undefined) return cached;
    const sensitivity = this.sensitivityOf(key);
    let action: Action = KEEP;
    if (sensitivity === 'secret') action = DROP;
    else if (sensitivity === 'pii' && this.pii !== 'keep') action = this.pii === 'drop' ? DROP : HASH;
    if (this.actions.size < MAX_CACHED_KEYS) this.actions.set(key, action);
    return action;
  }
}

function parseAs(type: AttributeType, text: string): AttributeValue | undefined {
  switch (type.kind) {
    case 'primitive':
      return parsePrimitive(type.name, text);
    case 'enum':
      return type.base === 'string' ? text : parsePrimitive(type.base, text);
    case 'template':
      return parseAs(type.inner, text);
    default:
      return text;
  }
}

function parsePrimitive(name: 'string' | 'int' | 'double' | 'boolean', text: string): AttributeValue | undefined {
  if (name === 'string') return text;
  if (name === 'boolean') return text === 'true' ? true : text === 'false' ? false : undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (name === 'int' && !Number.isInteger(n))) return undefined;
  return n;
}

export type ConfigErrorCode = 'CAIRN_PII_HASH_KEY_MISSING' | 'CAIRN_CONVENTIONS_UNREADABLE' | 'CAIRN_BAD_OPTION';

/** Bad configuration: a stable code, and a message that says what to change. */
export class CairnConfigError extends Error {
  readonly code: ConfigErrorCode;
  constructor(code: ConfigErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'CairnConfigError';
    this.code = code;
  }
}
