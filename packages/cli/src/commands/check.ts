import { checkRegistry, formatFinding } from '@cairn/conventions';
import { EXIT, oneOf, parse, type Streams } from '../io.js';
import { loadFromArgs, REGISTRY_OPTIONS } from './registry.js';

const USAGE = `usage: cairn check DIR [--upstream MODEL_DIR] [--format text|json]

Loads the registry in DIR, resolves it against the upstream OpenTelemetry conventions
(the installed package, the manifest's cairn.upstream, or --upstream) and runs every policy.
Exit codes: 0 clean, 1 findings at error level, 2 unusable input.`;

export function check(args: string[], io: Streams): number {
  const { values, positionals } = parse(args, { ...REGISTRY_OPTIONS, format: { type: 'string' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const format = oneOf(values.format, ['text', 'json'] as const, '--format', 'text');
  const loaded = loadFromArgs(positionals, values, USAGE);
  const result = checkRegistry(loaded.registry, loaded.findings);
  const code = loaded.unusable ? EXIT.unusable : result.counts.error > 0 ? EXIT.findings : EXIT.ok;
  if (format === 'json') {
    io.out.write(`${JSON.stringify({ exitCode: code, counts: result.counts, findings: result.findings }, null, 2)}\n`);
    return code;
  }
  for (const finding of result.findings) io.out.write(`${formatFinding(finding)}\n`);
  const org = loaded.registry.attributes.filter((a) => a.origin === 'org').length;
  const dependencies = loaded.registry.upstream.dependencies ?? [];
  const via = dependencies.length ? ` (dependencies: ${dependencies.map((d) => d.name).join(', ')})` : '';
  io.out.write(
    `${result.findings.length ? '\n' : ''}${loaded.registry.manifest.name}: ${org} org attributes on ${loaded.registry.upstream.attributeCount} upstream${via}; ` +
      `${result.counts.error} errors, ${result.counts.warning} warnings, ${result.counts.info} info\n`,
  );
  return code;
}
