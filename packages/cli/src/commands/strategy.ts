import { readFileSync } from 'node:fs';
import {
  ConfigError, explainStrategy, loadConfigFile, loadConventions, loadStrategyContent, StrategyContentError, StrategyTrial,
  type GatewayConfig, type TrialResult,
} from '@cairn/gateway';
import { decodeLogs, decodeMetrics, decodeTraces, type Signal } from '@cairn/otlp';
import { EXIT, oneOf, parse, UsageError, type Streams } from '../io.js';
import { renderHtml, renderMarkdown } from './strategy-render.js';
import { defaultConfigPath } from './up.js';

const USAGE = `usage: cairn strategy explain [-c cairn.yaml] [--format md|html|json]
       cairn strategy test [-c cairn.yaml] [--signal traces|logs|metrics] [--format text|json] FILE

explain  renders the data strategy (strategy: in cairn.yaml) as a matrix of actions: rows are
         the sensitivity classes, unknown keys, overrides and every registry attribute with an
         owner or a class (with both); columns are the destinations, each jurisdiction variant
         beside its destination. md (default), a self-contained html page, or json.
test     applies the strategy to recorded OTLP (a JSON request, JSON lines with one request per
         line, or one protobuf request: give --signal for protobuf if it is not traces) through
         the gateway's own processing, and shows per destination what changed (before → after).
         The HMAC keys must be loadable, as at startup.
Exit codes: 0 done, 2 config, strategy or input not usable.`;

export async function strategy(args: string[], io: Streams): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out.write(`${USAGE}\n`);
    return sub === undefined ? EXIT.unusable : EXIT.ok;
  }
  if (sub === 'explain') return explain(rest, io);
  if (sub === 'test') return test(rest, io);
  throw new UsageError(`unknown subcommand \`${sub}\`\n\n${USAGE}`);
}

