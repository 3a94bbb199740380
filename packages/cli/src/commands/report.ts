// `cairn report`: the data inventory and value report (Markdown, HTML or JSON): per attribute its
// owner, sensitivity, volume, cardinality, what each destination receives after the strategy, the
// SLOs that read it and its conformance; and the actions it recommends.
import { writeFileSync } from 'node:fs';
import { loadConventions, sloReadsOf, StrategyContentError } from '@cairn/gateway';
import { EXIT, oneOf, parse, UsageError, type Streams } from '../io.js';
import { openSource, SourceError, SOURCE_OPTIONS, SOURCE_USAGE } from './inventory-source.js';
import { buildReport } from './report-model.js';
import { renderReportHtml, renderReportMarkdown } from './report-render.js';

const USAGE = `usage: cairn report [--format md|html|json] [--output FILE] [--service S] [--from T1] [--to T2]
                   [-c cairn.yaml] [--admin URL | --db FILE]

The data inventory and value report: per attribute owner, sensitivity, volume (bytes/day),
cardinality, what each destination receives after the data strategy (from -c cairn.yaml), the SLOs
that read it and its conformance; then recommended actions (drop, declare a sensitivity, rename,
register, with a ready-to-paste registry snippet).
${SOURCE_USAGE}`;

export async function report(args: string[], io: Streams): Promise<number> {
  const { values, positionals } = parse(args, { ...SOURCE_OPTIONS, service: { type: 'string', short: 's' }, format: { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\`\n\n${USAGE}`);
  const format = oneOf(values.format, ['md', 'html', 'json'] as const, '--format', 'md');
  try {
    const source = openSource(values);
    const inventory = await source.inventory(values.service);
    const config = source.config;
    const registry = config?.conventions ? loadConventions(config.conventions, config.source) : undefined;
    const model = buildReport(inventory, config, registry, config ? sloReadsOf(config.slos) : []);
    const text = format === 'json' ? `${JSON.stringify(model, null, 2)}\n` : format === 'html' ? renderReportHtml(model) : renderReportMarkdown(model);
    if (values.output !== undefined) writeFileSync(values.output, text);
    else io.out.write(text);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof SourceError || error instanceof StrategyContentError) {
      io.err.write(`cairn: ${error.code}: ${error.message}\n`);
      return EXIT.unusable;
    }
    throw error;
  }
}
