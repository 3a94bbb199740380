// GET /api/registry?q=&owner=&sensitivity=: the resolved registry (`conventions:`), searched by
// key or brief, owner and sensitivity, with each attribute's docs.
import { typeName, type Attribute } from '@cairn/conventions';
import type { AdminRoutes } from '../../telemetry/admin.js';
import type { ConsoleContext } from './context.js';

const LIMIT = 500;

function entry(a: Attribute) {
  return {
    key: a.key,
    type: typeName(a.type),
    members: a.type.kind === 'enum' ? a.type.members.map((m) => ({ value: m.value, brief: m.brief ?? null })) : null,
    brief: a.brief,
    note: a.note ?? null,
    examples: a.examples ?? null,
    stability: a.stability ?? null,
    deprecated: a.deprecated ?? null,
    requirement_level: a.requirementLevel ?? null,
    owner: a.owner ?? null,
    sensitivity: a.sensitivity ?? null,
    origin: a.origin,
    group: a.group,
    aliases: a.aliases,
    source: a.source ? `${a.source.file}:${a.source.line}` : null,
  };
}

export function registryRoutes(routes: AdminRoutes, ctx: ConsoleContext): void {
  routes.add('GET', '/api/registry', ({ url }) => {
    const registry = ctx.conventions().registry;
    if (!registry) return { status: 200, body: { registry: null, total: 0, matched: 0, owners: [], sensitivities: [], attributes: [] } };
    const q = (url.searchParams.get('q') ?? '').trim().toLowerCase();
    const owner = url.searchParams.get('owner');
    const sensitivity = url.searchParams.get('sensitivity');
    const matched = registry.attributes.filter((a) =>
      (!q || a.key.toLowerCase().includes(q) || a.brief.toLowerCase().includes(q) || a.aliases.some((alias) => alias.toLowerCase().includes(q))) &&
      (!owner || a.owner === owner) &&
      (!sensitivity || a.sensitivity === sensitivity));
    const owners = [...new Set(registry.attributes.map((a) => a.owner).filter((o): o is string => !!o))].sort();
    const sensitivities = [...new Set(registry.attributes.map((a) => a.sensitivity).filter((s): s is NonNullable<typeof s> => !!s))].sort();
    return {
      status: 200,
      body: {
        registry: { name: registry.manifest.name, version: registry.manifest.semconvVersion ?? null },
        total: registry.attributes.length,
        matched: matched.length,
        owners,
        sensitivities,
        // Org attributes first: they are the ones a team owns and asks about.
        attributes: [...matched].sort((a, b) => (a.origin === b.origin ? (a.key < b.key ? -1 : 1) : a.origin === 'org' ? -1 : 1)).slice(0, LIMIT).map(entry),
      },
    };
  });
}
