import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, loadConfigFile, parseConfig } from '../config/load.js';
import type { ConfigProblem } from '../config/types.js';
import { parseStrategyText } from './document.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-strategy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const DESTINATIONS = ['eu-backend', 'archive'];
const CONFIG = `auth: { anonymous: true }
destinations:
  eu-backend:
    exporter: { debug: {} }
  archive:
    exporter: { debug: {} }
`;

function refused(text: string): ConfigProblem[] {
  const parsed = parseStrategyText(text, 'strategy.yaml', DESTINATIONS);
  assert.equal(parsed.document, undefined, 'expected the strategy to be refused');
  return parsed.problems;
}

function find(problems: ConfigProblem[], path: string): ConfigProblem {
  const p = problems.find((x) => x.path === path);
  assert.ok(p, `no problem at ${path}: ${JSON.stringify(problems)}`);
  return p;
}

describe('strategy file: schema errors with path and file:line', () => {
  it('names every problem in one run, each with its path, file:line:col and a did-you-mean', () => {
    const problems = refused(`destinations:
  eu-backend:
    sensitivity: { public: allow, pii: hsh, secrt: drop }
    unknown: scann
    overrides:
      "url.full": { truncat: 256 }
      "acme.customer.email": { truncate: -1 }
    keys: { default: { env: EU_KEY, id: "k 1" } }
  archiv:
    sensitivty: { pii: allow }
`);
    const secrt = find(problems, 'destinations.eu-backend.sensitivity.secrt');
    assert.equal(secrt.location, 'strategy.yaml:3:45');
    assert.match(secrt.message, /did you mean `secret`\?/);
    const pii = find(problems, 'destinations.eu-backend.sensitivity.pii');
    assert.equal(pii.location, 'strategy.yaml:3:40');
    assert.match(pii.message, /must be allow, hash, mask, drop or \{ truncate: N \}, not "hsh"; did you mean `hash`\?/);
    assert.match(find(problems, 'destinations.eu-backend.unknown').message, /must be one of "pass", "scan", "drop", "allowlist"; did you mean `scan`\?/);
    const truncat = find(problems, 'destinations.eu-backend.overrides.url.full.truncat');
    assert.equal(truncat.location, 'strategy.yaml:6:21');
    assert.match(truncat.message, /did you mean `truncate`\?/);
    assert.match(find(problems, 'destinations.eu-backend.overrides.acme.customer.email.truncate').message, /whole number of bytes/);
    assert.match(find(problems, 'destinations.eu-backend.keys.default.id').message, /1–32 characters/);
    const archiv = find(problems, 'destinations.archiv');
    assert.equal(archiv.location, 'strategy.yaml:9:3');
    assert.match(archiv.message, /is not a destination of cairn\.yaml; did you mean `archive`\?/);
    assert.match(find(problems, 'destinations.archiv.sensitivty').message, /did you mean `sensitivity`\?/);
    // One problem per action, not one per oneOf branch.
    assert.equal(problems.filter((p) => p.path === 'destinations.eu-backend.sensitivity.pii').length, 1);
  });

  it('a jurisdiction whose CEL does not compile names its path and line', () => {
    const problems = refused(`destinations:
  eu-backend:
    sensitivity: { pii: mask }
    jurisdictions:
      - when: 'resource["acme.tenant.jurisdiction"] == "de"'
        sensitivity: { pii: drop }
      - when: 'resource["region"] == '
        sensitivity: { pii: drop }
      - when: '"de"'
`);
    const bad = find(problems, 'destinations.eu-backend.jurisdictions.1.when');
    assert.equal(bad.location, 'strategy.yaml:7:15');
    assert.match(bad.message, /is not valid CEL/);
    assert.match(find(problems, 'destinations.eu-backend.jurisdictions.2.when').message, /must be a boolean condition/);
    assert.equal(problems.length, 2);
  });

  it('a key needs exactly one of env and file', () => {
    const problems = refused('destinations:\n  archive:\n    keys: { default: { env: A, file: ./k, id: k1 } }\n');
    assert.match(find(problems, 'destinations.archive.keys.default').message, /exactly one of `env`/);
  });

  it('YAML errors and a non-mapping are problems with a line, never a throw', () => {
    assert.match(refused('destinations:\n  a: [\n')[0]!.location!, /^strategy\.yaml:\d+:\d+$/);
    assert.match(refused('- a\n- b\n')[0]!.message, /a strategy is a mapping/);
    assert.equal(refused('destinations: {}\ndestinations: {}\n')[0]!.location, 'strategy.yaml:2:1');
  });
});

