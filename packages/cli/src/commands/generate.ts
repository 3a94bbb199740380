import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateMarkdown, generateTypeScript } from '@cairn/conventions';
import { EXIT, oneOf, parse, UsageError, type Streams } from '../io.js';
import { loadFromArgs, REGISTRY_OPTIONS, reportUnusable } from './registry.js';

const USAGE = `usage: cairn generate ts|md DIR [--upstream MODEL_DIR] [-o OUT] [--scope org|all]

ts  a TypeScript module: a constant per attribute and a \`Fields\` type (key → value type).
    -o names the file (default: stdout).
md  Markdown docs, one file per namespace. -o names the directory (required).
--scope all (default) includes every upstream attribute. org: the org's own attributes and the
    upstream ones the registry names itself with a \`ref\` or refines with annotations.cairn
    (e.g. user.email given a sensitivity); attributes only inherited through \`extends\` or
    \`ref_group\` are left out.`;

export function generate(args: string[], io: Streams): number {
  const { values, positionals } = parse(
    args,
    { ...REGISTRY_OPTIONS, output: { type: 'string', short: 'o' }, scope: { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const [target, ...rest] = positionals;
  const kind = oneOf(target, ['ts', 'md'] as const, 'the target', 'ts');
  if (target === undefined) throw new UsageError(`name the target, ts or md\n\n${USAGE}`);
  const scope = oneOf(values.scope, ['org', 'all'] as const, '--scope', 'all');
  const loaded = loadFromArgs(rest, values, USAGE);
  if (loaded.unusable) return reportUnusable(loaded, io);
  if (kind === 'ts') {
    const source = generateTypeScript(loaded.registry, { scope });
    if (values.output) writeOut(values.output, source);
    else io.out.write(source);
    return EXIT.ok;
  }
  if (!values.output) throw new UsageError(`md needs -o DIR\n\n${USAGE}`);
  const files = generateMarkdown(loaded.registry, { scope });
  for (const [name, content] of files) writeOut(join(values.output, name), content);
  io.out.write(`wrote ${files.size} files to ${values.output}\n`);
  return EXIT.ok;
}

function writeOut(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
