// Resource and scope attributes decide who owns a request and where it goes. OTLP says their
// keys are unique; when they are not, one reader takes the first copy and another the last, so a
// tenant could show the ownership check one service.name and the backends another. The walk
// refuses such requests whole. Resources and scopes are few per request, so this costs little.
import { OtlpDecodeError } from '../wire/errors.js';
import { decodeUtf8 } from '../wire/utf8.js';
import type { WireReader } from './read.js';

const SERVICE_NAME = 'service.name';

/**
 * Checks the attributes of a Resource (`resource` true, field 1) or an InstrumentationScope
 * (field 3) whose body `[start, end)` the walk has already validated: every key is unique (as
 * decoded text: two invalid byte sequences that both decode to U+FFFD count as the same key),
 * and a resource's `service.name`, when present, is a string.
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
    while (pos < kvEnd) {
      const t = r.varint(pos);
      pos = r.pos;
      if (t === 0x0a || t === 0x12) {
        const l = r.varint(pos);
        pos = r.pos;
        if (t === 0x0a) { keyAt = pos; keyTo = pos + l; } else { valueAt = pos; valueTo = pos + l; }
        pos += l;
      } else pos = r.skip(pos, t & 7);
    }
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
  let pos = at;
  while (pos >= 0 && pos < to) {
    const t = r.varint(pos);
    if (t === 0x0a) return true;
    pos = r.skip(r.pos, t & 7);
  }
  return false;
}
