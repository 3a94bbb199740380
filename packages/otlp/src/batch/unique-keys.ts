// Resource and scope attributes decide who owns a request and where it goes. OTLP says their
// keys are unique; when they are not, one reader takes the first copy and another the last, so a
// tenant could show the ownership check one service.name and the backends another. Decoders
// also replace invalid UTF-8 in different ways. Such requests are refused whole, in a pass after
// the walk over the few resources and scopes of a request (inside the walk, the same checks
// halved its speed: they made V8 optimize the walk's loop less well).
import { OtlpDecodeError } from '../wire/errors.js';
import { decodeUtf8, findInvalidUtf8 } from '../wire/utf8.js';
import { WireReader } from './read.js';
import type { LevelIndex } from './walk.js';

/**
 * Checks the Resource of every resource group and the InstrumentationScope of every scope group
 * of a walked request (see `checkGroupKeys`).
 */
export function checkGroups(bytes: Uint8Array, levels: readonly LevelIndex[]): void {
  const r = new WireReader().reset(bytes);
  for (let level = 0; level < 2; level++) {
    const L = levels[level]!;
    for (let i = 0; i < L.count; i++) {
      // The holder (Resource or InstrumentationScope) is field 1, once at most (the walk saw to
      // that), and SDKs write it first: stop at it rather than skip every record after it.
      const end = L.end[i]!;
      for (let tag = r.nextLen(L.start[i]!, end); tag >= 0; tag = r.nextLen(r.pos, end)) {
        if (tag === 0x0a) { checkGroupKeys(r, r.at, r.pos, level === 0); break; }
      }
    }
  }
}

const SERVICE_NAME = 'service.name';

/**
 * Checks the attributes of a Resource (`resource` true, field 1) or an InstrumentationScope
 * (field 3) whose body `[start, end)` the walk has already validated: every key is unique (as
 * decoded text), a resource's keys and string values are valid UTF-8, and its `service.name`,
 * when present, is a string.
 */
export function checkGroupKeys(r: WireReader, start: number, end: number, resource: boolean): void {
  const buf = r.buf;
  const want = resource ? 0x0a : 0x1a;
  let keys: Set<string> | undefined;
  let first: string | undefined;
  let pos = start;
  while (pos < end) {
    const head = pos;
    const tag = r.varint(pos);
    pos = r.pos;
    if (tag !== want) { pos = r.skip(pos, tag & 7); continue; }
    const len = r.varint(pos);
    pos = r.pos;
    const kvEnd = pos + len;
    let keyAt = pos;
    let keyTo = pos;
    let valueAt = -1;
    let valueTo = -1;
    for (let t = r.nextLen(pos, kvEnd); t >= 0; t = r.nextLen(r.pos, kvEnd)) {
      if (t === 0x0a) {
        keyAt = r.at;
        keyTo = r.pos;
        if (resource) utf8(buf, keyAt, keyTo); // every copy: a parser that checks UTF-8 reads them all
      } else if (t === 0x12) { valueAt = r.at; valueTo = r.pos; }
    }
    pos = kvEnd;
    if (resource && valueAt >= 0) valueUtf8(r, valueAt, valueTo);
    const key = decodeUtf8(buf, keyAt, keyTo);
    // Most groups have a handful of keys: compare against the first before building a set.
    if (first === undefined) first = key;
    else {
      keys ??= new Set([first]);
      if (keys.has(key)) throw new OtlpDecodeError('OTLP_DUPLICATE_ATTRIBUTE_KEY', head, `${resource ? 'Resource' : 'InstrumentationScope'} attribute "${key}" occurs twice`);
      keys.add(key);
    }
    if (resource && key === SERVICE_NAME && !holdsString(r, valueAt, valueTo)) {
      throw new OtlpDecodeError('OTLP_SERVICE_NAME_NOT_STRING', head, 'resource attribute service.name is not a string value');
    }
  }
}

/** True when the AnyValue body `[at, to)` sets string_value (the walk refused a second member). */
function holdsString(r: WireReader, at: number, to: number): boolean {
  if (at < 0) return false;
  for (let t = r.nextLen(at, to); t >= 0; t = r.nextLen(r.pos, to)) if (t === 0x0a) return true;
  return false;
}

function utf8(buf: Uint8Array, start: number, end: number): void {
  const bad = findInvalidUtf8(buf, start, end);
  if (bad >= 0) throw new OtlpDecodeError('OTLP_INVALID_UTF8', bad, 'resource attributes must be valid UTF-8: decoders replace invalid bytes in different ways');
}

/** Checks the strings of the AnyValue body `[at, to)` (nested arrays and kvlists included; the walk bounded the depth). */
function valueUtf8(r: WireReader, at: number, to: number): void {
  for (let pos = at, tag = r.nextLen(pos, to); tag >= 0; tag = r.nextLen(pos, to)) {
    pos = r.pos; // before checking: nested lists move the reader
    if (tag === 0x0a) utf8(r.buf, r.at, pos);
    else if (tag === 0x2a || tag === 0x32) listUtf8(r, r.at, pos, tag === 0x32);
  }
}

/** ArrayValue (`kv` false: values are AnyValues) or KeyValueList (KeyValues) body: every element's strings. */
function listUtf8(r: WireReader, at: number, to: number, kv: boolean): void {
  for (let pos = at, tag = r.nextLen(pos, to); tag >= 0; tag = r.nextLen(pos, to)) {
    pos = r.pos;
    if (tag !== 0x0a) continue;
    if (!kv) { valueUtf8(r, r.at, pos); continue; }
    for (let p = r.at, t = r.nextLen(p, pos); t >= 0; t = r.nextLen(p, pos)) {
      p = r.pos;
      if (t === 0x0a) utf8(r.buf, r.at, p);
      else if (t === 0x12) valueUtf8(r, r.at, p);
    }
  }
}
