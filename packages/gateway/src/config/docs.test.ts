// docs/exporters.md and docs/gateway.md say what the schema accepts: the exporters' key tables
// list exactly the schema's keys, and every config example in the guides loads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import schema from '../../schema/cairn.schema.json' with { type: 'json' };
import { ConfigError, parseConfig } from './load.js';

const DOCS = fileURLToPath(new URL('../../../../docs/', import.meta.url));
const exportersDoc = readFileSync(`${DOCS}exporters.md`, 'utf8');
const gatewayDoc = readFileSync(`${DOCS}gateway.md`, 'utf8');

/** The backticked keys in the first column of the table under `## <kind>`. */
function documentedKeys(kind: string): string[] {
  const section = exportersDoc.split(/^## /m).find((s) => s.startsWith(`${kind}\n`)) ?? '';
  return section.split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
}

function yamlBlocks(doc: string): string[] {
  return [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Loads a config; files the example names need not exist here, anything else is a problem. */
function loads(text: string): string[] {
  try {
    parseConfig(text, 'example.yaml', { EU_KEY: 'k', HONEYCOMB_KEY: 'k', EU_TOKEN: 't' });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.filter((p) => !/does not exist|cannot read strategy file .*ENOENT/.test(p.message)).map((p) => `${p.path}: ${p.message}`);
  }
}

describe('docs agree with the schema', () => {
  const exporters = (schema.definitions.exporter.properties as Record<string, { properties: Record<string, unknown> }>);
  for (const kind of ['otlphttp', 'otlpgrpc', 'file', 'debug']) {
    it(`docs/exporters.md lists exactly the schema's ${kind} keys`, () => {
      assert.deepEqual(documentedKeys(kind).sort(), Object.keys(exporters[kind]!.properties).sort());
    });
  }

  it('every YAML example in docs/exporters.md loads', () => {
    const blocks = yamlBlocks(exportersDoc);
    assert.ok(blocks.length >= 3);
    for (const block of blocks) {
      const text = block.startsWith('destinations:') ? block : `destinations:\n  example:\n${block.replace(/^/gm, '    ')}`;
      assert.deepEqual(loads(text), [], block);
    }
  });

  it('the config example in docs/gateway.md loads', () => {
    const [block] = yamlBlocks(gatewayDoc);
    assert.ok(block?.includes('destinations:'));
    assert.deepEqual(loads(block!), []);
  });
});
