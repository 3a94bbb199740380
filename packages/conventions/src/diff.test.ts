import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { diffRegistries, formatDiffMarkdown, type DiffChange, type DiffReport } from './diff.js';
import { toWeaverSchemaChanges } from './diff-weaver.js';
import { loadRegistry } from './registry.js';

const fixtures = fileURLToPath(new URL('../testdata/diff/', import.meta.url));

/** Diffs `testdata/diff/<pair>/old` against `.../new`; locations are shown relative to the pair. */
function diffPair(pair: string, options: { newUpstream?: string } = {}): DiffReport {
  const root = join(fixtures, pair);
  const load = (side: 'old' | 'new', upstream?: string) => {
    const loaded = loadRegistry(join(root, side), { displayRoot: root, ...(upstream ? { upstream } : {}) });
    assert.deepEqual(loaded.findings, [], `${pair}/${side} should load cleanly`);
    return loaded.registry;
  };
  return diffRegistries(load('old'), load('new', options.newUpstream && join(root, options.newUpstream)));
}

/** The parts of a change a script would act on; messages are checked separately. */
function brief(change: DiffChange): Partial<DiffChange> {
  const { message: _message, location: _location, category: _category, note: _note, ...rest } = change;
  return rest;
}

/** A signal change as `id category signal [attribute] [old→new]`, one line each. */
function line(change: DiffChange): string {
  const parts = [change.id, change.level, change.category, change.signal?.name ?? change.attribute];
  if (change.signal && change.attribute) parts.push(change.attribute);
  if (change.old !== undefined || change.new !== undefined) parts.push(`${change.old ?? ''}→${change.new ?? ''}`);
  return parts.join(' ');
}

