import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The upstream semantic-conventions `model/` directory: CAIRN_SEMCONV_MODEL, or the snapshot
 * shared beside the repository (../shared/semconv/model), which CI has.
 */
export const UPSTREAM_MODEL = process.env.CAIRN_SEMCONV_MODEL || fileURLToPath(new URL('../../../../shared/semconv/model', import.meta.url));

/** node:test's `skip` for tests that read the model: false when it is there, else how to get it. */
export const SKIP_WITHOUT_MODEL: string | false = existsSync(UPSTREAM_MODEL)
  ? false
  : `no upstream model at ${UPSTREAM_MODEL}: set CAIRN_SEMCONV_MODEL to the model/ directory of a semantic-conventions checkout`;
/** The repository's example org registry. */
export const EXAMPLE_REGISTRY = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));

/** Writes a registry (file name → YAML text) into a fresh temporary directory. */
export function writeRegistry(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-registry-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Strips common leading indentation so fixtures can be indented in test code. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** A manifest for test registries: org namespace `shop`, built-in upstream. */
export const SHOP_MANIFEST = `name: shop
semconv_version: 0.1.0
schema_base_url: https://example.test/
cairn:
  namespaces: [shop]
`;
