import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../findings.js';
import { stringify } from 'yaml';
import { toWeaverRegistry } from '../generate/weaver.js';
import type { Attribute, ResolvedRegistry } from '../model.js';
import { loadRegistry, type LoadedRegistry } from '../registry.js';
import { parseManifest } from '../source/manifest.js';
import { SKIP_WITHOUT_MODEL, UPSTREAM_MODEL, writeRegistry } from '../test-support.js';

const DEPS = fileURLToPath(new URL('../../testdata/deps/', import.meta.url));
const cacheDir = mkdtempSync(join(tmpdir(), 'cairn-deps-cache-'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));

/** Loads `testdata/deps/<name>` with the working directory at testdata/deps, as the README says. */
function load(name: string, dir = join(DEPS, name)): LoadedRegistry {
  return loadRegistry(dir, { cwd: DEPS, cacheDir, displayRoot: DEPS });
}

function errors(loaded: LoadedRegistry): Finding[] {
  return loaded.findings.filter((f) => f.level === 'error');
}

/** Group id → its attribute keys, for the groups of one origin. */
function groups(registry: ResolvedRegistry, origin: 'org' | 'upstream'): Record<string, string[]> {
  return Object.fromEntries(registry.groups.filter((g) => g.origin === origin).map((g) => [g.id, g.attributes.map((a) => a.key)]));
}

