import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttributeType } from '../model.js';
import { loadRegistry } from '../registry.js';
import { SKIP_WITHOUT_MODEL, UPSTREAM_MODEL, writeRegistry, yaml } from '../test-support.js';
import { loadModelDirectory, loadUpstream } from './index.js';

describe('upstream model directory (CAIRN_SEMCONV_MODEL, default ../shared/semconv/model)', { skip: SKIP_WITHOUT_MODEL }, () => {
  const upstream = loadModelDirectory(UPSTREAM_MODEL);

  it('loads every file without a finding', () => {
    assert.deepEqual(upstream.findings, []);
  });

  // The v2 files' top-level `attributes` land in Weaver's synthetic group `registry.<file>`.
  const v2Groups = new Set(upstream.groups.filter((g) => g.brief === '<synthetic v2>').map((g) => g.id));

  it('resolves exactly the 931 registry.* attributes of v1 files, 207 of them deprecated, as the snapshot states', () => {
    const registry = upstream.attributes.filter((a) => a.group.startsWith('registry.') && !v2Groups.has(a.group));
    assert.equal(registry.length, 931);
    assert.equal(registry.filter((a) => a.deprecated).length, 207);
    assert.equal(upstream.attributes.length, 931 + 12);
  });

  it('also reads the attributes that definition/2 files define (client.address and friends)', () => {
    const v2 = upstream.attributes.filter((a) => v2Groups.has(a.group));
    assert.equal(v2.length, 12);
    assert.ok(v2Groups.has('registry.client/registry'));
    const client = upstream.attributes.find((a) => a.key === 'client.address');
    assert.deepEqual(client?.type, { kind: 'primitive', name: 'string' });
    assert.equal(client?.stability, 'stable');
  });

  it('keeps enums, templates and renames as the model states them', () => {
    const method = upstream.attributes.find((a) => a.key === 'http.request.method');
    assert.equal(method?.type.kind, 'enum');
    assert.ok(method?.type.kind === 'enum' && method.type.members.some((m) => m.value === 'GET'));
    const header = upstream.attributes.find((a) => a.key === 'http.request.header');
    assert.deepEqual(header?.type, { kind: 'template', inner: { kind: 'array', element: 'string' } });
    const old = upstream.attributes.find((a) => a.key === 'http.method');
    assert.deepEqual(old?.deprecated && { reason: old.deprecated.reason, to: old.deprecated.reason === 'renamed' && old.deprecated.renamedTo }, { reason: 'renamed', to: 'http.request.method' });
  });
});

describe('a model directory as upstream', { skip: SKIP_WITHOUT_MODEL }, () => {
  it('is loaded once per process and shared', () => {
    assert.equal(loadUpstream({ kind: 'dir', path: UPSTREAM_MODEL }), loadUpstream({ kind: 'dir', path: UPSTREAM_MODEL }));
  });

  it('is not changed by a registry that refines its attributes', () => {
    const refining = writeRegistry({
      'user.yaml': yaml`
        groups:
          - id: shop.user
            type: attribute_group
            brief: Users.
            attributes:
              - ref: user.email
                annotations:
                  cairn: { owner: team-identity, sensitivity: pii, propagate: true, aliases: [email] }
      `,
    });
    const plain = writeRegistry({ 'empty.yaml': 'groups: []\n' });
    const before = loadRegistry(plain, { upstream: UPSTREAM_MODEL });
    const refined = loadRegistry(refining, { upstream: UPSTREAM_MODEL }).registry.attributes.find((a) => a.key === 'user.email');
    assert.equal(refined?.owner, 'team-identity');
    assert.deepEqual(refined?.aliases, ['email']);
    const after = loadRegistry(plain, { upstream: UPSTREAM_MODEL });
    assert.deepEqual(after, before);
    const shared = loadUpstream({ kind: 'dir', path: UPSTREAM_MODEL }).attributes.find((a) => a.key === 'user.email');
    assert.deepEqual([shared?.owner, shared?.sensitivity, shared?.propagate, shared?.aliases, shared?.refinedAt], [undefined, undefined, false, [], undefined]);
  });
});

