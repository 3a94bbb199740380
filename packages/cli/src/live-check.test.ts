import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));
const UPSTREAM = process.env.CAIRN_SEMCONV_MODEL || fileURLToPath(new URL('../../../../shared/semconv/model', import.meta.url));
const SKIP_WITHOUT_MODEL = existsSync(UPSTREAM) ? false : `no upstream model at ${UPSTREAM}: set CAIRN_SEMCONV_MODEL`;

function cairn(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const attr = (key: string, value: string): unknown => ({ key, value: { stringValue: value } });
const request = (attributes: unknown[]): string =>
  JSON.stringify({ resourceSpans: [{ resource: { attributes: [attr('service.name', 'shop')] }, scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET /cart', kind: 2, attributes }] }] }] });

function files(): { clean: string; dirty: string; broken: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-live-check-'));
  const clean = join(dir, 'clean.json');
  const dirty = join(dir, 'spans.jsonl');
  const broken = join(dir, 'broken.jsonl');
  writeFileSync(clean, request([attr('acme.payment.provider', 'stripe')]));
  writeFileSync(dirty, `${request([attr('cartTotl', '1')])}\n${request([attr('acme.order.currency', 'XXX')])}\n`);
  writeFileSync(broken, `${request([])}\n{"resourceSpans": [}\n`);
  return { clean, dirty, broken };
}

describe('cairn live-check', () => {
  it('reads OTLP files: exit 1 on a violation, 0 with --fail-on none, and Weaver-shaped JSON', () => {
    const f = files();
    const dirty = cairn('live-check', '--registry', EXAMPLES, f.dirty, '--format', 'json');
    assert.equal(dirty.code, 1, dirty.err);
    const report = JSON.parse(dirty.out) as { samples: unknown[]; statistics: { advice_type_counts: Record<string, number>; seen_non_registry_attributes: Record<string, number> } };
    assert.deepEqual(report.statistics.advice_type_counts, { invalid_format: 1, missing_attribute: 1, missing_namespace: 1, not_stable: 1, undefined_enum_variant: 1 });
    assert.deepEqual(report.statistics.seen_non_registry_attributes, { cartTotl: 1 });
    assert.match(dirty.out, /"suggestion": "acme.cart.total"/);
    assert.equal(cairn('live-check', '--registry', EXAMPLES, f.dirty, '--fail-on', 'none').code, 0);
    // The clean file has an improvement only (development stability): passes at violation, fails at improvement.
    assert.equal(cairn('live-check', '--registry', EXAMPLES, f.clean).code, 0);
    assert.equal(cairn('live-check', '--registry', EXAMPLES, f.clean, '--fail-on', 'improvement').code, 1);
    const md = cairn('live-check', '--registry', EXAMPLES, f.dirty, '--format', 'md');
    assert.match(md.out, /^# Live-check report/);
    assert.match(md.out, /\| violation \| `missing_attribute` \| `cartTotl` \| 1 \|/);
  });

  it('bad input is exit 2 with a code and the file:line', () => {
    const f = files();
    const broken = cairn('live-check', '--registry', EXAMPLES, f.broken);
    assert.equal(broken.code, 2);
    assert.match(broken.err, /CAIRN_LIVECHECK_JSON: .*broken\.jsonl:2: /);
    const usage = cairn('live-check', '--format', 'xml');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--format must be one of ansi, json, md/);
  });

  it('listens: OTLP/HTTP JSON in, report out on SIGHUP (Weaver\'s CI recipe)', { skip: SKIP_WITHOUT_MODEL }, async () => {
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [BIN, 'live-check', '--upstream', UPSTREAM, '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--inactivity-timeout', '0', '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        child!.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /OTLP\/HTTP on 127\.0\.0\.1:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        child!.once('exit', () => reject(new Error(`exited early: ${err}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request([attr('http.method', 'GET'), attr('userId', 'u')]) });
      assert.equal(res.status, 200);
      const exited = once(child, 'exit');
      child.kill('SIGHUP');
      const [code] = (await exited) as [number];
      assert.equal(code, 1, err);
      const report = JSON.parse(out) as { statistics: { advice_type_counts: Record<string, number> } };
      assert.equal(report.statistics.advice_type_counts.deprecated, 1);
      assert.equal(report.statistics.advice_type_counts.missing_attribute, 1);
      assert.match(err, /1 requests checked, 0 asked to retry, 0 refused/);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('listens until stdin closes when stdin is a pipe', { skip: SKIP_WITHOUT_MODEL }, async () => {
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [BIN, 'live-check', '--upstream', UPSTREAM, '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--inactivity-timeout', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      await new Promise<void>((resolve, reject) => {
        child!.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          if (/listening/.test(err)) resolve();
        });
        child!.once('exit', () => reject(new Error(`exited early: ${err}`)));
      });
      const exited = once(child, 'exit');
      child.stdin!.end();
      const [code] = (await exited) as [number];
      assert.equal(code, 0, err);
      assert.match(err, /0 requests checked/);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
