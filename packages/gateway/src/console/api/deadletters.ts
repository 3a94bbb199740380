// POST /api/deadletters/replay and /api/deadletters/purge: `cairn deadletters replay|purge` for
// the console. Admin only (the access check refuses teams; this checks again), and logged with
// who asked. They act on the queue file through its own connection, as the CLI does; the
// gateway's once-a-second queue maintenance picks the change up and wakes the dispatchers.
import { join } from 'node:path';
import { DeadLetterFile, DeadLetterFileError, type DeadLetterSelection } from '../../queue/dead-letter-file.js';
import type { AdminRoutes } from '../../telemetry/admin.js';
import { readJson, withBody } from './body.js';
import type { ConsoleContext } from './context.js';

const MAX_BODY = 64 * 1024;

type Parsed = { selection: DeadLetterSelection } | { error: string };

/** `{ "ids": [1, 2] }`, `{ "destination": "d" }`, or `{}` for all; nothing else is accepted. */
export function parseSelection(body: unknown, destinations: ReadonlySet<string>): Parsed {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'the body must be a JSON object: { "ids": [..] } and/or { "destination": ".." }' };
  const extra = Object.keys(body).filter((k) => k !== 'ids' && k !== 'destination');
  if (extra.length > 0) return { error: `unknown field ${extra.join(', ')}; expected ids, destination` };
  const { ids, destination } = body as { ids?: unknown; destination?: unknown };
  const selection: DeadLetterSelection = {};
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length > 10_000 || !ids.every((id) => Number.isSafeInteger(id) && (id as number) > 0)) return { error: 'ids must be an array of at most 10000 positive integers' };
    selection.ids = ids as number[];
  }
  if (destination !== undefined) {
    if (typeof destination !== 'string' || !destinations.has(destination)) return { error: `destination must be one of ${[...destinations].join(', ')}` };
    selection.destination = destination;
  }
  return { selection };
}

export function deadLetterRoutes(routes: AdminRoutes, ctx: ConsoleContext): void {
  const durable = new Set(ctx.config.destinations.filter((d) => d.queue.mode === 'sqlite').map((d) => d.name));
  const all = new Set(ctx.config.destinations.map((d) => d.name));
  for (const action of ['replay', 'purge'] as const) {
    routes.add('POST', `/api/deadletters/${action}`, ({ req, access }) => withBody(async () => {
      if (!access.admin) return { status: 403, body: { error: `CAIRN_CONSOLE_ADMIN: ${action} needs the admin token` } };
      const parsed = parseSelection(await readJson(req, MAX_BODY), all);
      if ('error' in parsed) return { status: 400, body: { error: `CAIRN_CONSOLE_DEAD_LETTERS: ${parsed.error}` } };
      const { selection } = parsed;
      if (selection.destination !== undefined && !durable.has(selection.destination)) {
        return { status: 409, body: { error: `CAIRN_CONSOLE_DEAD_LETTERS: destination ${selection.destination} queues in memory; its dead letters live only in this process and cannot be ${action}ed` } };
      }
      let file: DeadLetterFile;
      try {
        file = DeadLetterFile.open(join(ctx.config.storage.directory, 'queue.db'));
      } catch (error) {
        if (!(error instanceof DeadLetterFileError)) throw error;
        return { status: 409, body: { error: `${error.code}: ${error.message}` } };
      }
      let count: number;
      let items = 0;
      try {
        if (action === 'replay') {
          const moved = file.replay(selection);
          count = moved.length;
          items = moved.reduce((n, d) => n + d.items, 0);
        } else {
          count = file.purge(selection);
        }
      } finally {
        file.close();
      }
      const identity = ctx.access.identify(req);
      const who = 'who' in identity ? identity.who : 'unknown';
      ctx.logger.warn({ code: 'CAIRN_CONSOLE_ACTION', action, who, via: 'via' in identity ? identity.via : undefined, ids: selection.ids, destination: selection.destination, count }, `console: ${who} ${action === 'replay' ? 'replayed' : 'purged'} ${count} dead letters`);
      return { status: 200, body: { action, count, ...(action === 'replay' ? { items } : {}) } };
    }));
  }
}
