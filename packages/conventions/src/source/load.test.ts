import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { checkDirectory, loadRegistry } from '../registry.js';
import { SHOP_MANIFEST as MANIFEST, writeRegistry, yaml } from '../test-support.js';

function load(files: Record<string, string>) {
  const dir = writeRegistry({ 'registry_manifest.yaml': MANIFEST, ...files });
  return loadRegistry(dir, { displayRoot: dir });
}

describe('loading a registry with bad input', () => {
  it('names a bad manifest relative to the working directory when the registry is given by a relative path', () => {
    const dir = relative(process.cwd(), writeRegistry({ 'registry_manifest.yaml': `${MANIFEST}nmae: typo\n` }));
    const { findings } = loadRegistry(dir);
    const unknown = findings.find((f) => f.location?.file.endsWith('registry_manifest.yaml'));
    assert.ok(unknown, JSON.stringify(findings));
    assert.equal(unknown.location?.file, join(dir, 'registry_manifest.yaml'));
  });

  it('reports malformed YAML with file, line and column, and marks the input unusable', () => {
    const { findings, unusable } = load({ 'cart.yaml': 'groups:\n  - id: registry.shop\n    brief: [unclosed\n' });
    assert.equal(unusable, true);
    const syntax = findings.find((f) => f.id === 'yaml.syntax');
    assert.ok(syntax, JSON.stringify(findings));
    assert.equal(syntax.location?.file, 'cart.yaml');
    assert.ok(syntax.location!.line >= 3, `line ${syntax.location!.line}`);
  });

  it('names an unknown key and suggests the key that was meant', () => {
    const { findings } = load({
      'cart.yaml': yaml`
        groups:
          - id: registry.shop.cart
            type: attribute_group
            brief: Cart.
            attributes:
              - id: shop.cart.total
                type: double
                breif: Total.
      `,
    });
    const unknown = findings.find((f) => f.id === 'schema.unknown-key');
    assert.ok(unknown);
    assert.match(unknown.message, /`breif`/);
    assert.equal(unknown.hint, 'did you mean `brief`?');
    assert.deepEqual(unknown.location, { file: 'cart.yaml', line: 8, col: 9 });
  });

  it('suggests `int` for a type spelled `integer`', () => {
    const { findings } = load({
      'cart.yaml': yaml`
        groups:
          - id: registry.shop.cart
            type: attribute_group
            brief: Cart.
            attributes:
              - id: shop.cart.items
                type: integer
                brief: Items.
      `,
    });
    const wrong = findings.find((f) => f.id === 'schema.wrong-type');
    assert.ok(wrong);
    assert.equal(wrong.hint, 'did you mean `int`?');
    assert.equal(wrong.location?.line, 7);
  });

  it('reports a ref to an attribute nobody defines, with the closest real name', () => {
    const { findings, unusable } = load({
      'spans.yaml': yaml`
        groups:
          - id: span.shop.checkout
            type: span
            brief: Checkout.
            attributes:
              - ref: http.request.metod
      `,
    });
    assert.equal(unusable, false);
    const ref = findings.find((f) => f.id === 'ref.unknown');
    assert.ok(ref);
    assert.equal(ref.hint, 'did you mean `http.request.method`?');
    assert.equal(ref.location?.line, 6);
  });

  it('refuses a YAML file that is not a registry', () => {
    const { findings, unusable } = load({ 'notes.yaml': 'title: my notes\nitems: [1, 2]\n' });
    assert.equal(unusable, true);
    const finding = findings.find((f) => f.id === 'schema.not-a-registry');
    assert.ok(finding);
    assert.deepEqual(finding.location, { file: 'notes.yaml', line: 1, col: 1 });
  });

  it('reports a wrong value type for a Cairn annotation and an unknown sensitivity', () => {
    const { findings } = load({
      'user.yaml': yaml`
        groups:
          - id: registry.shop.user
            type: attribute_group
            brief: Users.
            attributes:
              - id: shop.user.tier
                type: string
                brief: Tier.
                annotations:
                  cairn:
                    sensitivity: private
                    propagate: "yes"
      `,
    });
    const invalid = findings.find((f) => f.id === 'schema.invalid-value');
    assert.ok(invalid);
    assert.match(invalid.message, /public, internal, pii, secret/);
    assert.equal(invalid.location?.line, 11);
    const propagate = findings.find((f) => f.id === 'schema.wrong-type');
    assert.ok(propagate);
    assert.match(propagate.message, /true or false/);
  });

  it('follows YAML anchors and aliases like Weaver does', () => {
    const { findings, registry } = load({
      'cart.yaml': yaml`
        groups:
          - id: registry.shop.cart
            type: attribute_group
            brief: &brief Cart fields.
            attributes:
              - id: shop.cart.id
                type: string
                brief: *brief
                stability: development
                annotations: { cairn: { owner: team-a, sensitivity: internal } }
      `,
    });
    assert.deepEqual(findings, []);
    assert.equal(registry.attributes.find((a) => a.key === 'shop.cart.id')?.brief, 'Cart fields.');
  });

  it('stops with a coded error when the registry directory does not exist', () => {
    assert.throws(() => loadRegistry('/nonexistent/registry'), { code: 'CAIRN_REGISTRY_NOT_FOUND' });
  });
});

describe('Cairn annotations', () => {
  it('refine an upstream attribute through a ref: owner, sensitivity and aliases', () => {
    const { registry, findings } = load({
      'user.yaml': yaml`
        groups:
          - id: shop.user
            type: attribute_group
            brief: Users.
            attributes:
              - ref: user.id
                annotations:
                  cairn: { owner: team-identity, sensitivity: pii, aliases: [userId, user_id] }
      `,
    });
    assert.deepEqual(findings, []);
    const user = registry.attributes.find((a) => a.key === 'user.id');
    assert.equal(user?.origin, 'upstream');
    assert.equal(user?.owner, 'team-identity');
    assert.equal(user?.sensitivity, 'pii');
    assert.equal(registry.aliases.userId, 'user.id');
    assert.equal(registry.aliases.user_id, 'user.id');
  });

  it('the example shop registry resolves and checks clean', async () => {
    const { EXAMPLE_REGISTRY } = await import('../test-support.js');
    const result = checkDirectory(EXAMPLE_REGISTRY);
    assert.equal(result.unusable, false);
    assert.deepEqual(result.findings.filter((f) => f.level === 'error'), []);
    const keys = result.registry.attributes.filter((a) => a.origin === 'org').map((a) => a.key);
    for (const key of ['acme.cart.total', 'acme.order.id', 'acme.payment.method', 'acme.tenant.id', 'acme.user.segment']) {
      assert.ok(keys.includes(key), key);
    }
    assert.equal(result.registry.aliases.userId, 'user.id');
    assert.equal(result.registry.aliases.user_id, 'user.id');
    assert.equal(result.registry.attributes.find((a) => a.key === 'acme.payment.card.token')?.sensitivity, 'secret');
  });
});
