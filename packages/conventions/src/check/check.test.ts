import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDirectory } from '../registry.js';
import { SHOP_MANIFEST as MANIFEST, writeRegistry } from '../test-support.js';
import { isIdentityLike, suggestKey } from './rules.js';

/** One attribute definition with everything a clean attribute has, and `extra` lines appended. */
function attr(id: string, extra = '', type = 'string'): string {
  return `      - id: ${id}
        type: ${type}
        brief: A field.
        stability: development
        annotations:
          cairn:
            owner: team-a
            sensitivity: internal
${extra}`;
}

function check(attributes: string, manifest = MANIFEST) {
  const dir = writeRegistry({
    'registry_manifest.yaml': manifest,
    'shop.yaml': `groups:\n  - id: registry.shop\n    type: attribute_group\n    brief: Shop.\n    attributes:\n${attributes}`,
  });
  return checkDirectory(dir, { displayRoot: dir });
}

function ids(result: ReturnType<typeof check>): string[] {
  return result.findings.map((f) => f.id);
}

describe('cairn check policies', () => {
  it('a clean org attribute has no finding', () => {
    const result = check(attr('shop.cart.total', '', 'double'));
    assert.deepEqual(result.findings, []);
  });

  it('flags names that are not lowercase snake_case, and suggests one', () => {
    const result = check(attr('shop.cartTotal'));
    const finding = result.findings.find((f) => f.id === 'naming.format');
    assert.ok(finding);
    assert.equal(finding.level, 'error');
    assert.match(finding.hint ?? '', /shop\.cart_total/);
    assert.deepEqual(finding.location, { file: 'shop.yaml', line: 6, col: 9 });
  });

  it('flags an attribute without a namespace', () => {
    assert.ok(ids(check(attr('total'))).includes('naming.no-namespace'));
  });

  it('refuses to redefine an upstream attribute and says to use ref', () => {
    const finding = check(attr('http.route')).findings.find((f) => f.id === 'upstream.redefinition');
    assert.ok(finding);
    assert.equal(finding.level, 'error');
    assert.match(finding.hint ?? '', /ref: http\.route/);
  });

  it('warns (not silence) on a new field inside an OpenTelemetry namespace', () => {
    const finding = check(attr('http.acme_region')).findings.find((f) => f.id === 'namespace.otel-extension');
    assert.equal(finding?.level, 'warning');
  });

  it('errors on a field that collides with an OpenTelemetry template attribute', () => {
    const result = check(attr('http.request.header.x_acme_id', '', 'string[]'));
    const finding = result.findings.find((f) => f.id === 'upstream.redefinition');
    assert.ok(finding);
    assert.match(finding.message, /template/);
  });

  it('warns on the app.* namespace, which OpenTelemetry has taken', () => {
    const result = check(attr('app.checkout.step'));
    assert.equal(result.findings.find((f) => f.id === 'namespace.app-reserved')?.level, 'warning');
  });

  it('flags an attribute whose name is also a namespace', () => {
    const result = check(attr('shop.cart') + attr('shop.cart.total', '', 'double'));
    const finding = result.findings.find((f) => f.id === 'naming.attribute-is-namespace');
    assert.ok(finding);
    assert.match(finding.message, /`shop\.cart` is an attribute and also the namespace of `shop\.cart\.total`/);
  });

  it('flags duplicate ids and duplicate enum members', () => {
    const enumType = `\n          members:\n            - { id: a, value: x, stability: development }\n            - { id: a, value: x, stability: development }`;
    const result = check(attr('shop.cart.id') + attr('shop.cart.id') + attr('shop.cart.kind', '', enumType));
    assert.equal(ids(result).filter((id) => id === 'duplicate.attribute').length, 1);
    assert.equal(ids(result).filter((id) => id === 'duplicate.enum-member').length, 2);
  });

  it('flags a rename to an attribute that does not exist', () => {
    const deprecated = '        deprecated: { reason: renamed, renamed_to: shop.cart.totl }\n';
    assert.ok(ids(check(attr('shop.cart.value', deprecated))).includes('deprecated.renamed-to-missing'));
  });

  it('never proposes the attribute\'s own name as its rename', () => {
    const finding = check(attr('shop.9lives')).findings.find((f) => f.id === 'naming.format');
    assert.ok(finding);
    assert.doesNotMatch(finding.hint ?? '', /shop\.9lives/);
  });

  it('leaves the names of deprecated attributes alone: they exist for what still sends them', () => {
    const result = check(attr('state', '        deprecated: true\n') + attr('shop.code', '        deprecated: { reason: obsoleted }\n') + attr('shop.code.line'));
    assert.deepEqual(ids(result).filter((id) => id.startsWith('naming.')), []);
  });

  it('does not hold a plain Weaver registry (no Cairn manifest or annotation) to ownership and sensitivity', () => {
    const plain = '      - id: shop.customer.email\n        type: string\n        brief: A field.\n        stability: development\n';
    assert.deepEqual(ids(check(plain, 'name: plain\n')), []);
    assert.deepEqual(ids(check(plain)).sort(), ['ownership.missing', 'sensitivity.required']);
  });

  it('requires a sensitivity on identity-like fields', () => {
    const bare = (id: string) => `      - id: ${id}\n        type: string\n        brief: A field.\n        stability: development\n        annotations: { cairn: { owner: team-a } }\n`;
    const result = check(bare('shop.customer.email') + bare('shop.customer.phone_number') + bare('shop.order.note'));
    const flagged = result.findings.filter((f) => f.id === 'sensitivity.required').map((f) => f.attribute);
    assert.deepEqual(flagged, ['shop.customer.email', 'shop.customer.phone_number']);
  });

  it('flags an alias that is itself a defined attribute', () => {
    const aliases = '            aliases: [http.route]\n';
    const result = check(attr('shop.route', aliases));
    assert.ok(ids(result).includes('alias.collides'));
  });

  it('applies the manifest policy levels: off drops a rule, a level replaces it', () => {
    const manifest = `${MANIFEST}  policies:\n    naming.format: off\n    namespace.app-reserved: error\n`;
    const result = check(attr('shop.cartTotal') + attr('app.step'), manifest);
    assert.ok(!ids(result).includes('naming.format'));
    assert.equal(result.findings.find((f) => f.id === 'namespace.app-reserved')?.level, 'error');
  });

  it('findings carry a stable id, a level, file:line:col and a fix hint', () => {
    const result = check(attr('shop.cartTotal') + attr('total'));
    assert.ok(result.findings.length >= 2);
    for (const finding of result.findings) {
      assert.match(finding.id, /^[a-z-]+\.[a-z-]+$/);
      assert.ok(['error', 'warning', 'info'].includes(finding.level));
      assert.ok(finding.location && finding.location.line > 0 && finding.location.col > 0);
      assert.ok(finding.hint);
    }
  });
});

describe('identity-like names', () => {
  it('recognizes user.*, enduser.*, client.address, emails, phones and IPs, but not server.address', () => {
    for (const key of ['user.id', 'enduser.pseudo.id', 'client.address', 'acme.customer.email', 'acme.contact.phone', 'acme.login.ip', 'acme.user_name']) {
      assert.ok(isIdentityLike(key), key);
    }
    for (const key of ['server.address', 'acme.cart.total', 'acme.shipping.zip_code_prefix', 'network.peer.address']) {
      assert.ok(!isIdentityLike(key), key);
    }
  });

  it('suggests snake_case names for camelCase and dashed ones', () => {
    assert.equal(suggestKey('acme.cartTotal'), 'acme.cart_total');
    assert.equal(suggestKey('Acme.Order-ID'), 'acme.order_id');
  });
});
