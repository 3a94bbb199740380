import { readFileSync } from 'node:fs';
import { check } from './commands/check.js';
import { diff } from './commands/diff.js';
import { generate } from './commands/generate.js';
import { resolveCommand } from './commands/resolve.js';
import { reportError, UsageError, type Streams } from './io.js';

const COMMANDS: Record<string, { run: (args: string[], io: Streams) => Promise<number> | number; summary: string }> = {
  check: { run: check, summary: 'check a registry against the policies' },
  resolve: { run: resolveCommand, summary: 'print the resolved registry as JSON' },
  diff: { run: diff, summary: 'backward-compatibility changes between two registries' },
  generate: { run: generate, summary: 'generate TypeScript fields (ts) or Markdown docs (md)' },
  // The gateway (grpc-js, better-sqlite3, ajv, CEL) loads only for the commands that need it.
  up: { run: async (args, io) => (await import('./commands/up.js')).up(args, io), summary: 'run the gateway (`npm start` runs it on the embedded default config)' },
  validate: { run: async (args, io) => (await import('./commands/validate.js')).validate(args, io), summary: 'check a gateway config without starting anything' },
  'live-check': { run: async (args, io) => (await import('./commands/live-check.js')).liveCheck(args, io), summary: 'check real telemetry (OTLP files or a listener) against the registry' },
  strategy: { run: async (args, io) => (await import('./commands/strategy.js')).strategy(args, io), summary: 'explain the data strategy as a table, or test it on recorded OTLP' },
  slo: { run: async (args, io) => (await import('./commands/slo.js')).slo(args, io), summary: 'SLO status from a running gateway, or a backtest of the SLOs on recorded OTLP' },
  report: { run: async (args, io) => (await import('./commands/report.js')).report(args, io), summary: 'the data inventory and value report (md, html, json) with recommended actions' },
  gaps: { run: async (args, io) => (await import('./commands/gaps.js')).gaps(args, io), summary: 'the instrumentation gap report of one service over a window, for incident reviews' },
  deadletters: { run: async (args, io) => (await import('./commands/deadletters.js')).deadletters(args, io), summary: 'list, show, replay or purge what the backends refused' },
};

export const USAGE = `usage: cairn <command> [options]

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Run \`cairn <command> --help\` for a command's options; \`cairn --version\` prints the version.
`;

/** The CLI package's version, from its package.json (one folder above dist/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs one command line; returns the exit code. Never throws. */
export async function run(argv: string[], io: Streams): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out.write(`${version()}\n`);
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command \`${name}\`\n\n${USAGE}`);
    return await command.run(args, io);
  } catch (error) {
    return reportError(error, io);
  }
}
