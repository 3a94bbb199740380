import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { GroupAttributeRef } from './model.js';
import { loadRegistry } from './registry.js';

/**
 * One registry per Weaver construct under testdata/resolve/<construct>/registry, resolved on an
 * empty upstream, against the hand-written expected.yaml beside it: the groups named there
 * with exactly the attribute keys listed, each listed field equal (null: absent), and exactly
 * the findings listed (`id@file:line`).
 */
const FIXTURES = fileURLToPath(new URL('../testdata/resolve', import.meta.url));

interface Expected {
  attributes?: string[];
  groups?: Record<string, Record<string, unknown> & { attributes?: Record<string, Record<string, unknown>> }>;
  findings: string[];
  message?: string;
  unusable?: boolean;
}

describe('resolution fixtures (testdata/resolve)', () => {
  const empty = mkdtempSync(join(tmpdir(), 'cairn-empty-upstream-'));
  after(() => rmSync(empty, { recursive: true, force: true }));

  for (const construct of readdirSync(FIXTURES).sort()) {
    it(construct, () => {
      const dir = join(FIXTURES, construct, 'registry');
      const expected = parse(readFileSync(join(FIXTURES, construct, 'expected.yaml'), 'utf8')) as Expected;
      const loaded = loadRegistry(dir, { upstream: empty, displayRoot: dir });
      const findings = loaded.findings.map((f) => `${f.id}@${f.location?.file}:${f.location?.line}`);
      assert.deepEqual(findings.sort(), [...expected.findings].sort(), JSON.stringify(loaded.findings, null, 2));
      assert.equal(loaded.unusable, expected.unusable ?? false);
      if (expected.message) assert.ok(loaded.findings.some((f) => f.message.includes(expected.message!)), `no finding says ${expected.message}`);
      if (expected.attributes) assert.deepEqual(loaded.registry.attributes.map((a) => a.key), expected.attributes);
      for (const [id, want] of Object.entries(expected.groups ?? {})) {
        const group = loaded.registry.groups.find((g) => g.id === id);
        assert.ok(group, `group ${id} is resolved`);
        const { attributes = {}, ...fields } = want;
        for (const [field, value] of Object.entries(fields)) assert.deepEqual((group as unknown as Record<string, unknown>)[field], value ?? undefined, `${id}.${field}`);
        assert.deepEqual(group.attributes.map((a) => a.key).sort(), Object.keys(attributes).sort(), `attributes of ${id}`);
        for (const [key, wantRef] of Object.entries(attributes)) {
          const ref = group.attributes.find((a) => a.key === key)! as unknown as Record<keyof GroupAttributeRef, unknown>;
          for (const [field, value] of Object.entries(wantRef ?? {})) {
            assert.deepEqual(ref[field as keyof GroupAttributeRef], value ?? undefined, `${id} › ${key}.${field}`);
          }
        }
      }
    });
  }
});
