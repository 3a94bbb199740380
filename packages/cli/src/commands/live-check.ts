import { fstatSync, writeFileSync } from 'node:fs';
import { loadRegistry, loadUpstream, resolveRegistry, formatFinding, type ResolvedRegistry } from '@cairn/conventions';
import type { Signal } from '@cairn/otlp';
import { LiveChecker, LiveCheckListener, LiveCheckInputError, exitCodeOf, readOtlpFile, renderReport, type FailOn, type ReportFormat } from '@cairn/gateway/livecheck';
import { EXIT, oneOf, parse, UsageError, type Streams } from '../io.js';
import { loadOptions } from './registry.js';

const USAGE = `usage: cairn live-check [FILE...] [--registry DIR] [--upstream MODEL_DIR]
                        [--format ansi|json|md] [--fail-on violation|improvement|information|none]
                        [--output FILE] [--signal traces|metrics|logs]
                        [--otlp-grpc-port N] [--otlp-http-port N] [--inactivity-timeout SECONDS] [--no-pii]

Checks real telemetry against the registry, as \`weaver registry live-check\` does.
With FILEs, reads OTLP files (OTLP/JSON, JSON lines, or protobuf; a protobuf file's signal comes
from its name or --signal). Without, listens on 127.0.0.1 for OTLP/gRPC (default port 4317) and
OTLP/HTTP (4318, protobuf or JSON, gzip) until SIGINT/SIGTERM/SIGHUP, until stdin closes when it is a
pipe or socket, or after --inactivity-timeout seconds without a request (default 10, 0: never).
The registry: --registry DIR (resolved on its upstream, or --upstream), or the upstream alone.
Exit codes: 0 clean, 1 a finding at --fail-on level or above (default violation), 2 unusable input.`;

const OPTIONS = {
  registry: { type: 'string' },
  upstream: { type: 'string' },
  format: { type: 'string' },
  'fail-on': { type: 'string' },
  output: { type: 'string' },
  signal: { type: 'string' },
  'otlp-grpc-port': { type: 'string' },
  'otlp-http-port': { type: 'string' },
  'inactivity-timeout': { type: 'string' },
  'no-pii': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function port(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a port number (0 picks a free one); got \`${value}\``);
  return n;
}

/** The registry to check against: an org registry on its upstream, or the upstream alone. */
function registryOf(values: { registry?: string | undefined; upstream?: string | undefined }, io: Streams): ResolvedRegistry | undefined {
  if (values.registry !== undefined) {
    const loaded = loadRegistry(values.registry, loadOptions(values));
    if (loaded.unusable) {
      for (const finding of loaded.findings) io.err.write(`${formatFinding(finding)}\n`);
      return undefined;
    }
    return loaded.registry;
  }
  const source = values.upstream !== undefined ? { kind: 'dir' as const, path: values.upstream } : { kind: 'builtin' as const };
  const upstream = loadUpstream(source);
  const manifest = { name: 'upstream', namespaces: [], upstream: source, policies: {} };
  return resolveRegistry({ root: '', files: [], groups: [], findings: [] }, manifest, upstream).registry;
}

export async function liveCheck(args: string[], io: Streams): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const format = oneOf<ReportFormat>(values.format, ['ansi', 'json', 'md'], '--format', 'ansi');
  const failOn = oneOf<FailOn>(values['fail-on'], ['violation', 'improvement', 'information', 'none'], '--fail-on', 'violation');
  const signal = values.signal === undefined ? undefined : oneOf<Signal>(values.signal, ['traces', 'metrics', 'logs'], '--signal', 'traces');
  const timeout = values['inactivity-timeout'] === undefined ? 10 : Number(values['inactivity-timeout']);
  if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError(`--inactivity-timeout must be a number of seconds (0: never); got \`${values['inactivity-timeout']}\``);
  const registry = registryOf(values, io);
  if (!registry) return EXIT.unusable;
  const checker = new LiveChecker(registry, { detectPii: !values['no-pii'] });
  let invalid = 0;
  if (positionals.length > 0) {
    try {
      for (const file of positionals) for (const request of readOtlpFile(file, signal)) {
        try {
          checker.ingest(request.signal, request.bytes);
        } catch (error) {
          throw new LiveCheckInputError('CAIRN_LIVECHECK_OTLP', request.where, (error as Error).message);
        }
      }
    } catch (error) {
      if (!(error instanceof LiveCheckInputError)) throw error;
      io.err.write(`cairn: ${error.code}: ${error.message}\n`);
      return EXIT.unusable;
    }
  } else {
    const listener = new LiveCheckListener((s, bytes) => checker.ingest(s, bytes), {
      grpcPort: port(values['otlp-grpc-port'], '--otlp-grpc-port', 4317),
      httpPort: port(values['otlp-http-port'], '--otlp-http-port', 4318),
      inactivityMs: timeout * 1000,
    });
    await listener.start();
    io.err.write(`live-check: listening for OTLP/gRPC on 127.0.0.1:${listener.grpcPort} and OTLP/HTTP on 127.0.0.1:${listener.httpPort}\n`);
    const stop = (): void => void listener.stop();
    // SIGHUP too: Weaver's CI recipe stops its live-check with `kill -HUP`.
    for (const signal of STOP_SIGNALS) process.once(signal, stop);
    let stdinWatched = false;
    try {
      // A pipe or a socket (what a parent process hands over): its end means the run is over. A TTY or /dev/null is not watched.
      const stat = fstatSync(0);
      stdinWatched = stat.isFIFO() || stat.isSocket();
    } catch {
      stdinWatched = false;
    }
    if (stdinWatched) {
      process.stdin.on('end', stop).on('close', stop).resume();
    }
    await listener.done;
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
    if (stdinWatched) process.stdin.pause();
    invalid = listener.counts.invalid;
    for (const p of listener.problems.slice(0, 20)) io.err.write(`live-check: refused a ${p.transport} request: ${p.code}: ${p.message}\n`);
    io.err.write(`live-check: ${listener.counts.accepted} requests checked, ${listener.counts.throttled} asked to retry, ${invalid} refused\n`);
  }
  const report = checker.report();
  const text = renderReport(report, format, format === 'ansi' && values.output === undefined && Boolean((process.stdout as { isTTY?: boolean }).isTTY));
  if (values.output !== undefined) writeFileSync(values.output, text);
  else io.out.write(text);
  const code = exitCodeOf(report, failOn);
  return invalid > 0 && code === EXIT.ok ? EXIT.unusable : code;
}
