import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ESLint, type Linter } from 'eslint';
import plugin from './index.js';
import { EXAMPLE_REGISTRY, TS_PARSER } from './test-support.js';

const project = mkdtempSync(join(tmpdir(), 'cairn-eslint-e2e-'));
after(() => rmSync(project, { recursive: true, force: true }));

/** A service's flat config, as the README shows it. */
function config(): Linter.Config[] {
  return [
    plugin.configs.recommended,
    { files: ['**/*.ts'], languageOptions: { parser: TS_PARSER }, settings: { cairn: { registry: EXAMPLE_REGISTRY } } },
  ];
}

const SOURCE = `import { trace, type Attributes } from '@opentelemetry/api';

const tracer = trace.getTracer('checkout');

export function checkout(userId: string, cartTotal: number, method: string): void {
  tracer.startActiveSpan(\`checkout \${userId}\`, { attributes: { cartTotal, 'http.method': method } }, (span) => {
    span.setAttributes({ userId, "acme.cart.value": cartTotal } satisfies Attributes);
    span.end();
  });
}
`;

const FIXED = `import { trace, type Attributes } from '@opentelemetry/api';

const tracer = trace.getTracer('checkout');

export function checkout(userId: string, cartTotal: number, method: string): void {
  tracer.startActiveSpan(\`checkout \${userId}\`, { attributes: { 'acme.cart.total': cartTotal, 'http.request.method': method } }, (span) => {
    span.setAttributes({ 'user.id': userId, "acme.cart.total": cartTotal } satisfies Attributes);
    span.end();
  });
}
`;

describe('eslint-plugin-cairn', () => {
  it('names itself after its package', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    assert.deepEqual(plugin.meta, { name: 'eslint-plugin-cairn', version: pkg.version });
  });

  it('the recommended config turns on both rules as errors', () => {
    assert.deepEqual(plugin.configs.recommended.rules, { 'cairn/known-attributes': 'error', 'cairn/no-sensitive-in-span-name': 'error' });
    assert.equal(plugin.configs.recommended.plugins?.cairn, plugin);
  });

  it('`eslint --fix` renames old and deprecated keys in a TypeScript file and leaves the span name to the author', async () => {
    const eslint = new ESLint({ cwd: project, overrideConfigFile: true, overrideConfig: config(), fix: true });
    const [result] = await eslint.lintText(SOURCE, { filePath: join(project, 'src/checkout.ts') });
    assert.ok(result);
    assert.equal(result.output, FIXED);
    assert.deepEqual(
      result.messages.map((m) => [m.ruleId, m.line, m.message]),
      [['cairn/no-sensitive-in-span-name', 6, 'Span name includes `userId`, which the registry marks pii. Span names must be low-cardinality and non-sensitive: put it in the `user.id` attribute instead.']],
    );
  });

  it('without --fix, every problem is reported with the fix ESLint would apply', async () => {
    const eslint = new ESLint({ cwd: project, overrideConfigFile: true, overrideConfig: config() });
    const [result] = await eslint.lintText(SOURCE, { filePath: join(project, 'src/checkout.ts') });
    assert.equal(result?.errorCount, 5);
    assert.equal(result?.fixableErrorCount, 4);
  });
});
