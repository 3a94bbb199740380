import { compileSlos, ConfigError, formatProblem, formatSloProblem, loadConfigFile, loadStrategyContent, sloRegistryProblems, StrategyContentError } from '@cairn/gateway';
import { EXIT, parse, UsageError, type Streams } from '../io.js';
import { defaultConfigPath } from './up.js';

const USAGE = `usage: cairn validate [-c cairn.yaml]

Checks a gateway config without starting anything: YAML, \${env:VAR} references, the JSON
Schema (packages/gateway/schema/cairn.schema.json, with a did-you-mean for a misspelt key),
exporters, CEL route conditions, files and directories it names (relative paths resolve
against the config file's folder), anonymous ingest on an address other machines reach, the
data strategy (strategy:, schema strategy.schema.json) with the HMAC keys its \`hash\` actions
need, the registry (conventions:) with its upstream, and the SLO files (slos:): OpenSLO
that Cairn cannot evaluate is a warning (\`unsupported: …\`); an invalid SLO, CEL that does not
compile, or an SLO reading an attribute the registry does not define is an error.
Every problem is reported in one run, each with its path and file:line; warnings (settings
that do nothing yet) go to stderr too. Exit codes: 0 valid, 2 not usable.`;

export function validate(args: string[], io: Streams): number {
  const { values, positionals } = parse(args, { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\`; give the file with -c\n\n${USAGE}`);
  const path = values.config ?? defaultConfigPath();
  try {
    const config = loadConfigFile(path);
    const content = loadStrategyContent(config);
    for (const warning of config.warnings ?? []) io.err.write(`warning: ${formatProblem(warning)}\n`);
    if (config.slos && !slosValid(config.slos, content.registry, io)) return EXIT.unusable;
    io.out.write(`${path}: valid (${config.destinations.length} destinations: ${config.destinations.map((d) => d.name).join(', ')})\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof StrategyContentError) {
      io.err.write(`${error.code}: ${error.message}\n`);
      return EXIT.unusable;
    }
    if (!(error instanceof ConfigError)) throw error;
    io.err.write(`${error.message}\n`);
    return EXIT.unusable;
  }
}

/** Reports the SLO files' problems; false when one is an error (not merely unsupported). */
function slosValid(set: NonNullable<ReturnType<typeof loadConfigFile>['slos']>, registry: ReturnType<typeof loadStrategyContent>['registry'], io: Streams): boolean {
  let ok = true;
  for (const p of set.problems) {
    if (p.code === 'CAIRN_SLO_UNSUPPORTED') io.err.write(`warning: ${formatSloProblem(p)}\n`);
    else {
      io.err.write(`${formatSloProblem(p)}\n`);
      ok = false;
    }
  }
  for (const b of compileSlos(set.slos)) {
    io.err.write(`${b.error}\n`);
    ok = false;
  }
  if (registry) {
    for (const p of sloRegistryProblems(set.slos, registry)) {
      io.err.write(`${p.location}: CAIRN_SLO_UNKNOWN_ATTRIBUTE: ${p.message}\n`);
      ok = false;
    }
  }
  return ok;
}
