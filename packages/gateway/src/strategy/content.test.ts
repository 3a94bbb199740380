import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/load.js';
import { compileStrategy } from './compile.js';
import { loadConventions, loadStrategyContent, StrategyContentError } from './content.js';
import { explainStrategy } from './explain.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-strategy-content-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const EXAMPLES = fileURLToPath(new URL('../../../../examples/conventions', import.meta.url));
const KEY = '0123456789abcdef0123456789abcdef';

const CONFIG = `auth: { anonymous: true }
destinations:
  eu-backend:
    exporter: { debug: {} }
  archive:
    exporter: { debug: {} }
`;

function config(strategy: string, source = join(dir, 'cairn.yaml')) {
  return parseConfig(`${CONFIG}strategy:\n${strategy.replace(/^/gm, '  ')}\n`, source, {});
}

function contentError(fn: () => unknown): StrategyContentError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StrategyContentError) return error;
    throw error;
  }
  assert.fail('expected a StrategyContentError');
}

describe('strategy keys', () => {
  const HASHING = `destinations:
  eu-backend:
    sensitivity: { pii: hash }
    keys: { default: { env: EU_KEY, id: k1 } }
  archive:
    overrides: { "user.email": hash }
    keys: { default: { file: ./missing.key, id: k2 } }`;

  it('an unset variable or a missing file is an error naming the destination, with a code and the declaration\'s line', () => {
    const error = contentError(() => loadStrategyContent(config(HASHING), {}));
    assert.equal(error.code, 'CAIRN_STRATEGY_KEY_MISSING');
    assert.equal(error.problems.length, 2);
    assert.equal(error.problems[0]!.path, 'strategy.destinations.eu-backend.keys.default.env');
    assert.match(error.problems[0]!.message, /^destination eu-backend: environment variable EU_KEY is not set/);
    assert.equal(error.problems[0]!.location, `${join(dir, 'cairn.yaml')}:11:24`);
    assert.match(error.problems[1]!.message, /^destination archive: cannot read key file .*missing\.key/);
  });

  it('hash without any key is an error naming the destination and the rule; never a plain hash', () => {
    const error = contentError(() => loadStrategyContent(config('destinations:\n  archive:\n    jurisdictions:\n      - when: \'resource["r"] == "x"\'\n        sensitivity: { pii: hash }'), {}));
    assert.equal(error.code, 'CAIRN_STRATEGY_KEY_MISSING');
    assert.match(error.message, /destination archive uses `hash` \(jurisdictions\[0\]\.sensitivity\.pii\) but has no key/);
  });

  it('a key is required (and read) only when some action can hash', () => {
    const content = loadStrategyContent(config('destinations:\n  archive:\n    sensitivity: { pii: mask }\n    keys: { default: { env: NOT_SET, id: k1 } }'), {});
    assert.deepEqual(content.keys, {});
    writeFileSync(join(dir, 'a.key'), `${KEY}\n`);
    const loaded = loadStrategyContent(config('destinations:\n  eu-backend:\n    sensitivity: { pii: hash }\n    keys: { default: { env: EU_KEY, id: k1 } }\n  archive:\n    sensitivity: { pii: hash }\n    keys: { default: { file: ./a.key, id: k2 } }'), { EU_KEY: KEY });
    assert.equal(Buffer.from(loaded.keys['eu-backend']!.key).toString(), KEY);
    assert.equal(Buffer.from(loaded.keys.archive!.key).toString(), KEY, 'one trailing newline dropped');
    assert.equal(compileStrategy(loaded)!.destinations.get('archive')!.key!.id, 'k2');
  });

  it('a weak key keeps its own code', () => {
    const error = contentError(() => loadStrategyContent(config('destinations:\n  archive:\n    sensitivity: { pii: hash }\n    keys: { default: { env: K, id: k1 } }'), { K: 'short' }));
    assert.equal(error.code, 'CAIRN_STRATEGY_KEY_WEAK');
  });
});

