import { writeFileSync } from 'node:fs';
import { toWeaverRegistry } from '@cairn/conventions';
import { EXIT, oneOf, parse, type Streams } from '../io.js';
import { loadFromArgs, REGISTRY_OPTIONS, reportUnusable } from './registry.js';

const USAGE = `usage: cairn resolve DIR [--upstream MODEL_DIR] [--format cairn|weaver] [-o FILE]

Prints the resolved registry as JSON.
--format cairn (default): org and upstream attributes, groups, aliases: the one structure that
    the SDK, the lint rules and the gateway read.
--format weaver: Weaver's resolved-registry shape (registry_url, groups with their attributes
    resolved in full), for tools built on Weaver. Cairn's annotations ride in annotations.cairn.`;

export function resolveCommand(args: string[], io: Streams): number {
  const { values, positionals } = parse(
    args,
    { ...REGISTRY_OPTIONS, output: { type: 'string', short: 'o' }, format: { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const format = oneOf(values.format, ['cairn', 'weaver'] as const, '--format', 'cairn');
  const loaded = loadFromArgs(positionals, values, USAGE);
  if (loaded.unusable) return reportUnusable(loaded, io);
  const data = format === 'weaver' ? toWeaverRegistry(loaded.registry, positionals[0]!) : loaded.registry;
  const json = `${JSON.stringify(data, null, 2)}\n`;
  if (values.output) writeFileSync(values.output, json);
  else io.out.write(json);
  return EXIT.ok;
}