describe('strategy: in cairn.yaml', () => {
  it('a path resolves against the config file\'s folder; problems carry the strategy file\'s lines', () => {
    writeFileSync(join(dir, 'bad-strategy.yaml'), 'destinations:\n  eu-backend:\n    unknown: maybe\n');
    writeFileSync(join(dir, 'cairn.yaml'), `${CONFIG}strategy: ./bad-strategy.yaml\n`);
    try {
      loadConfigFile(join(dir, 'cairn.yaml'), {});
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems[0]!.location, `${join(dir, 'bad-strategy.yaml')}:3:14`);
      assert.equal(error.problems[0]!.path, 'destinations.eu-backend.unknown');
    }
  });

  it('a missing strategy file is a problem naming it', () => {
    writeFileSync(join(dir, 'c2.yaml'), `${CONFIG}strategy: ./nope.yaml\n`);
    assert.throws(() => loadConfigFile(join(dir, 'c2.yaml'), {}), (error: ConfigError) => /cannot read strategy file .*nope\.yaml: ENOENT/.test(error.message));
  });

  it('inline: problems carry cairn.yaml\'s lines under strategy.*', () => {
    try {
      parseConfig(`${CONFIG}strategy:\n  destinations:\n    archive:\n      sensitivity: { pii: alow }\n`, 'cairn.yaml', {});
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems[0]!.path, 'strategy.destinations.archive.sensitivity.pii');
      assert.equal(error.problems[0]!.location, 'cairn.yaml:10:27');
      assert.match(error.problems[0]!.message, /did you mean `allow`\?/);
    }
  });

  it('warns, once a strategy exists, about destinations it leaves unchanged; key files resolve against the strategy', () => {
    const config = parseConfig(`${CONFIG}strategy:\n  destinations:\n    archive:\n      sensitivity: { pii: hash }\n      keys: { default: { file: keys/a.key, id: k1 } }\n`, join(dir, 'inline.yaml'), {});
    assert.equal(config.warnings?.length, 1);
    assert.equal(config.warnings![0]!.path, 'strategy');
    assert.match(config.warnings![0]!.message, /no entry for destination eu-backend: its data is sent unchanged/);
    assert.equal(config.warnings![0]!.location, `${join(dir, 'inline.yaml')}:7:1`);
    assert.equal(config.strategy?.destinations.archive?.key?.file, join(dir, 'keys/a.key'));
    assert.deepEqual(parseConfig(CONFIG, 'c.yaml', {}).warnings, [], 'no strategy, no warning');
  });
});

describe('strategy parser: property', () => {
  const VALID = `destinations:
  eu-backend:
    sensitivity: { public: allow, internal: allow, pii: hash, secret: drop }
    unknown: scan
    overrides:
      "acme.customer.email": mask
      "http.request.header.*": drop
      "url.full": { truncate: 256 }
    keys: { default: { env: EU_HMAC_KEY, id: k1 } }
    jurisdictions:
      - when: 'resource["acme.tenant.jurisdiction"] == "de"'
        sensitivity: { pii: drop }
  archive:
    sensitivity: { public: allow, internal: allow, pii: allow, secret: drop }
`;

  it('random mutations of a valid file never throw: always a valid strategy or located problems (a coded ConfigError inline)', () => {
    assert.ok(parseStrategyText(VALID, 's.yaml', DESTINATIONS).document, 'the seed is valid');
    const pieces = ['allow', 'hash', 'mask', 'drop', 'truncate', '{ truncate: 3 }', 'scan', 'pass', 'pii', 'secret', '"*"', '[', ']', '{', '}', ':', '- ', '\n', '  ', '#', '&a', '*a', '!!int', "'", '"', 'resource["x"] ==', 'when:', 'destinations:', 'null', '~', '1e999', '-1', '\t', '\u0000', 'é'];
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 8 })) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
    );
    let valid = 0;
    let runs = 0;
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
      let text = VALID;
      for (const m of mutations) {
        if (m.kind === 'insert') {
          const at = m.at % (text.length + 1);
          text = text.slice(0, at) + m.text + text.slice(at);
        } else if (m.kind === 'delete') {
          const at = m.at % (text.length + 1);
          text = text.slice(0, at) + text.slice(at + m.length);
        } else {
          const lines = text.split('\n');
          const a = m.a % lines.length;
          const b = m.b % lines.length;
          [lines[a], lines[b]] = [lines[b]!, lines[a]!];
          text = lines.join('\n');
        }
      }
      runs++;
      // Inline in cairn.yaml: a config, or a ConfigError with its code; nothing else escapes.
      try {
        parseConfig(`${CONFIG}strategy:\n${text.replace(/^/gm, '  ')}`, 'c.yaml', {});
      } catch (error) {
        assert.ok(error instanceof ConfigError, `not a ConfigError: ${(error as Error).stack}`);
        assert.equal(error.code, 'CAIRN_CONFIG');
        assert.ok(error.problems.length > 0);
      }
      const parsed = parseStrategyText(text, 's.yaml', DESTINATIONS);
      if (parsed.document) {
        valid++;
        assert.equal(parsed.problems.length, 0);
        return;
      }
      assert.ok(parsed.problems.length > 0, 'refused without a problem');
      for (const p of parsed.problems) {
        assert.equal(typeof p.message, 'string');
        assert.ok(p.message.length > 0);
        assert.match(p.location ?? '', /^s\.yaml(:\d+:\d+)?$/, `problem without a location: ${JSON.stringify(p)}`);
      }
    }), { numRuns: process.env.CI ? 200 : 1000 });
    console.log(`strategy parser property: ${runs} mutated files, ${valid} still valid, ${runs - valid} refused with located problems`);
  });
});