describe('compiled strategy', () => {
  it('defaults: classes not given are allowed except secret, which is dropped; variants lay stricter entries over the policy', () => {
    const content = loadStrategyContent(config(`destinations:
  eu-backend:
    sensitivity: { pii: mask }
    unknown: scan
    overrides: { "http.request.header.*": drop, "url.full": { truncate: 64 } }
    jurisdictions:
      - when: 'resource["acme.tenant.jurisdiction"] == "de"'
        sensitivity: { pii: drop }
        overrides: { "url.full": drop }`), {});
    const strategy = compileStrategy(content)!;
    assert.equal(strategy.destinations.has('archive'), false, 'no entry: unchanged');
    const eu = strategy.destinations.get('eu-backend')!;
    assert.deepEqual(eu.policy.sensitivity, { public: { kind: 'allow' }, internal: { kind: 'allow' }, pii: { kind: 'mask' }, secret: { kind: 'drop' } });
    assert.deepEqual(eu.policy.ruleOf, { public: 'default.public', internal: 'default.internal', pii: 'sensitivity.pii', secret: 'default.secret' });
    assert.equal(eu.policy.unknown, 'scan');
    const header = eu.policy.overrides.find((o) => o.test('http.request.header.x-api-key'))!;
    assert.equal(header.rule, 'overrides["http.request.header.*"]');
    assert.equal(eu.policy.overrides.some((o) => o.test('http.request.method')), false);
    const [de] = eu.jurisdictions;
    assert.equal(de!.test({ 'acme.tenant.jurisdiction': 'de' }), true);
    assert.equal(de!.test({ 'acme.tenant.jurisdiction': 'fr' }), false);
    assert.equal(de!.test({}), false, 'a missing key is false, not a throw');
    assert.deepEqual(de!.policy.sensitivity.pii, { kind: 'drop' });
    assert.equal(de!.policy.ruleOf.pii, 'jurisdictions[0].sensitivity.pii');
    assert.equal(de!.policy.unknown, 'scan', 'inherited');
    assert.deepEqual(de!.policy.overrides.find((o) => o.test('url.full'))!.action, { kind: 'drop' }, 'the variant\'s override first');
  });

  it('an explicit secret: allow is honoured', () => {
    const strategy = compileStrategy(loadStrategyContent(config('destinations:\n  archive:\n    sensitivity: { secret: allow }'), {}))!;
    assert.deepEqual(strategy.destinations.get('archive')!.policy.sensitivity.secret, { kind: 'allow' });
  });
});

describe('conventions: the registry', () => {
  it('the example registry resolves with its upstream and reaches the compiled strategy', () => {
    const registry = loadConventions(EXAMPLES, join(dir, 'cairn.yaml'));
    assert.equal(registry.manifest.name, 'acme');
    const strategy = compileStrategy({ keys: {}, registry })!;
    assert.equal(strategy.registry!.lookup('acme.cart.id').kind, 'known');
  });

  it('a registry with errors is a startup error with a code', () => {
    const reg = join(dir, 'bad-registry');
    mkdirSync(reg, { recursive: true });
    writeFileSync(join(reg, 'registry_manifest.yaml'), 'name: bad\nsemconv_version: 0.1.0\nschema_base_url: https://bad.example/\ncairn:\n  namespaces: [bad]\n  upstream: none\n');
    writeFileSync(join(reg, 'bad.yaml'), 'groups:\n  - id: registry.bad\n    type: attribute_group\n    brief: x\n    attributes:\n      - id: bad.thing\n        type: no_such_type\n        brief: x\n');
    const error = contentError(() => loadConventions(reg, join(dir, 'cairn.yaml')));
    assert.equal(error.code, 'CAIRN_CONVENTIONS');
    assert.match(error.message, /registry .*bad-registry has \d+ errors?/);
  });
});

describe('explain', () => {
  it('one column per destination and per jurisdiction variant; rows per class, override and registry attribute', () => {
    const c = config(`destinations:
  eu-backend:
    sensitivity: { pii: hash }
    overrides: { "acme.payment.card.last4": mask }
    keys: { default: { env: K, id: k1 } }
    jurisdictions:
      - when: 'resource["j"] == "de"'
        sensitivity: { pii: drop }`);
    const e = explainStrategy(c.strategy, ['eu-backend', 'archive'], loadConventions(EXAMPLES, join(dir, 'cairn.yaml')));
    assert.deepEqual(e.columns.map((x) => [x.destination, x.variant?.when ?? null, x.unchanged ?? false]), [['eu-backend', null, false], ['eu-backend', 'resource["j"] == "de"', false], ['archive', null, true]]);
    const pii = e.rows.find((r) => r.kind === 'class' && r.name === 'pii')!;
    assert.deepEqual(pii.cells.map((x) => x.action), ['hash', 'drop', 'unchanged']);
    const card = e.rows.find((r) => r.kind === 'attribute' && r.name === 'acme.payment.card.last4')!;
    assert.equal(card.owner, 'team-payments');
    assert.equal(card.sensitivity, 'pii');
    assert.deepEqual(card.cells.map((x) => [x.action, x.rule]), [['mask', 'overrides["acme.payment.card.last4"]'], ['mask', 'overrides["acme.payment.card.last4"]'], ['unchanged', 'no strategy entry']]);
  });
});
