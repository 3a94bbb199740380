import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { jsonToProtobuf, OtlpDecodeError, type Signal } from '@cairn/otlp';

/** Bad input to live-check: a stable code, and where (file:line or byte offset). */
export class LiveCheckInputError extends Error {
  constructor(readonly code: 'CAIRN_LIVECHECK_JSON' | 'CAIRN_LIVECHECK_SIGNAL' | 'CAIRN_LIVECHECK_OTLP' | 'CAIRN_LIVECHECK_READ', readonly where: string, message: string) {
    super(`${where}: ${message}`);
  }
}

/** One JSON document found in a text: its span and the line it starts on (1-based). */
export interface JsonDocument {
  start: number;
  end: number;
  line: number;
}

/**
 * Splits a text into its top-level JSON objects: one document, JSON lines (what the Collector's
 * file exporter writes), or documents simply written one after another. Only braces outside
 * strings count, so `{"a":"}"}` is one document. Anything but whitespace between documents, or
 * an object left open, is an error naming its line.
 */
export function splitJsonDocuments(text: string, name = '<input>'): JsonDocument[] {
  const docs: JsonDocument[] = [];
  let line = 1;
  // The open brackets, innermost last: `{]` and `[}` are errors, not the end of a document.
  const open: number[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92) i++; // backslash: the next code unit is escaped (an escaped newline is not JSON, and JSON.parse says so)
      else if (c === 34) inString = false;
      continue;
    }
    if (depth === 0) {
      if (c === 32 || c === 9 || c === 10 || c === 13) continue;
      if (c !== 123) throw new LiveCheckInputError('CAIRN_LIVECHECK_JSON', `${name}:${line}`, `expected '{' to start an OTLP/JSON document, found ${JSON.stringify(text[i])}`);
      start = i;
      startLine = line;
      open.push(125);
      depth = 1;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      open.push(c === 123 ? 125 : 93);
      depth++;
    } else if (c === 125 || c === 93) {
      if (open.pop() !== c) throw new LiveCheckInputError('CAIRN_LIVECHECK_JSON', `${name}:${line}`, `unexpected ${JSON.stringify(text[i])}: brackets do not match`);
      depth--;
      if (depth === 0) docs.push({ start, end: i + 1, line: startLine });
    }
  }
  if (depth !== 0 || inString) throw new LiveCheckInputError('CAIRN_LIVECHECK_JSON', `${name}:${startLine}`, 'the JSON document that starts here never ends');
  return docs;
}

const SIGNAL_KEY = /^\{\s*"resource(Spans|Metrics|Logs)"/;
const SIGNAL_OF: Record<string, Signal> = { Spans: 'traces', Metrics: 'metrics', Logs: 'logs' };

/** The signal of an OTLP/JSON document, from its first key; undefined for `{}`. */
export function jsonSignal(doc: string): Signal | undefined | 'unknown' {
  if (/^\{\s*\}$/.test(doc)) return undefined;
  const m = SIGNAL_KEY.exec(doc);
  return m ? SIGNAL_OF[m[1]!]! : 'unknown';
}

/** A protobuf file's signal, from its name (`traces.pb`, `spans.binpb`, `metrics.pb`, `logs.pb`). */
export function signalFromName(file: string): Signal | undefined {
  const name = basename(file).toLowerCase();
  if (/trace|span/.test(name)) return 'traces';
  if (/metric/.test(name)) return 'metrics';
  if (/log/.test(name)) return 'logs';
  return undefined;
}

export interface OtlpRequest {
  signal: Signal;
  bytes: Uint8Array;
  /** file:line, or the file name for protobuf. */
  where: string;
}

/**
 * The export requests in one OTLP file: OTLP/JSON (one document or JSON lines) or protobuf (one
 * ExportXServiceRequest; the signal comes from `signal` or the file name).
 */
export function readOtlpFile(file: string, signal?: Signal): OtlpRequest[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new LiveCheckInputError('CAIRN_LIVECHECK_READ', file, (error as Error).message);
  }
  let first = 0;
  while (first < bytes.length && (bytes[first] === 32 || bytes[first] === 10 || bytes[first] === 13 || bytes[first] === 9)) first++;
  if (bytes[first] === 123) return readJsonText(bytes.toString('utf8'), file);
  const chosen = signal ?? signalFromName(file);
  if (!chosen) throw new LiveCheckInputError('CAIRN_LIVECHECK_SIGNAL', file, 'a protobuf file does not say its signal: name it traces/metrics/logs (e.g. traces.pb) or pass --signal');
  return [{ signal: chosen, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), where: file }];
}

/** OTLP/JSON text (one document, or several) as protobuf export requests. */
export function readJsonText(text: string, name: string): OtlpRequest[] {
  const out: OtlpRequest[] = [];
  for (const doc of splitJsonDocuments(text, name)) {
    const slice = text.slice(doc.start, doc.end);
    const where = `${name}:${doc.line}`;
    const signal = jsonSignal(slice);
    if (signal === undefined) continue;
    if (signal === 'unknown') throw new LiveCheckInputError('CAIRN_LIVECHECK_SIGNAL', where, 'not an OTLP export request: the first key must be resourceSpans, resourceMetrics or resourceLogs');
    try {
      out.push({ signal, bytes: jsonToProtobuf(signal, slice), where });
    } catch (error) {
      if (error instanceof OtlpDecodeError) throw new LiveCheckInputError('CAIRN_LIVECHECK_OTLP', where, error.message);
      throw error;
    }
  }
  return out;
}
