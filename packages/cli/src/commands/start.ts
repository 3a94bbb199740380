import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, parse, type Streams } from '../io.js';
import { check } from './check.js';
import { generate } from './generate.js';

const USAGE = `usage: cairn start [--registry DIR] [--out DIR]

What \`npm start\` runs until the gateway exists: checks the example registry and generates its
TypeScript fields and Markdown docs under .cairn/generated.`;

/** The repository's examples/conventions, found from this file's place in the checkout. */
function exampleRegistry(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return resolve(here, '..', '..', '..', '..', 'examples', 'conventions');
}

export function start(args: string[], io: Streams): number {
  const { values } = parse(args, { registry: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const registry = values.registry ?? exampleRegistry();
  const out = values.out ?? join('.cairn', 'generated');
  if (!existsSync(registry)) {
    io.err.write(`cairn: CAIRN_REGISTRY_NOT_FOUND: ${registry} does not exist\n    hint: pass --registry DIR\n`);
    return EXIT.unusable;
  }
  io.out.write(`== cairn check ${registry}\n`);
  const checked = check([registry], io);
  if (checked === EXIT.unusable) return checked;
  io.out.write(`\n== cairn generate ts ${registry} -o ${join(out, 'fields.ts')}\n`);
  generate(['ts', registry, '-o', join(out, 'fields.ts')], io);
  io.out.write(`wrote ${join(out, 'fields.ts')}\n`);
  io.out.write(`\n== cairn generate md ${registry} -o ${join(out, 'docs')} --scope org\n`);
  generate(['md', registry, '-o', join(out, 'docs'), '--scope', 'org'], io);
  return checked;
}
