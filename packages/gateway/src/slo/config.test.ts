import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../config/load.js';
import { globRegExp } from './files.js';

const SLO = (name: string) => `apiVersion: openslo/v1
kind: SLO
metadata: { name: ${name} }
spec:
  indicator: { metadata: { name: i-${name} }, spec: { spans: { good: 'span.status.code != 2' } } }
  timeWindow: [{ duration: 7d, isRolling: true }]
  objectives: [{ target: 0.99 }]
`;

describe('slos: in cairn.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-slo-config-'));
  mkdirSync(join(dir, 'slos', 'team-a'), { recursive: true });
  writeFileSync(join(dir, 'slos', 'checkout.yaml'), SLO('checkout'));
  writeFileSync(join(dir, 'slos', 'team-a', 'search.yaml'), SLO('search'));
  writeFileSync(join(dir, 'slos', 'notes.txt'), 'not an SLO');
  const config = (slos: string) => parseConfig(`auth: { anonymous: true }\nslos: ${slos}\ndestinations:\n  d: { exporter: { debug: {} } }\n`, join(dir, 'cairn.yaml'));

  it('a path, or a list of paths and globs relative to the config file; ** crosses folders', () => {
    assert.deepEqual(config('./slos/checkout.yaml').slos!.slos.map((s) => s.name), ['checkout']);
    assert.deepEqual(config('[slos/*.yaml]').slos!.slos.map((s) => s.name), ['checkout']);
    assert.deepEqual(config('["slos/**/*.yaml"]').slos!.slos.map((s) => s.name), ['checkout', 'search']);
  });

  it('a path that does not exist is a config problem at its index; a glob matching nothing is a warning', () => {
    assert.throws(() => config('[slos/checkout.yaml, slos/typo.yaml]'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems[0]!.path, 'slos.1');
      assert.match(error.problems[0]!.message, /typo\.yaml does not exist/);
      return true;
    });
    const c = config('[slos/checkout.yaml, "nothing/*.yaml"]');
    assert.deepEqual(c.warnings!.map((w) => `${w.path}: ${w.message}`), ['slos.1: nothing/*.yaml matches no file']);
  });

  it('glob syntax: * within a folder, ** across folders, ? one character', () => {
    assert.ok(globRegExp('*.yaml').test('a.yaml') && !globRegExp('*.yaml').test('x/a.yaml'));
    assert.ok(globRegExp('**/*.yaml').test('a.yaml') && globRegExp('**/*.yaml').test('x/y/a.yaml'));
    assert.ok(globRegExp('slo-?.yml').test('slo-1.yml') && !globRegExp('slo-?.yml').test('slo-10.yml'));
    assert.ok(!globRegExp('a.yaml').test('aXyaml'), 'a dot is a dot');
  });
});
