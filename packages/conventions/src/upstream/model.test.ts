import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkDirectory } from '../registry.js';
import { SKIP_WITHOUT_MODEL, UPSTREAM_MODEL } from '../test-support.js';
import { loadModelDirectory } from './index.js';

/**
 * The whole upstream model, v1 and definition/2 files together, resolved as Weaver does. The
 * counts were computed apart from Cairn, by a short script over the YAML that applies Weaver's
 * rules on its own (v2 ids, refinements extend what they refine, extends chains and ref_group
 * take in keys, v1 prefix): per group type, the groups and the sum of their attribute counts.
 * Metrics without attributes are real (223 of them declare none and extend nothing).
 */
const COUNTS: Record<string, { groups: number; memberships: number; withoutAttributes: number }> = {
  attribute_group: { groups: 235, memberships: 1536, withoutAttributes: 0 },
  entity: { groups: 64, memberships: 224, withoutAttributes: 0 },
  event: { groups: 32, memberships: 131, withoutAttributes: 0 },
  metric: { groups: 562, memberships: 1257, withoutAttributes: 223 },
  span: { groups: 113, memberships: 1618, withoutAttributes: 0 },
};

describe('the upstream model resolved as Weaver does', { skip: SKIP_WITHOUT_MODEL }, () => {
  const model = SKIP_WITHOUT_MODEL ? undefined : loadModelDirectory(UPSTREAM_MODEL);
  const group = (id: string) => model!.groups.find((g) => g.id === id);

  it('resolves without a finding', () => {
    assert.deepEqual(model!.findings, []);
  });

  it('resolves every metric, span, event and entity with its attributes: the counts per type', () => {
    const counts: typeof COUNTS = {};
    for (const g of model!.groups) {
      const c = (counts[g.type] ??= { groups: 0, memberships: 0, withoutAttributes: 0 });
      c.groups++;
      c.memberships += g.attributes.length;
      if (g.attributes.length === 0) c.withoutAttributes++;
    }
    assert.deepEqual(counts, COUNTS);
  });

  it('gives a v1 metric that extends a v2 attribute group its attributes (metric.hw.host.energy)', () => {
    const energy = group('metric.hw.host.energy')!;
    assert.deepEqual(energy.attributes.map((a) => [a.key, a.requirementLevel, a.inheritedFrom]), [
      ['hw.id', 'required', 'hardware.attributes.common'],
      ['hw.name', 'recommended', 'hardware.attributes.common'],
      ['hw.parent', 'recommended', 'hardware.attributes.common'],
    ]);
    assert.equal(energy.metricName, 'hw.host.energy');
    assert.equal(energy.instrument, 'counter');
    assert.equal(energy.unit, 'J');
  });

  it('inherits along extends: attributes.http.client carries error.type and http.request.method', () => {
    const keys = group('attributes.http.client')!.attributes.map((a) => a.key);
    assert.ok(keys.includes('error.type') && keys.includes('http.request.method'), keys.join(', '));
    assert.equal(keys.length, 9);
  });

  it('gives v2 signals their Weaver ids and keeps refinements apart', () => {
    assert.equal(group('metric.hw.temperature')?.metricName, 'hw.temperature');
    assert.equal(group('span.faas.server')?.spanKind, 'server');
    const refined = group('span.messaging.rocketmq.send.producer')!;
    assert.equal(refined.extends, 'span.messaging.send.producer');
    const system = refined.attributes.find((a) => a.key === 'messaging.system')!;
    assert.equal(system.note, 'MUST be set to `"rocketmq"`.');
    assert.ok(!model!.groups.some((g) => /^[a-z_]+:\d+@/.test(g.id)), 'no synthetic ids');
  });

  it('keeps the entities identity and description attributes apart', () => {
    const entities = model!.groups.filter((g) => g.type === 'entity');
    assert.ok(entities.some((g) => g.attributes.some((a) => a.role === 'identifying')));
    const pod = group('entity.k8s.pod')!;
    assert.ok(pod.attributes.some((a) => a.role === 'identifying') && pod.attributes.some((a) => a.role === 'descriptive'));
  });
});

describe('the upstream model checked as a registry in its own right', { skip: SKIP_WITHOUT_MODEL }, () => {
  const empty = mkdtempSync(join(tmpdir(), 'cairn-empty-upstream-'));
  after(() => rmSync(empty, { recursive: true, force: true }));

  it('is usable and has no finding on an empty upstream', () => {
    const result = checkDirectory(UPSTREAM_MODEL, { upstream: empty });
    assert.equal(result.unusable, false);
    assert.deepEqual(result.findings.map((f) => `${f.id} ${f.message}`), []);
    assert.equal(result.registry.attributes.length, 931 + 12);
    assert.equal(result.registry.attributes.filter((a) => a.deprecated).length, 207);
  });
});
