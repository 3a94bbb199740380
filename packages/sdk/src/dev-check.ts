// Development-mode feedback on field names and values. Production never constructs this: the
// callers hold `undefined` instead, so the production path is one branch (bench/sdk measures it).
import { didYouMean, type AttributeType, type RegistryIndex } from '@cairn/conventions';

export type FieldProblem = 'unknown' | 'alias' | 'deprecated' | 'type';

export interface FieldWarning {
  code: 'CAIRN_UNKNOWN_FIELD' | 'CAIRN_ALIAS_FIELD' | 'CAIRN_DEPRECATED_FIELD' | 'CAIRN_FIELD_TYPE';
  problem: FieldProblem;
  key: string;
  /** The key to use instead, when the registry knows one. */
  suggestion?: string;
  message: string;
}

const CODES: Record<FieldProblem, FieldWarning['code']> = {
  unknown: 'CAIRN_UNKNOWN_FIELD',
  alias: 'CAIRN_ALIAS_FIELD',
  deprecated: 'CAIRN_DEPRECATED_FIELD',
  type: 'CAIRN_FIELD_TYPE',
};

export class FieldChecker {
  private readonly warned = new Set<string>();

  constructor(
    private readonly index: RegistryIndex,
    private readonly emit: (warning: FieldWarning) => void,
  ) {}

  check(fields: Readonly<Record<string, unknown>>): void {
    for (const key in fields) {
      const value = fields[key];
      if (value !== undefined) this.checkOne(key, value);
    }
  }

  private checkOne(key: string, value: unknown): void {
    const found = this.index.lookup(key);
    switch (found.kind) {
      case 'unknown': {
        // The suggestion scans the whole registry: only worth it the first time.
        if (this.warned.has(`unknown\u0000${key}`)) return;
        const suggestion = didYouMean(key, this.index.registry.attributes.map((a) => a.key));
        this.warn('unknown', key, suggestion, `"${key}" is not in the registry${suggestion ? `; did you mean "${suggestion}"?` : '; add it to the conventions or use a registry key'}`);
        return;
      }
      case 'alias':
        this.warn('alias', key, found.canonical, `"${key}" is an old name; use "${found.canonical}"`);
        break;
      case 'deprecated':
        this.warn('deprecated', key, found.canonical, `"${key}" is deprecated${found.canonical ? `; use "${found.canonical}"` : ''}`);
        break;
      default:
    }
    const mismatch = describeMismatch(found.attribute.type, value);
    if (mismatch !== undefined) this.warn('type', key, undefined, `"${key}" ${mismatch}`);
  }

  private warn(problem: FieldProblem, key: string, suggestion: string | undefined, message: string): void {
    const id = `${problem}\u0000${key}`;
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.emit(suggestion === undefined ? { code: CODES[problem], problem, key, message } : { code: CODES[problem], problem, key, suggestion, message });
  }
}

/** Undefined when `value` fits `type`, else what is wrong, in words. */
export function describeMismatch(type: AttributeType, value: unknown): string | undefined {
  switch (type.kind) {
    case 'primitive':
      return fits(type.name, value) ? undefined : `expects ${type.name}, got ${show(value)}`;
    case 'array':
      return Array.isArray(value) && value.every((v) => fits(type.element, v)) ? undefined : `expects ${type.element}[], got ${show(value)}`;
    case 'enum': {
      if (type.members.some((m) => m.value === value)) return undefined;
      return `expects one of ${type.members.map((m) => JSON.stringify(m.value)).join(', ')}, got ${show(value)}`;
    }
    case 'template':
      return describeMismatch(type.inner, value);
    default:
      return undefined;
  }
}

function fits(name: 'string' | 'int' | 'double' | 'boolean', value: unknown): boolean {
  if (name === 'string') return typeof value === 'string';
  if (name === 'boolean') return typeof value === 'boolean';
  if (name === 'int') return typeof value === 'number' && Number.isInteger(value);
  return typeof value === 'number';
}

function show(value: unknown): string {
  return Array.isArray(value) ? `array ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}