describe('cairn diff', () => {
  test('an unchanged registry has no changes and nothing breaking', () => {
    const report = diffPair('unchanged');
    assert.deepEqual(report.changes, []);
    assert.equal(report.breaking, 0);
    assert.match(formatDiffMarkdown(report), /No changes to org attributes, metrics, events, spans or entities/);
  });

  test('removing an attribute is breaking, even after deprecating it or aliasing it', () => {
    const report = diffPair('attribute-removed');
    assert.deepEqual(report.changes.map(brief), [
      { id: 'diff.attribute-removed', level: 'error', attribute: 'acme.order.note', old: 'string' },
      { id: 'diff.attribute-removed', level: 'error', attribute: 'acme.order_ref', old: 'string' },
    ]);
    assert.equal(report.breaking, 2);
    const [note, ref] = report.changes;
    // A removal has no place in NEW: it points at OLD's definition.
    assert.deepEqual(note!.location, { file: join('old', 'acme.yaml'), line: 10, col: 9 });
    assert.doesNotMatch(note!.message, /already deprecated/);
    assert.match(ref!.message, /already deprecated/);
    assert.match(ref!.message, /alias of `acme\.order\.ref`/);
  });

  test('a stable attribute changing type is breaking; an unstable one is only reported', () => {
    const report = diffPair('type-changed');
    assert.deepEqual(report.changes.map(brief), [
      { id: 'diff.type-changed', level: 'error', attribute: 'acme.order.id', old: 'string', new: 'int' },
      { id: 'diff.type-changed', level: 'info', attribute: 'acme.order.weight', old: 'int', new: 'double' },
    ]);
    assert.equal(report.breaking, 1);
    assert.deepEqual(report.changes[0]!.location, { file: join('new', 'acme.yaml'), line: 6, col: 9 });
  });

  test('a stable attribute made unstable is breaking; promoting one to stable is not reported', () => {
    const report = diffPair('stability-downgraded');
    assert.deepEqual(report.changes.map(brief), [
      { id: 'diff.stability-downgraded', level: 'error', attribute: 'acme.order.id', old: 'stable', new: 'development' },
    ]);
    assert.equal(report.breaking, 1);
  });

  test('removing an enum member or changing a stable enum value is breaking; adding a member is not', () => {
    const report = diffPair('enum-members');
    assert.deepEqual(report.changes.map(brief), [
      { id: 'diff.enum-member-removed', level: 'error', attribute: 'acme.order.status', member: 'lost', old: 'lost' },
      { id: 'diff.enum-member-removed', level: 'error', attribute: 'acme.order.status', member: 'sent', old: 'sent' },
      { id: 'diff.enum-member-stability-downgraded', level: 'error', attribute: 'acme.order.status', member: 'returned', old: 'stable', new: 'development' },
      { id: 'diff.enum-value-changed', level: 'error', attribute: 'acme.order.status', member: 'shipped', old: 'shipped', new: 'dispatched' },
      { id: 'diff.enum-value-changed', level: 'info', attribute: 'acme.order.priority', member: 'high', old: '2', new: '3' },
      { id: 'diff.enum-member-added', level: 'info', attribute: 'acme.order.status', member: 'cancelled', new: 'cancelled' },
    ]);
    assert.equal(report.breaking, 4);
    assert.match(report.changes[1]!.message, /already deprecated/);
  });

  test('added and newly deprecated attributes are informational', () => {
    const report = diffPair('added-and-deprecated');
    assert.deepEqual(report.changes.map(brief), [
      { id: 'diff.attribute-added', level: 'info', attribute: 'acme.order.id', new: 'string' },
      { id: 'diff.attribute-deprecated', level: 'info', attribute: 'acme.order.legacy_flag' },
      { id: 'diff.attribute-deprecated', level: 'info', attribute: 'acme.order_id', new: 'acme.order.id' },
    ]);
    assert.equal(report.breaking, 0);
    assert.match(report.changes[2]!.message, /renamed to `acme\.order\.id`/);
  });

  test('an org attribute that upstream now defines is not removed', () => {
    const report = diffPair('moved-upstream', { newUpstream: 'upstream' });
    assert.deepEqual(report.changes.map(brief), [
      { id: 'diff.attribute-moved-upstream', level: 'info', attribute: 'shop.cart.id' },
    ]);
    assert.equal(report.breaking, 0);
  });

  test('an upstream attribute that the org now defines itself is not added', () => {
    const root = join(fixtures, 'moved-upstream');
    const before = loadRegistry(join(root, 'new'), { displayRoot: root, upstream: join(root, 'upstream') }).registry;
    const after = loadRegistry(join(root, 'old'), { displayRoot: root }).registry;
    assert.equal(after.attributes.find((a) => a.key === 'shop.cart.id')?.origin, 'org');
    assert.deepEqual(diffRegistries(before, after).changes, []);
  });

  test('the Markdown report lists breaking changes before the rest, with where NEW defines them', () => {
    const markdown = formatDiffMarkdown(diffPair('type-changed'));
    assert.match(markdown, /1 breaking, 1 informational/);
    const breaking = markdown.indexOf('## Breaking changes');
    const other = markdown.indexOf('## Other changes');
    assert.ok(breaking !== -1 && other > breaking, markdown);
    assert.ok(markdown.indexOf('acme.order.id') < other && markdown.indexOf('acme.order.weight') > other, markdown);
    assert.match(markdown, new RegExp(`\\(${join('new', 'acme.yaml').replace(/[.\\/]/g, '\\$&')}:6\\)`));
  });

  test('the JSON report round-trips unchanged', () => {
    const report = diffPair('enum-members');
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  });

  test('attribute changes carry Weaver\'s schema-change categories', () => {
    assert.deepEqual(diffPair('added-and-deprecated').changes.map((c) => c.category), ['added', 'obsoleted', 'renamed']);
    assert.deepEqual(diffPair('attribute-removed').changes.map((c) => c.category), ['removed', 'removed']);
    assert.deepEqual(diffPair('type-changed').changes.map((c) => c.category), ['updated', 'updated']);
  });
});

