// OTLP/JSON text -> protobuf bytes, parsed straight into the writer by the schema (no
// intermediate objects, and 64-bit integers written as numbers keep every digit, which
// JSON.parse would round beyond 2^53). The bytes then decode into the same views as protobuf.
import { Kind, wireTypeOf, type FieldDef, type MessageType } from '../schema/types.js';
import { REQUEST_TYPE, type Signal } from '../schema/otlp.js';
import { OtlpDecodeError, type OtlpErrorCode } from '../wire/errors.js';
import { resolveLimits, type DecodeOptions, type ResolvedLimits } from '../wire/limits.js';
import { ProtoWriter, WireType } from '../wire/writer.js';
import { fromBase64, fromHex } from '../wire/encoding.js';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER = /^-?\d+$/;
/** The longest integer text read: 64-bit values need 20 digits and a sign; longer is refused before BigInt. */
const MAX_INTEGER_CHARS = 25;
/**
 * What a non-hex id becomes: one zero byte. Every id field is 8 or 16 bytes (or empty), so the
 * record keeps an id that id validation refuses, and a gateway refuses that record alone.
 */
const INVALID_ID = new Uint8Array(1);
/** Unknown JSON fields may nest this much deeper than the AnyValue limit before we give up. */
const SKIP_DEPTH_SLACK = 64;

class JsonToProtobuf {
  private i = 0;
  private readonly path: (string | number)[] = [];

  constructor(private readonly s: string, private readonly limits: ResolvedLimits, private readonly w: ProtoWriter) {}

