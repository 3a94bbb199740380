import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadRegistry } from '@cairn/conventions';
import { registryFor } from './registry.js';
import { knownAttributes } from './rules/known-attributes.js';
import { noSensitiveInSpanName } from './rules/no-sensitive-in-span-name.js';
import { EXAMPLE_REGISTRY, ruleTester } from './test-support.js';

const scratch = mkdtempSync(join(tmpdir(), 'cairn-eslint-'));
const resolvedFile = join(scratch, 'registry.json');
writeFileSync(resolvedFile, JSON.stringify(loadRegistry(EXAMPLE_REGISTRY).registry));
const notJson = join(scratch, 'broken.json');
writeFileSync(notJson, '{ "attributes": [');
const notARegistry = join(scratch, 'package.json');
writeFileSync(notARegistry, JSON.stringify({ name: 'shop', version: '1.0.0' }));
const brokenDir = join(scratch, 'broken-registry');
mkdirSync(brokenDir);
writeFileSync(join(brokenDir, 'registry_manifest.yaml'), 'name: broken\ncairn:\n  namespaces: [shop]\n');
writeFileSync(join(brokenDir, 'cart.yaml'), 'groups:\n  - id: registry.shop.cart\n    attributes: [\n');
const missingDir = join(scratch, 'no-such-registry');
after(() => rmSync(scratch, { recursive: true, force: true }));

const code = "span.setAttribute('userId', id);";
const fixed = "span.setAttribute('user.id', id);";
const unavailable = (path: string, reason: RegExp) =>
  new RegExp(`^Cannot load the Cairn registry at ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${reason.source}`);

ruleTester({}).run('cairn/known-attributes: where the registry comes from', knownAttributes, {
  valid: [],
  invalid: [
    {
      name: 'rule options point to `cairn resolve` output',
      code,
      options: [{ resolved: resolvedFile }],
      output: fixed,
      errors: [{ messageId: 'alias' }],
    },
    {
      name: 'a relative registry path is relative to the working directory',
      code,
      options: [{ registry: relative(process.cwd(), EXAMPLE_REGISTRY) }],
      output: fixed,
      errors: [{ messageId: 'alias' }],
    },
    {
      name: 'rule options win over settings',
      code,
      options: [{ registry: EXAMPLE_REGISTRY }],
      settings: { cairn: { registry: missingDir } },
      output: fixed,
      errors: [{ messageId: 'alias' }],
    },
    {
      name: 'no registry configured is one problem that says how to configure it',
      code: `${code}\n${code}`,
      errors: [{ messageId: 'registryMissing', line: 1, column: 1 }],
    },
    {
      name: 'a missing registry directory is one problem naming the path, not a crash',
      code: `${code}\nspan.setAttribute('cartTotal', t);`,
      settings: { cairn: { registry: missingDir } },
      errors: [{ message: unavailable(missingDir, /registry directory .* does not exist/), line: 1, column: 1 }],
    },
    {
      name: 'a registry with a broken YAML file names the file',
      code,
      settings: { cairn: { registry: brokenDir } },
      errors: [{ message: unavailable(brokenDir, /cart\.yaml:4:1: .* \(fix the YAML syntax at this position\)\.$/) }],
    },
    {
      name: 'a resolved file that is not JSON',
      code,
      settings: { cairn: { resolved: notJson } },
      errors: [{ message: unavailable(notJson, /invalid JSON: /) }],
    },
    {
      name: 'a JSON file that is not a resolved registry',
      code,
      settings: { cairn: { resolved: notARegistry } },
      errors: [{ message: unavailable(notARegistry, /it is not a resolved registry .*\(write it with `cairn resolve DIR -o FILE`\)\.$/) }],
    },
    {
      name: 'a resolved file that does not exist',
      code,
      settings: { cairn: { resolved: join(scratch, 'missing.json') } },
      errors: [{ message: unavailable(join(scratch, 'missing.json'), /no such file\.$/) }],
    },
    {
      name: 'a registry setting that is not a path',
      code,
      settings: { cairn: { registry: 42 } },
      errors: [{ message: 'Cannot load the Cairn registry at 42: `registry` in settings.cairn or the rule options must be a non-empty path.' }],
    },
    {
      name: 'both a registry directory and a resolved file',
      code,
      settings: { cairn: { registry: EXAMPLE_REGISTRY, resolved: resolvedFile } },
      errors: [{ message: /set both `registry` and `resolved`; keep one\.$/ }],
    },
  ],
});

ruleTester({ cairn: { registry: missingDir } }).run('cairn/no-sensitive-in-span-name: with a broken registry', noSensitiveInSpanName, {
  valid: [],
  invalid: [
    {
      name: 'says so once and still checks identity-like names',
      code: 'tracer.startSpan(`checkout ${email}`);\ntracer.startSpan(`checkout ${user.email}`);',
      errors: [
        { message: /does not exist.*\. Span names are checked against identity-like names only\.$/, line: 1, column: 1 },
        { messageId: 'identityLike', data: { name: 'email' } },
        { messageId: 'identityLike', data: { name: 'user.email' } },
      ],
    },
  ],
});

describe('loading the registry', () => {
  it('resolves a registry directory once per process, whatever the file', () => {
    const first = registryFor({}, { cairn: { registry: EXAMPLE_REGISTRY } }, process.cwd());
    const second = registryFor({ registry: relative(scratch, EXAMPLE_REGISTRY) }, {}, scratch);
    assert.equal(first.status, 'loaded');
    assert.ok(first.status === 'loaded' && second.status === 'loaded' && first.view === second.view);
  });

  it('reloads a resolved file when it changes', () => {
    const file = join(scratch, 'changing.json');
    const { registry } = loadRegistry(EXAMPLE_REGISTRY);
    writeFileSync(file, JSON.stringify(registry));
    const before = registryFor({ resolved: file }, {}, scratch);
    const withoutAliases = { ...registry, aliases: {} };
    writeFileSync(file, JSON.stringify(withoutAliases));
    // A rewrite within the same clock tick keeps the mtime; move it on explicitly.
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const after = registryFor({ resolved: file }, {}, scratch);
    assert.ok(before.status === 'loaded' && after.status === 'loaded');
    assert.equal(before.view.index.lookup('userId').kind, 'alias');
    assert.equal(after.view.index.lookup('userId').kind, 'unknown');
  });
});