describe('cairn diff: metrics, events, spans and entities', () => {
  test('added signals are informational', () => {
    const report = diffPair('signal-added');
    assert.deepEqual(report.changes.map(line), [
      'diff.entity-added info added acme.worker',
      'diff.event-added info added acme.job.started',
      'diff.metric-added info added acme.job.runs',
      'diff.span-added info added span.acme.job.run',
    ]);
    assert.equal(report.breaking, 0);
  });

  test('removing a metric, event or entity is breaking; a span removal is reported, as Weaver does not enforce it yet', () => {
    const report = diffPair('signal-removed');
    assert.deepEqual(report.changes.map(line), [
      'diff.entity-removed error removed acme.worker',
      'diff.event-removed error removed acme.job.started',
      'diff.metric-removed error removed acme.job.runs',
      'diff.span-removed info removed span.acme.job.run',
    ]);
    assert.equal(report.breaking, 3);
    // A removal points at OLD's definition.
    assert.equal(report.changes[2]!.location?.file, join('old', 'acme.yaml'));
  });

  for (const [pair, category, extra] of [['signal-renamed', 'renamed', ' →acme.job.next'], ['signal-obsoleted', 'obsoleted', ''], ['signal-uncategorized', 'uncategorized', '']] as const) {
    test(`a signal deprecated as ${category} is reported as ${category}`, () => {
      const report = diffPair(pair);
      assert.deepEqual(report.changes.map(line), [
        `diff.entity-${category} info ${category} acme.worker${extra}`,
        `diff.event-${category} info ${category} acme.job.started${extra}`,
        `diff.metric-${category} info ${category} acme.job.runs${extra}`,
        `diff.span-${category} info ${category} span.acme.job.run${extra}`,
      ]);
      assert.equal(report.breaking, 0);
    });
  }

  test('a stable signal keeps its stability; a stable metric its unit, instrument and attributes; a stable event its stable attributes', () => {
    const report = diffPair('stable-signal-changed');
    assert.deepEqual(report.changes.map(line), [
      'diff.entity-stability-downgraded error updated acme.pool stable→development',
      'diff.event-attribute-dropped error updated acme.job.failed acme.job.kind',
      'diff.metric-instrument-changed error updated acme.job.duration histogram→gauge',
      'diff.metric-stability-downgraded error updated acme.job.duration stable→development',
      'diff.metric-unit-changed error updated acme.job.duration s→ms',
      'diff.metric-attribute-added error updated acme.job.duration acme.job.kind',
      'diff.metric-attribute-dropped error updated acme.job.duration acme.job.queue',
    ]);
    assert.equal(report.breaking, 7);
  });

  test("an entity's identity changes: an identifying attribute demoted, promoted, removed or added", () => {
    assert.deepEqual(diffPair('entity-identity').changes.map(line), [
      'diff.entity-identity-removed error updated acme.worker acme.job.host identifying→',
      'diff.entity-identity-promoted error updated acme.worker acme.job.kind descriptive→identifying',
      'diff.entity-identity-demoted error updated acme.worker acme.job.queue identifying→descriptive',
    ]);
    // An attribute without a role describes the entity; giving it `role: identifying` promotes it.
    assert.deepEqual(diffPair('entity-identity-added').changes.map(line), [
      'diff.entity-identity-added error updated acme.node acme.job.host →identifying',
      'diff.entity-identity-promoted error updated acme.node acme.job.kind descriptive→identifying',
    ]);
  });

  test("Weaver's schema-changes report: top-level items per kind, with Weaver's default notes", () => {
    const root = join(fixtures, 'signal-renamed');
    const [old, next] = (['old', 'new'] as const).map((side) => loadRegistry(join(root, side), { displayRoot: root }).registry);
    const weaver = toWeaverSchemaChanges(diffRegistries(old!, next!), old!, next!);
    assert.deepEqual(weaver.changes, {
      resources: [{ name: 'acme.worker', type: 'renamed', new_name: 'acme.job.next', note: 'Replaced by `acme.job.next`.' }],
      events: [{ name: 'acme.job.started', type: 'renamed', new_name: 'acme.job.next', note: 'Replaced by `acme.job.next`.' }],
      metrics: [{ name: 'acme.job.runs', type: 'renamed', new_name: 'acme.job.next', note: 'Replaced by `acme.job.next`.' }],
      spans: [{ name: 'span.acme.job.run', type: 'renamed', new_name: 'acme.job.next', note: 'Replaced by `acme.job.next`.' }],
    });
    const attributes = toWeaverSchemaChanges(diffPair('added-and-deprecated'), old!, next!).changes.registry_attributes;
    assert.deepEqual(attributes?.map((c) => `${c.name} ${c.type}`), ['acme.order.id added', 'acme.order.legacy_flag obsoleted', 'acme.order_id renamed']);
    const uncategorized = diffPair('signal-uncategorized').changes.find((c) => c.id === 'diff.metric-uncategorized');
    assert.equal(uncategorized?.note, 'Split in two.');
    // Field-level changes are Cairn's own: Weaver's report has no entry for them.
    assert.deepEqual(toWeaverSchemaChanges(diffPair('stable-signal-changed'), old!, next!).changes, {});
  });

  test('v2 entities: swapping identity and description is an identity change', () => {
    const report = diffPair('entity-identity-v2');
    assert.deepEqual(report.changes.map(line), [
      'diff.entity-identity-demoted error updated acme.service acme.svc.name identifying→descriptive',
      'diff.entity-identity-promoted error updated acme.service acme.svc.zone descriptive→identifying',
    ]);
    assert.equal(report.changes[0]!.signal?.group, 'entity.acme.service');
  });

  test('the Markdown report names signal changes with where NEW defines them', () => {
    const markdown = formatDiffMarkdown(diffPair('entity-identity'));
    assert.match(markdown, /3 breaking, 0 informational/);
    assert.match(markdown, /\*\*diff\.entity-identity-demoted\*\* entity `acme\.worker`: `acme\.job\.queue` was identifying and is now descriptive/);
  });
});
