import { join } from 'node:path';
import { ConfigError, DeadLetterFile, DeadLetterFileError, loadConfigFile, type DeadLetter, type GatewayConfig } from '@cairn/gateway';
import { EXIT, parse, UsageError, type Streams } from '../io.js';
import { defaultConfigPath } from './up.js';

const USAGE = `usage: cairn deadletters <list | show ID | replay [ID...] | purge [ID...]> [-c cairn.yaml] [--destination D]

What the backends refused, in the queue file of the config's storage.directory. Works with the
gateway stopped or running (SQLite WAL; a running gateway picks up a replay within a second).

  list                 one line per dead letter: id, destination, signal, items, bytes, age, reason
  show ID              its metadata, the backend's error, and its body decoded: services, names
  replay [ID...]       move dead letters (all, the given ids, or --destination's) back into
                       their destination's queue; they are sent again from the end of the queue
  purge [ID...]        delete dead letters for good (all, the ids, or --destination's)

Options: -c/--config FILE (default: the embedded config), --destination D, --json (list, show).
Exit codes: 0 done, 2 bad usage or no queue file.`;

export function deadletters(args: string[], io: Streams): number {
  const { values, positionals } = parse(args, {
    config: { type: 'string', short: 'c' },
    destination: { type: 'string', short: 'd' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const [action, ...rest] = positionals;
  if (!action || !['list', 'show', 'replay', 'purge'].includes(action)) throw new UsageError(`${action ? `unknown action \`${action}\`` : 'an action is required'}\n\n${USAGE}`);
  const ids = rest.map((text) => {
    if (!/^\d+$/.test(text)) throw new UsageError(`\`${text}\` is not a dead-letter id (a number from \`cairn deadletters list\`)`);
    return Number(text);
  });
  if (action === 'show' && ids.length !== 1) throw new UsageError(`show takes one id\n\n${USAGE}`);
  if (action === 'list' && ids.length > 0) throw new UsageError(`list takes no ids; use show ID\n\n${USAGE}`);

  const configPath = values.config ?? defaultConfigPath();
  let config: GatewayConfig;
  try {
    config = loadConfigFile(configPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err.write(`${error.message}\n`);
    return EXIT.unusable;
  }
  const known = new Set(config.destinations.map((d) => d.name));
  if (values.destination !== undefined && !known.has(values.destination)) {
    throw new UsageError(`no destination \`${values.destination}\` in ${configPath}; it has ${[...known].join(', ')}`);
  }
  let file: DeadLetterFile;
  try {
    file = DeadLetterFile.open(join(config.storage.directory, 'queue.db'));
  } catch (error) {
    if (!(error instanceof DeadLetterFileError)) throw error;
    io.err.write(`cairn: ${error.code}: ${error.message}\n`);
    return EXIT.unusable;
  }
  try {
    const selection = { ids, ...(values.destination === undefined ? {} : { destination: values.destination }) };
    if (action === 'list') {
      const letters = file.list(values.destination);
      if (values.json) io.out.write(`${JSON.stringify(letters)}\n`);
      else if (letters.length === 0) io.out.write('no dead letters\n');
      else for (const d of letters) io.out.write(`${line(d)}\n`);
      return EXIT.ok;
    }
    if (action === 'show') {
      const summary = file.show(ids[0]!);
      if (values.json) {
        io.out.write(`${JSON.stringify(summary)}\n`);
        return EXIT.ok;
      }
      const d = summary.letter;
      io.out.write([
        `dead letter ${d.id}`,
        `  destination: ${d.destination}${known.has(d.destination) ? '' : ' (not in this config)'}`,
        `  tenant:      ${d.tenant || '(unknown)'}`,
        `  signal:      ${d.signal}, ${d.items} items, ${d.bytes} bytes`,
        `  failed at:   ${new Date(d.failedAt).toISOString()}`,
        `  error:       ${d.reason}`,
        summary.decodeError ? `  body:        does not decode: ${summary.decodeError}` : `  services:    ${summary.services.join(', ') || '(none)'}`,
        ...(summary.decodeError ? [] : [`  ${d.signal === 'traces' ? 'spans' : d.signal === 'logs' ? 'log bodies' : 'metrics'}:${' '.repeat(d.signal === 'logs' ? 2 : d.signal === 'traces' ? 7 : 5)}${summary.names.join(', ') || '(none)'}`]),
      ].join('\n') + '\n');
      return EXIT.ok;
    }
    if (action === 'replay') {
      const moved = file.replay(selection);
      const unknown = moved.filter((d) => !known.has(d.destination)).map((d) => d.destination);
      io.out.write(`replayed ${moved.length} dead letters (${moved.reduce((n, d) => n + d.items, 0)} items) into their queues\n`);
      if (unknown.length > 0) io.err.write(`cairn: warning: ${[...new Set(unknown)].join(', ')} is not a destination in ${configPath}; those batches wait until it is\n`);
      return EXIT.ok;
    }
    io.out.write(`purged ${file.purge(selection)} dead letters\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof DeadLetterFileError)) throw error;
    io.err.write(`cairn: ${error.code}: ${error.message}\n`);
    return EXIT.unusable;
  } finally {
    file.close();
  }
}

function line(d: DeadLetter): string {
  const age = Math.max(0, Math.round((Date.now() - d.failedAt) / 1000));
  return `${String(d.id).padStart(6)}  ${d.destination}  ${d.signal}  ${d.items} items  ${d.bytes} B  ${age}s ago  ${d.reason}`;
}
