import { writeFileSync } from 'node:fs';
import { EXIT, parse, type Streams } from '../io.js';
import { loadFromArgs, REGISTRY_OPTIONS, reportUnusable } from './registry.js';

const USAGE = `usage: cairn resolve DIR [--upstream MODEL_DIR] [-o FILE]

Prints the resolved registry (org and upstream attributes, groups, aliases) as JSON: the one
structure that the SDK, the lint rules and the gateway read.`;

export function resolveCommand(args: string[], io: Streams): number {
  const { values, positionals } = parse(args, { ...REGISTRY_OPTIONS, output: { type: 'string', short: 'o' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const loaded = loadFromArgs(positionals, values, USAGE);
  if (loaded.unusable) return reportUnusable(loaded, io);
  const json = `${JSON.stringify(loaded.registry, null, 2)}\n`;
  if (values.output) writeFileSync(values.output, json);
  else io.out.write(json);
  return EXIT.ok;
}
