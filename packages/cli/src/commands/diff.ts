import { diffRegistries, formatDiffMarkdown, loadRegistry, toWeaverSchemaChanges } from '@cairn/conventions';
import { EXIT, oneOf, parse, UsageError, type Streams } from '../io.js';
import { loadOptions, REGISTRY_OPTIONS, reportUnusable } from './registry.js';

const USAGE = `usage: cairn diff OLD_DIR NEW_DIR [--upstream MODEL_DIR] [--format md|json|weaver]

Changes from OLD to NEW to attributes, metrics, events, spans and entities, with Weaver's
categories (added, removed, renamed, obsoleted, uncategorized, updated). Breaking, as Weaver's
policies define them: an attribute, metric, event or entity removed; a stable attribute's type,
a stable metric's unit, instrument or attributes changed; stable made unstable; an enum member
removed or changed; an entity's identity changed.
--format weaver writes Weaver's schema-changes report (added, removed, renamed, obsoleted and
uncategorized items per kind) as JSON.
Exit codes: 0 no breaking change, 1 breaking changes, 2 unusable input.`;

export function diff(args: string[], io: Streams): number {
  const { values, positionals } = parse(args, { ...REGISTRY_OPTIONS, format: { type: 'string' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const format = oneOf(values.format, ['md', 'json', 'weaver'] as const, '--format', 'md');
  if (positionals.length !== 2) throw new UsageError(`name two registry directories\n\n${USAGE}`);
  const options = loadOptions(values);
  const [before, after] = positionals.map((dir) => loadRegistry(dir, options));
  for (const loaded of [before!, after!]) if (loaded.unusable) return reportUnusable(loaded, io);
  const report = diffRegistries(before!.registry, after!.registry);
  if (format === 'md') io.out.write(formatDiffMarkdown(report));
  else io.out.write(`${JSON.stringify(format === 'json' ? report : toWeaverSchemaChanges(report, before!.registry, after!.registry), null, 2)}\n`);
  return report.breaking > 0 ? EXIT.findings : EXIT.ok;
}
