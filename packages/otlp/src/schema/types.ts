// A small, data-only description of protobuf messages: enough to validate, index, splice and
// convert OTLP to and from JSON with one walker each, instead of one hand-written decoder per
// message type.

export const enum Kind {
  Bool,
  Int32,
  Uint32,
  Sint32,
  Int64,
  Uint64,
  Enum,
  Fixed32,
  Fixed64,
  Sfixed64,
  Double,
  String,
  Bytes,
  /** bytes shown as hex in OTLP/JSON: trace and span ids. */
  Id,
  Message,
}

export interface FieldDef {
  readonly no: number;
  /** lowerCamelCase, as OTLP/JSON names it. */
  readonly json: string;
  readonly kind: Kind;
  readonly repeated: boolean;
  /** The message type, for `Kind.Message`. */
  type: MessageType | undefined;
  readonly typeName: string | undefined;
}

export interface MessageType {
  readonly name: string;
  readonly id: number;
  readonly fields: readonly FieldDef[];
  /** Field definitions by field number (sparse). */
  readonly byNo: readonly (FieldDef | undefined)[];
  readonly byJson: ReadonlyMap<string, FieldDef>;
  /** Index level (0 resource group, 1 scope group, 2 record, 3 data point) or -1. */
  level: number;
  /** Field number of this message's `repeated KeyValue` attributes, or 0. */
  attrField: number;
  /** Field number of the child message that holds this group's attributes (Resource, InstrumentationScope), or 0. */
  holderField: number;
  /** True when some descendant type is indexed: editing a descendant means re-encoding this. */
  containsIndexed: boolean;
  isAnyValue: boolean;
  /**
   * Bits (1 << field number) of the members of this message's oneof, or 0. OTLP messages have
   * at most one oneof, and its members are numbered below 32.
   */
  oneof: number;
  /** Per field number: expected wire type, or -1 for fields this schema does not know. */
  readonly wire: Int8Array;
  /** Per field number: FIELD_* bits. */
  readonly flags: Uint8Array;
}

/** The field is a string: checked for UTF-8 when decoding with `utf8: 'reject'`. */
export const FIELD_STRING = 1;
/** The field is a repeated number: the packed form (wire type 2) is accepted too. */
export const FIELD_PACKABLE = 2;
/** The field is `repeated KeyValue`: counted against `maxAttributes`. */
export const FIELD_KEYVALUES = 4;
/**
 * The field is a singular message. Protobuf parsers merge repeated copies of one; a reader that
 * keeps the last copy would read something else, so the walk refuses a second copy.
 */
export const FIELD_SINGLE_MESSAGE = 8;
/** The field is a member of the message's oneof (see `MessageType.oneof`). */
export const FIELD_ONEOF = 16;

/** `[fieldNumber, snake_case_name, kind, 'repeated'?, messageTypeName?]` */
export type FieldSpec = readonly [number, string, Kind, ...string[]];

function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function wireTypeOf(kind: Kind): number {
  switch (kind) {
    case Kind.Fixed64: case Kind.Sfixed64: case Kind.Double: return 1;
    case Kind.Fixed32: return 5;
    case Kind.String: case Kind.Bytes: case Kind.Id: case Kind.Message: return 2;
    default: return 0;
  }
}

export class Schema {
  private readonly types = new Map<string, MessageType>();
  private nextId = 0;

  define(name: string, specs: readonly FieldSpec[]): MessageType {
    const fields: FieldDef[] = [];
    const byNo: (FieldDef | undefined)[] = [];
    const byJson = new Map<string, FieldDef>();
    for (const [no, snake, kind, ...rest] of specs) {
      const field: FieldDef = {
        no,
        json: camel(snake),
        kind,
        repeated: rest.includes('repeated'),
        type: undefined,
        typeName: rest.find((r) => r !== 'repeated'),
      };
      fields.push(field);
      byNo[no] = field;
      byJson.set(field.json, field);
    }
    const size = byNo.length;
    const wire = new Int8Array(size).fill(-1);
    const flags = new Uint8Array(size);
    for (const f of fields) {
      wire[f.no] = wireTypeOf(f.kind);
      if (f.kind === Kind.String) flags[f.no] = FIELD_STRING;
      else if (f.repeated && wireTypeOf(f.kind) !== 2) flags[f.no] = FIELD_PACKABLE;
    }
    const type: MessageType = {
      name, id: this.nextId++, fields, byNo, byJson, wire, flags,
      level: -1, attrField: 0, holderField: 0, containsIndexed: false, isAnyValue: false, oneof: 0,
    };
    this.types.set(name, type);
    return type;
  }

  /** Declares the oneof of message `name` (its members by field number, all below 32). */
  oneof(name: string, members: readonly number[]): void {
    const t = this.get(name);
    for (const no of members) {
      if (no >= 32 || t.byNo[no] === undefined) throw new Error(`schema: bad oneof member ${name} field ${no}`);
      t.oneof |= 1 << no;
      t.flags[no] = (t.flags[no] ?? 0) | FIELD_ONEOF;
    }
  }

  get(name: string): MessageType {
    const t = this.types.get(name);
    if (t === undefined) throw new Error(`schema: unknown message ${name}`);
    return t;
  }

  /** Resolves message references and derives `containsIndexed`; call once after all `define`s. */
  link(): void {
    for (const t of this.types.values()) {
      for (const f of t.fields) {
        if (f.kind !== Kind.Message) continue;
        f.type = this.get(f.typeName ?? '');
        if (f.repeated && f.typeName === 'KeyValue') t.flags[f.no] = (t.flags[f.no] ?? 0) | FIELD_KEYVALUES;
        if (!f.repeated) {
          if (f.no >= 32) throw new Error(`schema: singular message ${t.name}.${f.json} needs a field number below 32`);
          t.flags[f.no] = (t.flags[f.no] ?? 0) | FIELD_SINGLE_MESSAGE;
        }
      }
    }
    const visiting = new Set<MessageType>();
    const contains = (t: MessageType): boolean => {
      if (visiting.has(t)) return false;
      visiting.add(t);
      let found = false;
      for (const f of t.fields) {
        if (f.type !== undefined && (f.type.level >= 0 || contains(f.type))) found = true;
      }
      visiting.delete(t);
      return found;
    };
    for (const t of this.types.values()) t.containsIndexed = contains(t);
  }
}
