import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { SENSITIVITIES, type Sensitivity } from '../model.js';
import { parseRegistryFile, type SourceGroup } from './load.js';
import { parseManifest } from './manifest.js';
import type { Finding } from '../findings.js';

// CI shrinks the counts; it never skips the properties.
const RUNS = process.env.CI === 'true' ? 150 : 1000;

/** The loader's contract on any input: findings with positions inside the file, never an exception. */
function assertLoadsSafely(text: string): void {
  const groups: SourceGroup[] = [];
  const src = parseRegistryFile('fuzz.yaml', text, groups);
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const finding of src.findings) {
    assert.equal(finding.location?.file, 'fuzz.yaml');
    assert.ok(finding.location!.line >= 1 && finding.location!.line <= lines + 1, `line ${finding.location!.line} of ${lines}`);
    assert.ok(finding.message.length > 0);
  }
}

const part = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,4})?$/);
const key = fc.tuple(fc.constantFrom('shop', 'acme'), fc.array(part, { minLength: 1, maxLength: 3 })).map(([ns, parts]) => [ns, ...parts].join('.'));
const primitive = fc.constantFrom('string', 'int', 'double', 'boolean', 'string[]', 'int[]', 'template[string]', 'any');

interface GeneratedAttribute {
  id: string;
  type: string | { members: { id: string; value: string; stability: string }[] };
  brief: string;
  stability: string;
  annotations: { cairn: { owner: string; sensitivity: Sensitivity; aliases: string[]; propagate: boolean } };
}

const attribute: fc.Arbitrary<GeneratedAttribute> = fc.record({
  id: key,
  type: fc.oneof(
    primitive,
    fc.uniqueArray(part, { minLength: 1, maxLength: 4 }).map((ids) => ({ members: ids.map((id) => ({ id, value: id.toUpperCase(), stability: 'development' })) })),
  ),
  brief: fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.trim() || 'x'),
  stability: fc.constantFrom('stable', 'development'),
  annotations: fc.record({
    cairn: fc.record({
      owner: part.map((p) => `team-${p}`),
      sensitivity: fc.constantFrom(...SENSITIVITIES),
      aliases: fc.array(fc.stringMatching(/^[a-z][A-Za-z0-9]{0,10}$/), { maxLength: 3 }),
      propagate: fc.boolean(),
    }),
  }),
});

const registry = fc.uniqueArray(attribute, { selector: (a) => a.id, minLength: 1, maxLength: 8 }).map((attributes) => ({
  groups: [{ id: 'registry.shop', type: 'attribute_group', brief: 'Generated.', attributes }],
}));

describe('registry loader properties', () => {
  it('reads back every field of any valid registry, with no findings', () => {
    fc.assert(
      fc.property(registry, (doc) => {
        const groups: SourceGroup[] = [];
        const src = parseRegistryFile('gen.yaml', stringify(doc), groups);
        assert.deepEqual(src.findings, []);
        const read = groups[0]!.attributes;
        assert.equal(read.length, doc.groups[0]!.attributes.length);
        doc.groups[0]!.attributes.forEach((expected, i) => {
          const got = read[i]!;
          assert.equal(got.id, expected.id);
          assert.equal(got.brief, expected.brief.trim());
          assert.equal(got.cairn?.sensitivity, expected.annotations.cairn.sensitivity);
          assert.deepEqual(got.cairn?.aliases, expected.annotations.cairn.aliases);
          assert.equal(got.cairn?.propagate, expected.annotations.cairn.propagate);
          if (typeof expected.type === 'object') {
            assert.equal(got.type?.kind, 'enum');
            assert.deepEqual(got.type?.kind === 'enum' && got.type.members.map((m) => m.value), expected.type.members.map((m) => m.value));
          } else {
            assert.ok(got.type, `type ${expected.type}`);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), assertLoadsSafely), { numRuns: RUNS });
  });

  it('never throws on arbitrary YAML data', () => {
    const data = fc.jsonValue({ maxDepth: 5 });
    const shaped = fc.record({ groups: fc.array(fc.dictionary(fc.constantFrom('id', 'type', 'brief', 'attributes', 'extends', 'deprecated', 'prefix', 'constraints', 'metric_name', 'body'), data), { maxLength: 3 }) });
    // definition/2: each section's items with Weaver's keys and anything as their values.
    const item = fc.dictionary(fc.constantFrom('id', 'name', 'type', 'ref', 'kind', 'brief', 'attributes', 'identity', 'description', 'instrument', 'unit', 'visibility'), fc.oneof(data, fc.array(fc.record({ ref_group: data }), { maxLength: 2 })));
    const v2 = fc.record({
      file_format: fc.constantFrom('definition/2', 'definition/3'),
      attributes: fc.array(fc.dictionary(fc.constantFrom('key', 'type', 'brief', 'stability'), data), { maxLength: 2 }),
      ...Object.fromEntries(['attribute_groups', 'metrics', 'spans', 'events', 'entities', 'metric_refinements', 'span_refinements', 'entity_refinements'].map((section) => [section, fc.array(item, { maxLength: 2 })])),
    }, { requiredKeys: ['file_format'] });
    fc.assert(fc.property(fc.oneof(data, shaped, v2), (value) => assertLoadsSafely(stringify(value))), { numRuns: RUNS });
  });

  it('never throws on a valid registry with bytes changed, cut or inserted', () => {
    const mutated = fc.tuple(registry, fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 6 }))
      .map(([doc, edits]) => {
        let text = stringify(doc);
        for (const [at, cut, insert] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + cut);
        }
        return text;
      });
    fc.assert(fc.property(mutated, assertLoadsSafely), { numRuns: RUNS });
  });

  it('never loops or explodes on recursive and repeated YAML aliases', () => {
    for (const text of [
      'groups: &g\n  - id: x\n    type: attribute_group\n    brief: b\n    attributes: *g\n',
      'groups:\n  - &a\n    id: a\n    type: attribute_group\n    brief: b\n  - *a\n  - *a\n',
      'a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\ngroups: [*c, *c]\n',
    ]) {
      assertLoadsSafely(text);
    }
  });

  it('reads any manifest text into a manifest or findings, never an exception', () => {
    const manifestLike = fc.record({
      name: fc.oneof(fc.string(), fc.integer()),
      cairn: fc.record({
        namespaces: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.string()),
        upstream: fc.oneof(fc.constant('builtin'), fc.record({ path: fc.string() }), fc.jsonValue({ maxDepth: 2 })),
        policies: fc.oneof(fc.dictionary(fc.string(), fc.constantFrom('error', 'warning', 'info', 'off', 'loud')), fc.jsonValue({ maxDepth: 2 })),
      }, { requiredKeys: [] }),
    }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), manifestLike.map((m) => stringify(m))), (text) => {
        const findings: Finding[] = [];
        const manifest = parseManifest('registry_manifest.yaml', text, '/tmp', findings);
        for (const finding of findings) assert.equal(finding.location?.file, 'registry_manifest.yaml');
        if (manifest) {
          assert.ok(Array.isArray(manifest.namespaces));
          for (const level of Object.values(manifest.policies)) assert.ok(['error', 'warning', 'info', 'off'].includes(level));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
