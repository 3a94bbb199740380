import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { Finding } from '../findings.js';
import { parseManifest } from '../source/manifest.js';
import { compilePattern } from './imports.js';
import { readResolvedSchema } from './resolved.js';
import { formatRegistryPath, parseRegistryPath } from './registry-path.js';

// CI shrinks the counts; it never skips the properties.
const RUNS = process.env.CI === 'true' ? 150 : 1000;

const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
const folder = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
/** Strings rich in the characters the syntax gives meaning to. */
const tricky = fc.string({ unit: fc.constantFrom('a', '/', '.', '[', ']', '@', ':', 'h', 't', 'p', 's', 'z', 'i', 'g', '\\', ' ', '.tar.gz', '.zip', 'http://', '..'), maxLength: 40 });

describe('parseRegistryPath (property)', () => {
  it('never throws; what it accepts stays inside the archive and prints back to what was written', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 60 }), tricky), (text) => {
      const parsed = parseRegistryPath(text);
      if (!parsed.ok) {
        assert.ok(parsed.reason.length > 0);
        return;
      }
      const path = parsed.path;
      if ('subFolder' in path && path.subFolder !== undefined) {
        assert.ok(!path.subFolder.startsWith('/'));
        assert.ok(!path.subFolder.split('/').includes('..'));
      }
      if (path.kind === 'local') assert.equal(formatRegistryPath(path), text);
    }), { numRuns: RUNS });
  });

  it('reads every archive spelling Weaver writes: local or remote, .zip or .tar.gz, with or without [sub/folder]', () => {
    fc.assert(fc.property(
      fc.boolean(), fc.constantFrom('zip', 'tar.gz'), folder, fc.option(folder, { nil: undefined }),
      (remote, format, base, sub) => {
        const source = `${remote ? 'https://example.test/' : './'}${base}.${format}`;
        const parsed = parseRegistryPath(sub === undefined ? source : `${source}[${sub}]`);
        assert.ok(parsed.ok);
        assert.equal(parsed.path.kind, remote ? 'remote-archive' : 'local-archive');
        assert.ok(parsed.path.kind === 'remote-archive' || parsed.path.kind === 'local-archive');
        assert.equal(parsed.path.format, format);
        assert.equal(parsed.path.subFolder, sub);
        assert.equal(formatRegistryPath(parsed.path), sub === undefined ? source : `${source}[${sub}]`);
      },
    ), { numRuns: RUNS });
  });
});

describe('manifest dependencies (property)', () => {
  it('any dependency list becomes dependencies or findings at the manifest, never an exception', () => {
    const value = fc.oneof(fc.string({ maxLength: 30 }), tricky, fc.integer(), fc.constant(null), fc.constant([1]));
    const dependency = fc.oneof(
      fc.record({ name: value, registry_path: value, schema_url: value }, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 3 }),
      value,
    );
    fc.assert(fc.property(fc.oneof(fc.array(dependency, { maxLength: 4 }), value), (dependencies) => {
      const findings: Finding[] = [];
      const text = stringify({ name: 'r', dependencies });
      const manifest = parseManifest('manifest.yaml', text, '/tmp', findings);
      for (const finding of findings) assert.equal(finding.location?.file, 'manifest.yaml');
      for (const spec of manifest?.dependencies ?? []) {
        const parsed = parseRegistryPath(spec.registryPath);
        assert.ok(parsed.ok && parsed.path.kind !== 'git', spec.registryPath);
      }
    }), { numRuns: RUNS });
  });
});

describe('import patterns (property)', () => {
  it('a pattern without `*` matches only itself; `prefix.*` matches every name under the prefix', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }).filter((s) => !s.includes('*')), fc.string({ maxLength: 20 }), (name, other) => {
      assert.ok(compilePattern(name).test(name));
      assert.equal(compilePattern(name).test(other), other === name);
      assert.ok(compilePattern(`${name}.*`).test(`${name}.${other}`));
    }), { numRuns: RUNS });
  });
});

describe('readResolvedSchema (property)', () => {
  it('any text, or any resolved-schema-like document, becomes groups or findings in that file, never an exception', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -3, max: 5 }), fc.boolean(), fc.constant(null));
    const attribute = fc.record({ name: scalar, type: fc.oneof(scalar, fc.record({ members: fc.array(fc.record({ id: scalar, value: scalar }), { maxLength: 3 }) })), brief: scalar, stability: scalar, deprecated: fc.oneof(scalar, fc.record({ reason: scalar, renamed_to: scalar })), requirement_level: fc.oneof(scalar, fc.record({ conditionally_required: scalar })) }, { requiredKeys: [] });
    const group = fc.record({ id: scalar, type: scalar, metric_name: scalar, attributes: fc.array(fc.oneof(fc.integer({ min: -1, max: 4 }), attribute, scalar), { maxLength: 4 }) }, { requiredKeys: [] });
    const doc = fc.record({ file_format: fc.oneof(scalar, fc.constant('1.0.0')), catalog: fc.oneof(scalar, fc.record({ attributes: fc.array(attribute, { maxLength: 4 }) })), registry: fc.oneof(scalar, fc.record({ groups: fc.oneof(scalar, fc.array(group, { maxLength: 4 })) })), groups: fc.array(group, { maxLength: 2 }) }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), doc.map((d) => stringify(d))), (text) => {
      const result = readResolvedSchema('resolved.yaml', text);
      for (const finding of result.findings) assert.equal(finding.location?.file, 'resolved.yaml');
      for (const g of result.groups) for (const ref of g.attributes) assert.equal(typeof ref.key, 'string');
      for (const a of result.attributes) assert.equal(a.origin, 'upstream');
    }), { numRuns: RUNS });
  });
});