describe('a registry on a model directory', { skip: SKIP_WITHOUT_MODEL }, () => {
  it('inherits from an upstream group it extends, overriding by key, and leaves the upstream group as it was', () => {
    const dir = writeRegistry({
      'spans.yaml': yaml`
        groups:
          - id: span.shop.call
            type: span
            span_kind: client
            brief: A call to a partner.
            extends: attributes.http.client
            attributes:
              - ref: http.request.method
                requirement_level: required
              - ref: user.id
      `,
    });
    const loaded = loadRegistry(dir, { upstream: UPSTREAM_MODEL });
    assert.deepEqual(loaded.findings, []);
    const call = loaded.registry.groups.find((g) => g.id === 'span.shop.call')!;
    assert.equal(call.attributes.length, 10);
    const method = call.attributes.find((a) => a.key === 'http.request.method')!;
    assert.deepEqual([method.requirementLevel, method.inheritedFrom], ['required', undefined]);
    assert.equal(call.attributes.find((a) => a.key === 'error.type')?.inheritedFrom, 'attributes.http.client');
    const upstream = loadUpstream({ kind: 'dir', path: UPSTREAM_MODEL }).groups.find((g) => g.id === 'attributes.http.client')!;
    assert.equal(upstream.attributes.length, 9);
    assert.equal(upstream.attributes.find((a) => a.key === 'http.request.method')?.requirementLevel, 'required');
    assert.equal(upstream.attributes.find((a) => a.key === 'network.protocol.version')?.inheritedFrom, 'attributes.http.common');
  });
});

describe('built-in upstream (@opentelemetry/semantic-conventions)', () => {
  const builtin = loadUpstream({ kind: 'builtin' });

  it('knows the names, stability, deprecations, enum values and briefs', () => {
    assert.equal(builtin.info.kind, 'builtin');
    assert.match(builtin.info.version ?? '', /^\d+\.\d+\.\d+/);
    assert.ok(builtin.attributes.length > 900, `${builtin.attributes.length}`);
    const method = builtin.attributes.find((a) => a.key === 'http.request.method');
    assert.equal(method?.stability, 'stable');
    assert.equal(method?.typeSource, 'declared');
    assert.ok(method?.type.kind === 'enum' && method.type.members.some((m) => m.value === 'GET' && m.id === 'get'));
    const old = builtin.attributes.find((a) => a.key === 'http.method');
    assert.equal(old?.deprecated?.reason, 'renamed');
    assert.equal(old?.deprecated?.reason === 'renamed' && old.deprecated.renamedTo, 'http.request.method');
    assert.equal(builtin.attributes.find((a) => a.key === 'user.email')?.brief, 'User email address.');
    const header = builtin.attributes.find((a) => a.key === 'http.request.header');
    assert.equal(header?.type.kind, 'template');
  });

  it('agrees with the full model on at least 95% of the types it infers, and marks the rest unknown', { skip: SKIP_WITHOUT_MODEL }, () => {
    const model = new Map(loadModelDirectory(UPSTREAM_MODEL).attributes.map((a) => [a.key, a]));
    const shape = (t: AttributeType): string => (t.kind === 'enum' ? `enum:${t.base}` : JSON.stringify(t));
    let agree = 0;
    let inferred = 0;
    for (const attribute of builtin.attributes) {
      const truth = model.get(attribute.key);
      if (!truth || attribute.typeSource === 'unknown') continue;
      inferred++;
      if (shape(attribute.type) === shape(truth.type)) agree++;
    }
    assert.ok(inferred > 800, `${inferred} inferred`);
    assert.ok(agree / inferred >= 0.95, `${agree}/${inferred} agree`);
    const unknown = builtin.attributes.filter((a) => a.typeSource === 'unknown');
    assert.ok(unknown.every((a) => a.type.kind === 'unknown' || (a.type.kind === 'template' && a.type.inner.kind === 'unknown')));
  });
});
