import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { didYouMean, type Finding } from '../findings.js';
import type { SourceLocation } from '../model.js';

/**
 * One YAML file with the positions of its nodes, and the findings made while reading it.
 * Readers below never throw on bad input: they record a finding that names file:line:col and
 * return `undefined`, so one run reports every problem in a file.
 */
export class YamlSource {
  readonly path: string;
  readonly document: Document.Parsed;
  readonly findings: Finding[] = [];
  private readonly lines: LineCounter;

  constructor(path: string, text: string) {
    this.path = path;
    this.lines = new LineCounter();
    this.document = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const error of this.document.errors) {
      const location = this.at(error.pos[0]);
      const duplicate = error.code === 'DUPLICATE_KEY';
      this.findings.push({
        id: duplicate ? 'yaml.duplicate-key' : 'yaml.syntax',
        level: 'error',
        message: firstLine(error.message),
        location,
        hint: duplicate ? 'each key may appear once per mapping' : 'fix the YAML syntax at this position',
      });
    }
  }

  get usable(): boolean {
    return this.document.errors.length === 0;
  }

  at(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.path, line, col };
  }

  loc(node: Node | null | undefined): SourceLocation {
    return this.at(node?.range?.[0] ?? 0);
  }

  /** Follows a YAML alias (`*name`) to the node it stands for. */
  deref(node: Node | null | undefined): Node | null {
    if (!isAlias(node)) return node ?? null;
    return (node.resolve(this.document) as Node | undefined) ?? null;
  }

  /** The items of a list, aliases followed. */
  items(node: YAMLSeq): (Node | null)[] {
    return (node.items as (Node | null)[]).map((item) => this.deref(item));
  }

  report(id: string, node: Node | null | undefined, message: string, hint?: string): void {
    const finding: Finding = { id, level: 'error', message, location: this.loc(node) };
    if (hint) finding.hint = hint;
    this.findings.push(finding);
  }
}

function firstLine(message: string): string {
  const newline = message.indexOf('\n');
  return newline === -1 ? message : message.slice(0, newline);
}

/** The fields of a mapping, by key, with the key nodes kept for positions. */
export interface Fields {
  node: YAMLMap;
  values: Map<string, Node | null>;
  keys: Map<string, Node>;
}

/**
 * Reads a mapping whose keys must come from `allowed`. Unknown keys are reported with a
 * did-you-mean; the rest of the mapping is still read.
 */
export function readFields(src: YamlSource, raw: Node | null | undefined, allowed: readonly string[], what: string): Fields | undefined {
  const node = src.deref(raw);
  if (!isMap(node)) {
    src.report('schema.wrong-type', node, `${what} must be a mapping, found ${describe(node)}`);
    return undefined;
  }
  const values = new Map<string, Node | null>();
  const keys = new Map<string, Node>();
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
      src.report('schema.wrong-type', keyNode, `keys of ${what} must be strings`);
      continue;
    }
    const key = keyNode.value;
    if (!allowed.includes(key)) {
      const suggestion = didYouMean(key, allowed);
      src.report(
        'schema.unknown-key',
        keyNode,
        `unknown key \`${key}\` in ${what}`,
        suggestion ? `did you mean \`${suggestion}\`?` : `allowed keys: ${allowed.join(', ')}`,
      );
      continue;
    }
    values.set(key, src.deref(pair.value as Node | null));
    keys.set(key, keyNode);
  }
  return { node, values, keys };
}

export function describe(node: Node | null | undefined): string {
  if (node == null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return 'null';
    return `${typeof value} ${JSON.stringify(value)}`;
  }
  return 'an alias';
}

export function readString(src: YamlSource, fields: Fields, key: string, what: string, required = false): string | undefined {
  const node = fields.values.get(key);
  if (node === undefined) {
    if (required) src.report('schema.missing-key', fields.node, `${what} needs \`${key}\``);
    return undefined;
  }
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value);
  src.report('schema.wrong-type', node ?? fields.keys.get(key), `\`${key}\` of ${what} must be a string, found ${describe(node)}`);
  return undefined;
}

export function readBoolean(src: YamlSource, fields: Fields, key: string, what: string): boolean | undefined {
  const node = fields.values.get(key);
  if (node === undefined) return undefined;
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  src.report('schema.wrong-type', node ?? fields.keys.get(key), `\`${key}\` of ${what} must be true or false, found ${describe(node)}`);
  return undefined;
}

export function readOneOf<T extends string>(src: YamlSource, fields: Fields, key: string, what: string, allowed: readonly T[]): T | undefined {
  const value = readString(src, fields, key, what);
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const suggestion = didYouMean(value, allowed);
  src.report(
    'schema.invalid-value',
    fields.values.get(key),
    `\`${key}\` of ${what} is \`${value}\`; it must be one of ${allowed.join(', ')}`,
    suggestion ? `did you mean \`${suggestion}\`?` : undefined,
  );
  return undefined;
}

export function readStringList(src: YamlSource, fields: Fields, key: string, what: string): string[] | undefined {
  const node = fields.values.get(key);
  if (node === undefined) return undefined;
  if (!isSeq(node)) {
    src.report('schema.wrong-type', node ?? fields.keys.get(key), `\`${key}\` of ${what} must be a list of strings, found ${describe(node)}`);
    return undefined;
  }
  const out: string[] = [];
  for (const item of src.items(node)) {
    if (isScalar(item) && typeof item.value === 'string') out.push(item.value);
    else src.report('schema.wrong-type', item ?? node, `items of \`${key}\` in ${what} must be strings, found ${describe(item)}`);
  }
  return out;
}

/** Plain data for free-form fields (`examples`). */
export function readPlain(fields: Fields, key: string): unknown {
  const node = fields.values.get(key);
  if (node === undefined || node === null) return undefined;
  try {
    return node.toJSON();
  } catch {
    // A recursive or runaway alias: the value is not plain data.
    return undefined;
  }
}
