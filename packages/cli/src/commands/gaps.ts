// `cairn gaps --service S --from T1 --to T2`: the post-incident instrumentation gap report, as
// Markdown to paste into a review (or JSON), from a gateway's inventory.
import { EXIT, oneOf, parse, UsageError, type Streams } from '../io.js';
import { openSource, SourceError, SOURCE_OPTIONS, SOURCE_USAGE } from './inventory-source.js';
import { sloReadsOf } from '@cairn/gateway';

const USAGE = `usage: cairn gaps --service S [--from T1] [--to T2] [--format md|json]
                  [-c cairn.yaml] [--admin URL | --db FILE]

The instrumentation gap report for one service over a window: narrow routes and spans (no field of
the org's registry), registry fields expected on those spans and absent, unknown fields, error
spans without business context, SLO fields missing, and what to add.
${SOURCE_USAGE}`;

export async function gaps(args: string[], io: Streams): Promise<number> {
  const { values, positionals } = parse(args, { ...SOURCE_OPTIONS, service: { type: 'string', short: 's' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\`\n\n${USAGE}`);
  if (!values.service) throw new UsageError(`--service is required\n\n${USAGE}`);
  const format = oneOf(values.format, ['md', 'json'] as const, '--format', 'md');
  try {
    const source = openSource(values);
    const report = await source.gaps(values.service, source.config ? sloReadsOf(source.config.slos) : undefined);
    io.out.write(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${report.markdown.trimEnd()}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    io.err.write(`cairn: ${error.code}: ${error.message}\n`);
    return EXIT.unusable;
  }
}