  fail(code: OtlpErrorCode, detail: string): never {
    if (this.i >= this.s.length) { code = 'OTLP_JSON_SYNTAX'; detail = `unexpected end of JSON (${detail})`; }
    let p = '';
    for (const seg of this.path) p += typeof seg === 'number' ? `[${seg}]` : p === '' ? seg : `.${seg}`;
    throw new OtlpDecodeError(code, this.i, detail, p === '' ? '$' : p);
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  peek(): number {
    this.ws();
    return this.s.charCodeAt(this.i);
  }

  expect(c: number, what: string): void {
    if (this.peek() !== c) this.fail('OTLP_JSON_SYNTAX', `expected ${what}`);
    this.i++;
  }

  literal(word: string): boolean {
    if (this.s.startsWith(word, this.i)) { this.i += word.length; return true; }
    return false;
  }

  string(): string {
    if (this.peek() !== 34) this.fail('OTLP_JSON_SYNTAX', 'expected a string');
    const s = this.s;
    let i = ++this.i;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= s.length) this.fail('OTLP_JSON_SYNTAX', 'unterminated string');
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c < 32) { this.i = i; this.fail('OTLP_JSON_SYNTAX', 'control character in string'); }
      if (c !== 92) { i++; continue; }
      out += s.slice(from, i);
      const e = s.charCodeAt(i + 1);
      const simple = e === 110 ? '\n' : e === 116 ? '\t' : e === 114 ? '\r' : e === 98 ? '\b' : e === 102 ? '\f'
        : e === 34 ? '"' : e === 92 ? '\\' : e === 47 ? '/' : undefined;
      if (simple !== undefined) { out += simple; i += 2; }
      else if (e === 117) {
        const hex = s.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) { this.i = i; this.fail('OTLP_JSON_SYNTAX', 'bad \\u escape'); }
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else { this.i = i; this.fail('OTLP_JSON_SYNTAX', 'bad escape'); }
      from = i;
    }
    out += s.slice(from, i);
    this.i = i + 1;
    return out;
  }

  numberText(): string | undefined {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (m === null) return undefined;
    this.i += m[0].length;
    return m[0];
  }

  /** Skips any JSON value (an unknown field's). */
  skipValue(depth: number): void {
    if (depth > this.limits.maxDepth + SKIP_DEPTH_SLACK) this.fail('OTLP_DEPTH', 'JSON nested too deeply');
    const c = this.peek();
    if (c === 123) {
      this.i++;
      if (this.peek() === 125) { this.i++; return; }
      const keys = new Set<string>();
      for (;;) {
        const at = this.i;
        const key = this.string();
        if (keys.has(key)) this.duplicateKey(key, at);
        keys.add(key);
        this.expect(58, "':'");
        this.skipValue(depth + 1);
        if (this.peek() === 44) { this.i++; continue; }
        this.expect(125, "',' or '}'");
        return;
      }
    }
    if (c === 91) {
      this.i++;
      if (this.peek() === 93) { this.i++; return; }
      for (;;) {
        this.skipValue(depth + 1);
        if (this.peek() === 44) { this.i++; continue; }
        this.expect(93, "',' or ']'");
        return;
      }
    }
    if (c === 34) { this.string(); return; }
    if (this.literal('true') || this.literal('false') || this.literal('null')) return;
    if (this.numberText() === undefined) this.fail('OTLP_JSON_SYNTAX', 'expected a value');
  }

  /**
   * JSON.parse keeps the last copy of a key and other parsers the first, so a key twice in one
   * object could mean two things: the request is refused.
   */
  duplicateKey(key: string, at: number): never {
    this.i = at;
    this.fail('OTLP_DUPLICATE_FIELD', `key "${key}" occurs twice in one object`);
  }

  /** Parses a JSON object as message `t` and writes its fields (the body, no tag or length). */
  message(t: MessageType, depth: number): void {
    this.expect(123, "'{'");
    if (this.peek() === 125) { this.i++; return; }
    let seen = 0; // bits by field number (OTLP numbers its fields below 32)
    let unknown: Set<string> | undefined;
    for (;;) {
      const at = this.i;
      const key = this.string();
      this.expect(58, "':'");
      const f = t.byJson.get(key);
      if (f !== undefined && f.no < 32) {
        if ((seen & (1 << f.no)) !== 0) this.duplicateKey(key, at);
        seen |= 1 << f.no;
      } else {
        unknown ??= new Set();
        if (unknown.has(key)) this.duplicateKey(key, at);
        unknown.add(key);
      }
      this.path.push(key);
      if (f === undefined) this.skipValue(depth);
      else if (this.peek() === 110 && this.literal('null')) { /* null: the field is absent */ }
      else if (f.repeated) this.repeated(f, depth);
      else this.field(f, depth);
      this.path.pop();
      if (this.peek() === 44) { this.i++; continue; }
      this.expect(125, "',' or '}'");
      return;
    }
  }

  repeated(f: FieldDef, depth: number): void {
    if (this.peek() !== 91) this.fail('OTLP_JSON_TYPE', `${f.json} must be an array`);
    this.i++;
    const packed = wireTypeOf(f.kind) !== WireType.Len;
    let m = 0;
    if (packed) { this.w.tag(f.no, WireType.Len); m = this.w.begin(64); }
    if (this.peek() === 93) this.i++;
    else {
      for (let k = 0; ; k++) {
        this.path.push(k);
        if (packed) this.scalar(f);
        else this.field(f, depth);
        this.path.pop();
        if (this.peek() === 44) { this.i++; continue; }
        this.expect(93, "',' or ']'");
        break;
      }
    }
    if (packed) this.w.end(m);
  }

  /** Writes one occurrence of `f`: tag and value. */
  field(f: FieldDef, depth: number): void {
    const w = this.w;
    if (f.kind === Kind.Message) {
      const d = f.type!.isAnyValue ? depth + 1 : depth;
      if (d > this.limits.maxDepth) this.fail('OTLP_DEPTH', `AnyValue nested deeper than ${this.limits.maxDepth}`);
      if (this.peek() !== 123) this.fail('OTLP_JSON_TYPE', `${f.json} must be an object`);
      w.tag(f.no, WireType.Len);
      const m = w.begin(64);
      this.message(f.type!, d);
      w.end(m);
      return;
    }
    if (f.kind === Kind.String || f.kind === Kind.Id || f.kind === Kind.Bytes) {
      if (this.peek() !== 34) this.fail('OTLP_JSON_TYPE', `${f.json} must be a string`);
      const text = this.string();
      if (f.kind === Kind.String) { w.stringField(f.no, text); return; }
      let bytes = f.kind === Kind.Id ? fromHex(text) : fromBase64(text);
      if (bytes === undefined && f.kind === Kind.Id) bytes = INVALID_ID; // refused with its record, not with the request
      if (bytes === undefined) this.fail('OTLP_JSON_VALUE', `${f.json} must be base64`);
      w.bytesField(f.no, bytes, 0, bytes.length);
      return;
    }
    w.tag(f.no, wireTypeOf(f.kind));
    this.scalar(f);
  }

  /** Writes the value of a numeric or bool field (no tag). */
  scalar(f: FieldDef): void {
    const w = this.w;
    const c = this.peek();
    if (f.kind === Kind.Bool) {
      if (this.literal('true')) w.varint(1);
      else if (this.literal('false')) w.varint(0);
      else this.fail('OTLP_JSON_TYPE', `${f.json} must be true or false`);
      return;
    }
    const text = c === 34 ? this.string() : this.numberText();
    if (text === undefined) this.fail('OTLP_JSON_TYPE', `${f.json} must be a number`);
    if (f.kind === Kind.Double) {
      const v = Number(text); // the quoted forms "NaN", "Infinity" and "-Infinity" included
      if (Number.isNaN(v) && text !== 'NaN') this.fail('OTLP_JSON_VALUE', `${f.json} must be a number`);
      w.double(v);
      return;
    }
    const v = this.integer(text, f);
    switch (f.kind) {
      case Kind.Int32: case Kind.Enum: this.range(v, -0x80000000n, 0x7fffffffn, f); w.varint64(Number(BigInt.asUintN(32, v)), v < 0n ? 0xffffffff : 0); return;
      case Kind.Uint32: this.range(v, 0n, 0xffffffffn, f); w.varint(Number(v)); return;
      case Kind.Sint32: { this.range(v, -0x80000000n, 0x7fffffffn, f); const n = Number(v); w.varint(((n << 1) ^ (n >> 31)) >>> 0); return; }
      case Kind.Fixed32: this.range(v, 0n, 0xffffffffn, f); w.fixed32(Number(v)); return;
      default: {
        const signed = f.kind === Kind.Int64 || f.kind === Kind.Sfixed64;
        this.range(v, signed ? -(1n << 63n) : 0n, signed ? (1n << 63n) - 1n : (1n << 64n) - 1n, f);
        const u = BigInt.asUintN(64, v);
        const lo = Number(u & 0xffffffffn);
        const hi = Number(u >> 32n);
        if (f.kind === Kind.Fixed64 || f.kind === Kind.Sfixed64) w.fixed64(lo, hi);
        else w.varint64(lo, hi);
      }
    }
  }

  integer(text: string, f: FieldDef): bigint {
    if (text.length > MAX_INTEGER_CHARS) this.fail('OTLP_JSON_VALUE', `${f.json} is longer than ${MAX_INTEGER_CHARS} characters`);
    if (INTEGER.test(text)) return BigInt(text);
    const n = Number(text);
    if (!Number.isInteger(n)) this.fail('OTLP_JSON_VALUE', `${f.json} must be an integer`);
    return BigInt(n);
  }

  range(v: bigint, min: bigint, max: bigint, f: FieldDef): void {
    if (v < min || v > max) this.fail('OTLP_JSON_VALUE', `${f.json} is out of range`);
  }

  end(): void {
    this.ws();
    if (this.i !== this.s.length) this.fail('OTLP_JSON_SYNTAX', 'unexpected text after the JSON value');
  }
}

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/** Converts an OTLP/JSON request body (text or UTF-8 bytes) of `signal` to protobuf bytes. */
export function jsonToProtobuf(signal: Signal, json: string | Uint8Array, options?: DecodeOptions): Uint8Array {
  const limits = resolveLimits(options);
  if (json.length > limits.maxMessageBytes) {
    throw new OtlpDecodeError('OTLP_TOO_LARGE', limits.maxMessageBytes, `body is ${json.length} long, limit ${limits.maxMessageBytes}`);
  }
  let text: string;
  if (typeof json === 'string') text = json.charCodeAt(0) === 0xfeff ? json.slice(1) : json;
  else if (limits.rejectInvalidUtf8) {
    try { text = fatal.decode(json); } catch { throw new OtlpDecodeError('OTLP_INVALID_UTF8', 0, 'JSON body is not valid UTF-8'); }
  } else text = lossy.decode(json);
  const w = new ProtoWriter(Math.max(256, text.length >>> 1));
  const p = new JsonToProtobuf(text, limits, w);
  p.message(REQUEST_TYPE[signal], 0);
  p.end();
  return w.finish();
}
