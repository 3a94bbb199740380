import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolveGroups } from './groups.js';
import type { Attribute } from './model.js';
import type { SourceGroup } from './source/load.js';

// CI shrinks the counts; it never skips the properties.
const RUNS = process.env.CI === 'true' ? 150 : 1000;
const KEYS = ['shop.a', 'shop.b', 'shop.c', 'shop.d', 'shop.e', 'shop.f'];
const LOCATION = { file: 'fuzz.yaml', line: 1, col: 1 };

const catalog = new Map<string, Attribute>(KEYS.map((key) => [key, {
  key, type: { kind: 'primitive', name: 'string' }, typeSource: 'declared', brief: key, origin: 'org', group: 'registry.shop', aliases: [], propagate: false,
}]));

/** Groups `g0`…`gN` with own refs, and `extends`/`ref_group` edges that may form cycles. */
const graph = fc.integer({ min: 1, max: 8 }).chain((n) => fc.array(fc.record({
  own: fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 4 }),
  extends: fc.option(fc.nat(n - 1), { nil: undefined }),
  includes: fc.uniqueArray(fc.nat(n - 1), { maxLength: 2 }),
}), { minLength: n, maxLength: n }));

function toSources(spec: { own: string[]; extends?: number; includes: number[] }[]): SourceGroup[] {
  return spec.map((g, i) => {
    const group: SourceGroup = {
      id: `g${i}`, type: 'attribute_group', brief: 'Fuzz.', format: 2, source: { ...LOCATION, line: i + 1 },
      attributes: g.own.map((ref) => ({ ref, source: LOCATION })),
      includeGroups: g.includes.map((j) => ({ id: `g${j}`, source: LOCATION })),
    };
    if (g.extends !== undefined) group.extends = `g${g.extends}`;
    return group;
  });
}

describe('group resolution properties', () => {
  it('terminates on any extends/ref_group graph, reports every cycle, and inherits every ancestor key otherwise', () => {
    fc.assert(fc.property(graph, (spec) => {
      const sources = toSources(spec);
      const { groups, findings } = resolveGroups(sources, catalog, 'org');
      assert.equal(groups.length, sources.length);
      const parents = (i: number) => [...(spec[i]!.extends !== undefined ? [spec[i]!.extends!] : []), ...spec[i]!.includes];
      // The reference: plain recursion over the graph, undefined where a cycle is reachable.
      const expected = (i: number, seen: number[]): Set<string> | undefined => {
        if (seen.includes(i)) return undefined;
        const keys = new Set(spec[i]!.own);
        for (const p of parents(i)) {
          const inherited = expected(p, [...seen, i]);
          if (!inherited) return undefined;
          for (const key of inherited) keys.add(key);
        }
        return keys;
      };
      let cyclic = false;
      groups.forEach((group, i) => {
        const keys = group.attributes.map((a) => a.key);
        assert.equal(new Set(keys).size, keys.length, `keys of ${group.id} are unique`);
        const want = expected(i, []);
        if (want) assert.deepEqual(new Set(keys), want, group.id);
        else cyclic = true;
      });
      assert.equal(findings.some((f) => f.id === 'extends.cycle'), cyclic);
    }), { numRuns: RUNS });
  });
});