describe('registry dependencies', () => {
  test('a chain app → middle → base resolves; each level keeps the signals its own imports select', () => {
    const loaded = load('app');
    assert.deepEqual(errors(loaded), []);
    const { registry } = loaded;
    assert.deepEqual(registry.attributes.map((a) => `${a.key}:${a.origin}`), ['app.user_tier:org', 'base.id:upstream', 'base.mode:upstream', 'middle.kind:upstream']);
    // base's metric reached middle (middle imports base.*) but not app (app imports middle.jobs only);
    // spans and events are not imported at all.
    assert.deepEqual(groups(registry, 'upstream'), {
      'registry.middle': ['middle.kind', 'base.id'],
      'metric.middle.jobs': ['middle.kind', 'base.mode'],
      'registry.base': ['base.id', 'base.mode'],
    });
    assert.deepEqual(registry.upstream.dependencies?.map((d) => d.name), ['middle', 'base']);
    assert.equal(registry.upstream.kind, 'none');
    const baseId = registry.attributes.find((a) => a.key === 'base.id')!;
    assert.equal(baseId.stability, 'stable');
    assert.deepEqual(baseId.type, { kind: 'primitive', name: 'string' });
  });

  test('imports take wildcards per kind, in v2 files too', () => {
    const loaded = load('wildcard');
    assert.deepEqual(errors(loaded), []);
    assert.deepEqual(Object.keys(groups(loaded.registry, 'upstream')).sort(), ['event.base.started', 'metric.base.requests', 'registry.base']);
  });

  test('a cycle is an error that names it, at the manifest entry that closes it', () => {
    const loaded = load('cycle-a');
    const cycle = loaded.findings.filter((f) => f.id === 'schema.dependency-cycle');
    assert.equal(cycle.length, 1);
    assert.equal(cycle[0]!.message, 'dependency cycle: cycle-a → cycle-b → cycle-a');
    assert.deepEqual(cycle[0]!.location, { file: 'cycle-b/registry_manifest.yaml', line: 3, col: 5 });
    assert.equal(loaded.unusable, true);
  });

  test('a published registry: a folder with a publication manifest, or the resolved schema file itself', () => {
    for (const name of ['app-published', 'app-resolved-file']) {
      const loaded = load(name);
      assert.deepEqual(errors(loaded), [], name);
      const { registry } = loaded;
      assert.deepEqual(groups(registry, 'upstream'), { 'registry.pub': ['pub.region', 'pub.tier'], 'metric.pub.calls': ['pub.region'] }, name);
      const region = registry.attributes.find((a) => a.key === 'pub.region')!;
      // The definition comes from the registry group, not the metric's refinement.
      assert.equal(region.brief, 'The region.');
      assert.equal(region.stability, 'stable');
      const tier = registry.attributes.find((a) => a.key === 'pub.tier')!;
      assert.deepEqual(tier.deprecated, { reason: 'renamed', renamedTo: 'pub.plan' });
      assert.equal(tier.type.kind === 'enum' && tier.type.members.map((m) => m.id).join(), 'gold,free');
      assert.equal(registry.groups.find((g) => g.id === 'metric.pub.calls')!.attributes[0]!.requirementLevel, 'required');
    }
  });

  test("what `cairn resolve --format weaver` writes is a published registry another registry can depend on", () => {
    const empty = mkdtempSync(join(tmpdir(), 'cairn-empty-upstream-'));
    after(() => rmSync(empty, { recursive: true, force: true }));
    const base = loadRegistry(join(DEPS, 'base'), { upstream: empty }).registry;
    const published = writeRegistry({ 'resolved_schema.yaml': stringify(toWeaverRegistry(base, 'https://example.test/base')) });
    const loaded = loadRegistry(writeRegistry({
      'registry_manifest.yaml': `name: consumer\ndependencies:\n  - name: base\n    registry_path: ${join(published, 'resolved_schema.yaml')}\n`,
      'c.yaml': 'imports:\n  metrics: [base.requests]\n  events: [base.*]\ngroups: []\n',
    }), { cacheDir });
    assert.deepEqual(errors(loaded), []);
    const strip = (a: Attribute) => ({ key: a.key, type: a.type, brief: a.brief, stability: a.stability, examples: a.examples });
    assert.deepEqual(loaded.registry.attributes.map(strip), base.attributes.map(strip));
    assert.deepEqual(Object.keys(groups(loaded.registry, 'upstream')), ['registry.base', 'metric.base.requests', 'event.base.started']);
    const metric = loaded.registry.groups.find((g) => g.id === 'metric.base.requests')!;
    assert.deepEqual([metric.metricName, metric.instrument, metric.unit], ['base.requests', 'counter', '{request}']);
  });

  test('archives: .tar.gz and .zip, the top-level folder stripped, [sub/folder] selecting the registry', () => {
    const tarred = load('app-archive');
    assert.deepEqual(errors(tarred), []);
    assert.deepEqual(Object.keys(groups(tarred.registry, 'upstream')), ['registry.base', 'event.base.started']);
    const zip = join(DEPS, 'archives', 'base-1.0.0.zip');
    const zipped = loadRegistry(writeRegistry({
      'registry_manifest.yaml': `name: zipped\ndependencies:\n  - name: base\n    registry_path: ${zip}[model]\n`,
      'app.yaml': 'imports:\n  metrics: [base.requests]\ngroups: []\n',
    }), { cacheDir });
    assert.deepEqual(errors(zipped), []);
    assert.deepEqual(Object.keys(groups(zipped.registry, 'upstream')), ['registry.base', 'metric.base.requests']);
    const missing = loadRegistry(writeRegistry({ 'registry_manifest.yaml': `name: m\ndependencies:\n  - name: base\n    registry_path: ${zip}[nope]\n` }), { cacheDir });
    assert.match(errors(missing)[0]!.message, /has no folder `nope`/);
  });

  test('an archive whose entries climb out is refused whole; links inside an archive are skipped', () => {
    for (const format of ['tar.gz', 'zip']) {
      const cache = mkdtempSync(join(tmpdir(), 'cairn-evil-'));
      try {
        const archive = join(DEPS, 'archives', `climbs-out.${format}`);
        const loaded = loadRegistry(writeRegistry({ 'registry_manifest.yaml': `name: e\ndependencies:\n  - name: e\n    registry_path: ${archive}[model]\n` }), { cacheDir: cache });
        assert.equal(errors(loaded)[0]?.id, 'schema.dependency-unreadable', format);
        assert.equal(loaded.unusable, true);
        // Nothing landed anywhere in or around the cache.
        assert.equal(existsSync(join(cache, 'escaped.yaml')) || existsSync(join(cache, 'registries', 'escaped.yaml')), false);
        assert.deepEqual(readdirSync(join(cache, 'registries')).flatMap((entry) => readdirSync(join(cache, 'registries', entry))), [], format);

        const links = join(DEPS, 'archives', `links.${format}`);
        const linked = loadRegistry(writeRegistry({ 'registry_manifest.yaml': `name: l\ndependencies:\n  - name: l\n    registry_path: ${links}[model]\n` }), { cacheDir: cache });
        assert.deepEqual(errors(linked), [], format);
        const [entry] = readdirSync(join(cache, 'registries')).filter((name) => existsSync(join(cache, 'registries', name, 'tree')));
        assert.deepEqual(readdirSync(join(cache, 'registries', entry!, 'tree', 'model')).sort(), ['ok.yaml', 'registry_manifest.yaml'], format);
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    }
  });

  test("a group extends a dependency's attribute group and inherits its attributes", () => {
    const dir = writeRegistry({
      'registry_manifest.yaml': 'name: ext\ndependencies:\n  - name: base\n    registry_path: base\n',
      'ext.yaml': 'groups:\n  - id: ext.span\n    type: span\n    span_kind: client\n    brief: Ext.\n    extends: registry.base\n    attributes:\n      - ref: base.mode\n        requirement_level: required\n',
    });
    const loaded = loadRegistry(dir, { cwd: DEPS, cacheDir });
    assert.deepEqual(errors(loaded), []);
    const span = loaded.registry.groups.find((g) => g.id === 'ext.span')!;
    assert.deepEqual(span.attributes.map((a) => `${a.key}:${a.requirementLevel}`), ['base.id:recommended', 'base.mode:required']);
  });

  test('two dependencies that define one attribute differently conflict; two that share it do not', () => {
    const other = writeRegistry({
      'registry_manifest.yaml': 'name: other\n',
      'o.yaml': 'groups:\n  - id: registry.other\n    type: attribute_group\n    brief: Other.\n    attributes:\n      - id: base.id\n        type: int\n        brief: Another id.\n',
    });
    const dir = writeRegistry({ 'registry_manifest.yaml': `name: both\ndependencies:\n  - name: base\n    registry_path: base\n  - name: other\n    registry_path: ${other}\n  - name: middle\n    registry_path: middle\n` });
    const loaded = loadRegistry(dir, { cwd: DEPS, cacheDir });
    // middle brings base.id from base too: the same definition, no conflict.
    assert.deepEqual(errors(loaded).map((f) => `${f.id}@${f.location?.line}: ${f.message}`), [
      'dependency.conflict@5: attribute `base.id` is defined differently by dependencies `base` and `other`; the first one is used',
    ]);
    assert.deepEqual(loaded.registry.attributes.find((a) => a.key === 'base.id')?.type, { kind: 'primitive', name: 'string' });
  });

  test('a relative path resolves against the working directory, and a missing one says so', () => {
    const dir = writeRegistry({ 'registry_manifest.yaml': 'name: lost\ndependencies:\n  - name: base\n    registry_path: base\n' });
    assert.deepEqual(errors(loadRegistry(dir, { cwd: DEPS, cacheDir })), []);
    // An empty directory of its own: a `base` in the shared temporary directory would be found.
    const cwd = mkdtempSync(join(tmpdir(), 'cairn-deps-cwd-'));
    const elsewhere = loadRegistry(dir, { cwd, cacheDir });
    const [finding] = errors(elsewhere);
    assert.equal(finding!.id, 'schema.dependency-not-found');
    assert.match(finding!.message, new RegExp(`resolved to ${join(cwd, 'base')}`));
    assert.match(finding!.hint!, /working directory/);
    assert.equal(elsewhere.unusable, true);
  });

  test('manifest constructs Cairn does not support are refused by name at file:line', () => {
    const loaded = load('unsupported');
    const refused = loaded.findings.filter((f) => f.level === 'error').map((f) => `${f.id} ${f.location?.line}: ${f.message.split(' `')[0]}`);
    assert.deepEqual(refused, [
      'schema.unsupported 2: unsupported:',
      'schema.unsupported 5: unsupported: git repository dependency',
      'schema.invalid-value 7: `registry_path`',
    ]);
    assert.match(loaded.findings[0]!.message, /unsupported: `version` in the registry manifest/);
    assert.equal(loaded.unusable, true);
  });

  test("the upstream model's manifest.yaml (no name, a schema_url) is accepted and names the registry", { skip: SKIP_WITHOUT_MODEL }, () => {
    const findings: Finding[] = [];
    const manifest = parseManifest('manifest.yaml', readFileSync(join(UPSTREAM_MODEL, 'manifest.yaml'), 'utf8'), UPSTREAM_MODEL, findings);
    assert.deepEqual(findings, []);
    assert.equal(manifest?.name, 'opentelemetry.io/schemas');
    assert.match(manifest?.schemaUrl ?? '', /^https:\/\/opentelemetry.io\/schemas\//);
  });

  test('the upstream model checked as a registry in its own right: its manifest is read, not refused', { skip: SKIP_WITHOUT_MODEL }, () => {
    const empty = mkdtempSync(join(tmpdir(), 'cairn-empty-upstream-'));
    try {
      const loaded = loadRegistry(UPSTREAM_MODEL, { upstream: empty, cacheDir });
      assert.deepEqual(loaded.findings.filter((f) => f.location?.file.endsWith('manifest.yaml')), []);
      assert.equal(loaded.registry.manifest.name, 'opentelemetry.io/schemas');
      assert.equal(loaded.unusable, false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('a dependency declared by schema_url alone, and a publication manifest of an unknown format', () => {
    const findings: Finding[] = [];
    const manifest = parseManifest('m.yaml', 'file_format: definition_manifest/3.0\nschema_url: https://x.test/r/1.0.0\ndependencies:\n  - schema_url: https://x.test/dep/1.0.0/resolved_schema.yaml\n  - registry_path: ./a\n', '/tmp', findings);
    assert.deepEqual(manifest?.dependencies?.map((d) => d.registryPath), ['https://x.test/dep/1.0.0/resolved_schema.yaml']);
    assert.deepEqual(findings.map((f) => `${f.id}@${f.location?.line}`), ['schema.unsupported@1', 'schema.missing-key@5']);
    const publication: Finding[] = [];
    parseManifest('m.yaml', 'file_format: manifest/2.0\nschema_url: https://x.test/r/1.0.0\n', '/tmp', publication);
    assert.deepEqual(publication.map((f) => f.message), ['a publication manifest (`file_format: manifest/2.0`) needs `resolved_registry_uri`']);
  });
});
