// The typed helpers, checked the way a team meets them: generated Fields plugged into CairnFields
// (or createFields<Fields>()), compiled with the TypeScript compiler under the repo's settings.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateTypeScript } from '@cairn/conventions';
import ts from 'typescript';
import { exampleRegistry } from './test-support.js';

const SDK_TYPES = fileURLToPath(new URL('./index.d.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-sdk-types-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = `import type { Fields } from './fields.js';
import { addFields, addTraceFields, addUnchecked, unitOfWork, createFields } from '@cairn/sdk';
declare module '@cairn/sdk' { interface CairnFields extends Fields {} }
const acme = createFields<Fields>();
void acme; void addFields; void addTraceFields; void addUnchecked; void unitOfWork;
`;

const CASES: Record<string, string> = {
  ok: `addFields({ 'acme.cart.total': 12.5, 'acme.order.currency': 'EUR', 'http.request.header.x-id': ['1'] });
addTraceFields({ 'acme.tenant.id': 't-1', 'acme.tenant.plan': 'pro' });
unitOfWork('checkout', () => 1, { 'acme.cart.item_count': 2 });
acme.addFields({ 'user.id': 'u-1' });
addUnchecked({ anything_goes: 1, userId: 'u-1', 'acme.cart.total': 'not a number' });`,
  wrongKey: `addFields({ 'acme.cart.totl': 12.5 });`,
  wrongValueType: `addFields({ 'acme.cart.total': '12.5' });`,
  wrongEnumMember: `addTraceFields({ 'acme.order.currency': 'JPY' });`,
  wrongKeyTypedHelper: `acme.addFields({ cartTotal: 1 });`,
  wrongValueInUnitOfWork: `unitOfWork('checkout', () => 1, { 'acme.cart.item_count': 'two' });`,
};

function compile(): Map<string, string[]> {
  writeFileSync(join(dir, 'fields.ts'), generateTypeScript(exampleRegistry(), { scope: 'all' }));
  const files = Object.entries(CASES).map(([name, body]) => {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, `${HEADER}${body}\n`);
    return [name, file] as const;
  });
  const program = ts.createProgram(files.map(([, f]) => f), {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
    paths: { '@cairn/sdk': [SDK_TYPES] },
  });
  const byCase = new Map<string, string[]>();
  for (const [name, file] of files) {
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
    byCase.set(name, diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')));
  }
  return byCase;
}

describe('typed fields from `cairn generate ts`', () => {
  const results = compile();

  it('compiles registry keys with the right value types, and anything through addUnchecked', () => {
    assert.deepEqual(results.get('ok'), []);
  });

  for (const name of Object.keys(CASES).filter((n) => n !== 'ok')) {
    it(`rejects at compile time: ${name}`, () => {
      const messages = results.get(name) ?? [];
      assert.equal(messages.length, 1, messages.join('\n'));
    });
  }

  it('points at the misspelt key in the message', () => {
    assert.match(results.get('wrongKey')?.[0] ?? '', /acme\.cart\.totl/);
  });
});
