import {
  formatSloProblem, iso, replaySlos, ReplayInputError, StrategyContentError, type AlertTransition, type SloReport,
} from '@cairn/gateway';
import { EXIT, oneOf, parse, UsageError, type Streams } from '../io.js';
import { load, readRecording } from './strategy.js';
import { defaultConfigPath } from './up.js';

const USAGE = `usage: cairn slo status [-c cairn.yaml] [--admin URL] [--format text|json]
       cairn slo replay [-c cairn.yaml] [--format text|json] FILE...

status  reads a running gateway's /api/slos (the admin endpoint of cairn.yaml, or --admin; the
        token in CAIRN_ADMIN_TOKEN, if set, is sent as a bearer token, for a gateway off loopback) and
        prints per SLO: SLI over its window, error budget remaining, burn rate per alert window,
        alert states, and the share of matching events that could not be judged
        (! marks insufficient instrumentation: a key \`good\` reads is missing too often).
replay  backtests the SLOs of cairn.yaml (slos:) and their alerts on recorded OTLP traces (a JSON
        request, JSON lines, or protobuf) with event-time clocks: each span counts in the minute
        it ended, and alerts are evaluated at the end of every minute from the first to the last.
        Prints each alert transition; --format json prints one object per line per transition
        {"slo","alert","state","at","burn_rates"}, then one {"summary": …} object.
Exit codes: 0 done, 2 config, input or gateway not usable.`;

export async function slo(args: string[], io: Streams): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out.write(`${USAGE}\n`);
    return sub === undefined ? EXIT.unusable : EXIT.ok;
  }
  if (sub === 'status') return status(rest, io);
  if (sub === 'replay') return replay(rest, io);
  throw new UsageError(`unknown subcommand \`${sub}\`\n\n${USAGE}`);
}

const OPTIONS = { config: { type: 'string', short: 'c' }, format: { type: 'string' }, admin: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

async function status(args: string[], io: Streams): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\`\n\n${USAGE}`);
  const format = oneOf(values.format, ['text', 'json'] as const, '--format', 'text');
  let base = values.admin;
  if (!base) {
    const config = load(values.config ?? defaultConfigPath(), io);
    if (!config) return EXIT.unusable;
    if (!config.admin) {
      io.err.write(`cairn: CAIRN_SLO_STATUS: ${config.source} turns the admin endpoint off (admin: null); give --admin URL\n`);
      return EXIT.unusable;
    }
    const host = config.admin.host === '0.0.0.0' || config.admin.host === '::' ? '127.0.0.1' : config.admin.host;
    base = `http://${host.includes(':') ? `[${host}]` : host}:${config.admin.port}`;
  }
  let body: { slos: SloReport[] };
  try {
    const token = process.env.CAIRN_ADMIN_TOKEN;
    const res = await fetch(new URL('/api/slos', base), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
    if (res.status === 404) {
      io.err.write(`cairn: CAIRN_SLO_STATUS: the gateway at ${base} has no /api/slos: its cairn.yaml has no slos:\n`);
      return EXIT.unusable;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    body = (await res.json()) as { slos: SloReport[] };
  } catch (error) {
    io.err.write(`cairn: CAIRN_SLO_STATUS: cannot read ${base}/api/slos: ${(error as Error).message} (is the gateway running?)\n`);
    return EXIT.unusable;
  }
  if (format === 'json') {
    io.out.write(`${JSON.stringify(body, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out.write(renderStatus(body.slos));
  return EXIT.ok;
}

const pct = (v: number | null, digits = 3): string => (v === null ? '-' : `${(v * 100).toFixed(digits)}%`);

/** The status table: one row per SLO, columns aligned. */
export function renderStatus(slos: readonly SloReport[]): string {
  if (slos.length === 0) return 'no SLOs\n';
  const rows = [['SLO', 'SERVICE', 'OBJECTIVE', 'SLI', 'BUDGET LEFT', 'BURN RATES', 'ALERTS', 'UNJUDGEABLE']];
  const notes: string[] = [];
  for (const s of slos) {
    if (s.error !== null) {
      rows.push([s.name, s.service ?? '-', s.objective === null ? '-' : pct(s.objective, 2), '-', '-', '-', 'broken', '-']);
      notes.push(`${s.name}: ${s.error}`);
      continue;
    }
    const burn = Object.entries(s.burn_rates).map(([w, r]) => `${w}=${r.toFixed(2)}`).join(' ') || '-';
    const firing = s.alerts.filter((a) => a.state === 'firing').map((a) => `${a.name}(${a.severity})`);
    rows.push([
      s.name, s.service ?? '-', pct(s.objective, 2), pct(s.sli), pct(s.budget_remaining, 1), burn,
      firing.length > 0 ? `FIRING ${firing.join(',')}` : 'ok', `${pct(s.unjudgeable_share, 1)}${s.insufficient ? ' !' : ''}`,
    ]);
    if (s.insufficient) notes.push(`${s.name}: insufficiently instrumented (a key its \`good\` reads is missing in too many matching events)`);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const text = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
  return `${text}\n${notes.map((n) => `\n${n}`).join('')}${notes.length > 0 ? '\n' : ''}`;
}

function replay(args: string[], io: Streams): number {
  const { values, positionals } = parse(args, OPTIONS, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError(`give one or more recorded OTLP files\n\n${USAGE}`);
  const format = oneOf(values.format, ['text', 'json'] as const, '--format', 'text');
  const config = load(values.config ?? defaultConfigPath(), io);
  if (!config) return EXIT.unusable;
  if (!config.slos) {
    io.err.write(`cairn: CAIRN_SLO_REPLAY: ${config.source} has no slos:\n`);
    return EXIT.unusable;
  }
  for (const p of config.slos.problems) io.err.write(`warning: ${formatSloProblem(p)}\n`);
  const requests = positionals.flatMap((file) => readRecording(file, 'traces'));
  let outcome;
  try {
    outcome = replaySlos(config, requests);
  } catch (error) {
    if (error instanceof ReplayInputError || error instanceof StrategyContentError) {
      io.err.write(`cairn: ${error.code}: ${error.message}\n`);
      return EXIT.unusable;
    }
    throw error;
  }
  const { transitions, summary } = outcome;
  if (format === 'json') {
    for (const t of transitions) io.out.write(`${JSON.stringify({ slo: t.slo, alert: t.alert, state: t.state, at: iso(t.at), burn_rates: t.burnRates })}\n`);
    io.out.write(`${JSON.stringify({ summary })}\n`);
    return EXIT.ok;
  }
  io.out.write(transitions.length === 0 ? 'no alert would have fired\n' : `${transitions.map(renderTransition).join('\n')}\n`);
  io.out.write(`\n${summary.spans} spans from ${summary.from ?? '-'} to ${summary.to ?? '-'}\n`);
  for (const s of summary.slos) {
    io.out.write(s.error !== null
      ? `${s.name}: ${s.error}\n`
      : `${s.name}: SLI ${pct(s.sli)}, budget left ${pct(s.budget_remaining, 1)}, good ${s.good} bad ${s.bad} unjudgeable ${s.unjudgeable}${s.insufficient ? ' (insufficiently instrumented)' : ''}; fired: ${s.fired.join(', ') || 'none'}\n`);
  }
  return EXIT.ok;
}

function renderTransition(t: AlertTransition): string {
  const rates = Object.entries(t.burnRates).map(([w, r]) => `${w}=${r.toFixed(2)}`).join(' ');
  return `${iso(t.at)}  ${t.slo}  ${t.alert} (${t.severity})  ${t.state.toUpperCase()}  burn ${rates}`;
}
