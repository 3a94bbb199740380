// Real apps as child processes: CommonJS and ESM, explicit init and the zero-code register entry,
// natural exit and SIGTERM. Each must get its spans to an OTLP endpoint before it exits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startOtlpSink, type OtlpSink } from './testing/index.js';
import { EXAMPLE_CONVENTIONS } from './test-support.js';

// Inside the package, so `@cairn/sdk` resolves through the workspace link and its `exports`.
const dir = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.apps-'));
let sink: OtlpSink;
before(async () => {
  sink = await startOtlpSink();
});
after(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

const WORK = `unitOfWork(process.env.SPAN_NAME, () => addFields({ 'acme.cart.total': 1.5, 'acme.payment.card.token': 'tok' }));`;
const APPS: Record<string, string> = {
  'init.cjs': `const { init, unitOfWork, addFields } = require('@cairn/sdk');
init({ service: 'cjs-app', endpoint: process.env.ENDPOINT, conventions: process.env.CONVENTIONS, instrumentations: [] });
${WORK}`,
  'init.mjs': `import { init, unitOfWork, addFields } from '@cairn/sdk';
init({ service: 'esm-app', endpoint: process.env.ENDPOINT, conventions: process.env.CONVENTIONS, instrumentations: [] });
${WORK}`,
  'plain.mjs': `import { unitOfWork, addFields } from '@cairn/sdk';
${WORK}`,
  'plain.cjs': `const { unitOfWork, addFields } = require('@cairn/sdk');
${WORK}`,
  'server.mjs': `import { unitOfWork, addFields } from '@cairn/sdk';
${WORK}
setInterval(() => {}, 1000);
console.log('ready');`,
};
for (const [file, source] of Object.entries(APPS)) writeFileSync(join(dir, file), `${source}\n`);

function run(args: string[], env: Record<string, string>, untilReady = false): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ENDPOINT: sink.endpoint, CONVENTIONS: EXAMPLE_CONVENTIONS, OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, CAIRN_CONVENTIONS: EXAMPLE_CONVENTIONS, ...env } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      if (untilReady && c.toString().includes('ready')) child.kill('SIGTERM');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`app ${args.join(' ')} did not exit within 20 s; stderr: ${stderr}`));
    }, 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

async function expectExported(spanName: string, service: string): Promise<void> {
  const spans = await sink.waitFor((s) => s.some((x) => x.name === spanName), 5000);
  const span = spans.find((x) => x.name === spanName)!;
  assert.equal(span.service, service);
  assert.equal(span.attributes['acme.cart.total'], 1.5);
  assert.equal('acme.payment.card.token' in span.attributes, false, 'secret field left the process');
}

describe('module formats and shutdown', () => {
  it('a CommonJS app that requires @cairn/sdk exports its spans before exiting', async () => {
    const result = await run(['init.cjs'], { SPAN_NAME: 'cjs init' });
    assert.equal(result.code, 0, result.stderr);
    await expectExported('cjs init', 'cjs-app');
  });

  it('an ESM app that imports @cairn/sdk exports its spans before exiting', async () => {
    const result = await run(['init.mjs'], { SPAN_NAME: 'esm init' });
    assert.equal(result.code, 0, result.stderr);
    await expectExported('esm init', 'esm-app');
  });

  it('zero-code: node --import @cairn/sdk/register, configured by OTEL_* and CAIRN_* variables', async () => {
    const result = await run(['--import', '@cairn/sdk/register', 'plain.mjs'], { SPAN_NAME: 'esm register', OTEL_SERVICE_NAME: 'esm-zero-code' });
    assert.equal(result.code, 0, result.stderr);
    await expectExported('esm register', 'esm-zero-code');
  });

  it('zero-code for CommonJS: node --require @cairn/sdk/register', async () => {
    const result = await run(['--require', '@cairn/sdk/register', 'plain.cjs'], { SPAN_NAME: 'cjs register', OTEL_SERVICE_NAME: 'cjs-zero-code' });
    assert.equal(result.code, 0, result.stderr);
    await expectExported('cjs register', 'cjs-zero-code');
  });

  it('a long-running service flushes on SIGTERM and then exits by the signal', async () => {
    const result = await run(['--import', '@cairn/sdk/register', 'server.mjs'], { SPAN_NAME: 'before sigterm', OTEL_SERVICE_NAME: 'server' }, true);
    assert.equal(result.signal, 'SIGTERM', result.stderr);
    await expectExported('before sigterm', 'server');
  });
});