/** The config, or undefined after printing why it is not usable. */
export function load(path: string, io: Streams): GatewayConfig | undefined {
  try {
    return loadConfigFile(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err.write(`cairn: ${error.code}: the config is not usable\n${error.message}\n`);
    return undefined;
  }
}

function explain(args: string[], io: Streams): number {
  const { values, positionals } = parse(args, { config: { type: 'string', short: 'c' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\`\n\n${USAGE}`);
  const format = oneOf(values.format, ['md', 'html', 'json'] as const, '--format', 'md');
  const config = load(values.config ?? defaultConfigPath(), io);
  if (!config) return EXIT.unusable;
  let registry;
  try {
    registry = config.conventions ? loadConventions(config.conventions, config.source) : undefined;
  } catch (error) {
    if (!(error instanceof StrategyContentError)) throw error;
    io.err.write(`cairn: ${error.code}: ${error.message}\n`);
    return EXIT.unusable;
  }
  if (!config.strategy) io.err.write(`cairn: warning: ${config.source} has no strategy: every destination is left unchanged\n`);
  const explanation = explainStrategy(config.strategy, config.destinations.map((d) => d.name), registry);
  io.out.write(format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : format === 'html' ? renderHtml(explanation) : renderMarkdown(explanation));
  return EXIT.ok;
}

interface Recorded {
  signal: Signal;
  format: 'json' | 'protobuf';
  body: Uint8Array;
  /** `FILE`, `FILE:3` for a JSON line. */
  where: string;
}

const JSON_SIGNALS: Record<string, Signal> = { resourceSpans: 'traces', resourceLogs: 'logs', resourceMetrics: 'metrics' };

function jsonRequest(text: string, where: string): Recorded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where}: not JSON: ${(error as Error).message}`);
  }
  const key = value && typeof value === 'object' ? Object.keys(value).find((k) => k in JSON_SIGNALS) : undefined;
  if (!key) throw new UsageError(`${where}: an OTLP/JSON request has resourceSpans, resourceLogs or resourceMetrics`);
  return { signal: JSON_SIGNALS[key]!, format: 'json', body: Buffer.from(text, 'utf8'), where };
}

/** One JSON request, JSON lines, or one protobuf request. */
export function readRecording(file: string, signal?: Signal): Recorded[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const text = bytes.toString('utf8');
  if (/^\s*\{/.test(text)) {
    let whole = true;
    try {
      JSON.parse(text);
    } catch {
      whole = false;
    }
    if (whole) return [jsonRequest(text, file)];
    return text.split('\n').flatMap((line, i) => (line.trim() === '' ? [] : [jsonRequest(line, `${file}:${i + 1}`)]));
  }
  const decoders: [Signal, (b: Uint8Array) => unknown][] = [['traces', decodeTraces], ['logs', decodeLogs], ['metrics', decodeMetrics]];
  for (const [s, decode] of decoders) {
    if (signal && s !== signal) continue;
    try {
      decode(bytes);
      return [{ signal: s, format: 'protobuf', body: new Uint8Array(bytes), where: file }];
    } catch (error) {
      if (signal) throw new UsageError(`${file}: not an OTLP/protobuf ${s} request: ${(error as Error).message}`);
    }
  }
  throw new UsageError(`${file}: neither OTLP/JSON nor an OTLP/protobuf request`);
}

/** A JSON document as `path = value` lines; attribute lists are keyed by attribute key. */
export function flatten(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    const keyed = value.every((v) => v && typeof v === 'object' && typeof (v as { key?: unknown }).key === 'string' && 'value' in v);
    value.forEach((v, i) => {
      if (keyed) flatten((v as { value: unknown }).value, `${path}[${JSON.stringify((v as { key: string }).key)}]`, out);
      else flatten(v, `${path}[${i}]`, out);
    });
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    // An AnyValue with one member reads as its value: { stringValue: "x" } → "x".
    if (entries.length === 1 && /Value$/.test(entries[0]![0]) && (typeof entries[0]![1] !== 'object' || entries[0]![1] === null)) out.set(path, JSON.stringify(entries[0]![1]));
    else for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
  return out;
}

/** `parent["key"]` → [parent, key], for telling a renamed key from a dropped one. */
function splitKey(path: string): [string, string] | undefined {
  const m = /^(.*)\[("(?:[^"\\]|\\.)*")\]$/.exec(path);
  return m ? [m[1]!, JSON.parse(m[2]!) as string] : undefined;
}

function describeChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  const added = new Map([...after].filter(([path]) => !before.has(path)));
  for (const [path, value] of before) {
    const next = after.get(path);
    if (next !== undefined) {
      if (next !== value) lines.push(`  ~ ${path}: ${value} → ${next}`);
      continue;
    }
    // Normalization: the same value under another key of the same list is a rename.
    const [parent] = splitKey(path) ?? [];
    const renamed = parent === undefined ? undefined : [...added].find(([p, v]) => v === value && splitKey(p)?.[0] === parent);
    if (renamed) {
      added.delete(renamed[0]);
      lines.push(`  ↦ ${path}: renamed to ${JSON.stringify(splitKey(renamed[0])![1])}`);
    } else {
      lines.push(`  - ${path}: ${value} (dropped)`);
    }
  }
  for (const [path, value] of added) lines.push(`  + ${path}: ${value}`);
  return lines;
}

function test(args: string[], io: Streams): number {
  const { values, positionals } = parse(args, { config: { type: 'string', short: 'c' }, signal: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`give one recorded OTLP file\n\n${USAGE}`);
  const format = oneOf(values.format, ['text', 'json'] as const, '--format', 'text');
  const signal = values.signal === undefined ? undefined : oneOf(values.signal, ['traces', 'logs', 'metrics'] as const, '--signal', 'traces');
  const config = load(values.config ?? defaultConfigPath(), io);
  if (!config) return EXIT.unusable;
  let trial: StrategyTrial;
  try {
    trial = new StrategyTrial(config, loadStrategyContent(config));
  } catch (error) {
    if (!(error instanceof StrategyContentError)) throw error;
    io.err.write(`cairn: ${error.code}: ${error.message}\n`);
    return EXIT.unusable;
  }
  const recorded = readRecording(positionals[0]!, signal);
  const results: { where: string; signal: Signal; result: TrialResult }[] = recorded.map((r) => ({ where: r.where, signal: r.signal, result: trial.run(r.signal, r.body, r.format) }));
  if (format === 'json') {
    io.out.write(`${JSON.stringify(results.map(({ where, signal: s, result }) => (result.ok
      ? { where, signal: s, before: JSON.parse(result.before) as unknown, destinations: Object.fromEntries(result.outputs.map((o) => [o.destination, JSON.parse(o.json) as unknown])), unroutedItems: result.unroutedItems, ...(result.ledger ? { ledger: result.ledger } : {}) }
      : { where, signal: s, error: result.message })), null, 2)}\n`);
    return results.every((r) => r.result.ok) ? EXIT.ok : EXIT.unusable;
  }
  const strategyNames = new Set(Object.keys(config.strategy?.destinations ?? {}));
  let failed = false;
  for (const { where, signal: s, result } of results) {
    io.out.write(`${where} (${s})\n`);
    if (!result.ok) {
      failed = true;
      io.out.write(`  refused: ${result.message}\n`);
      continue;
    }
    const before = flatten(JSON.parse(result.before));
    const routed = new Set(result.outputs.map((o) => o.destination));
    for (const o of result.outputs) {
      const changes = describeChanges(before, flatten(JSON.parse(o.json)));
      const note = strategyNames.has(o.destination) ? '' : ' — no strategy entry: unchanged';
      io.out.write(`== ${o.destination}: ${o.items} item${o.items === 1 ? '' : 's'}, ${changes.length} change${changes.length === 1 ? '' : 's'}${note}\n${changes.join('\n')}${changes.length ? '\n' : ''}`);
    }
    for (const d of config.destinations) if (!routed.has(d.name)) io.out.write(`== ${d.name}: nothing routed here\n`);
  }
  return failed ? EXIT.unusable : EXIT.ok;
}
