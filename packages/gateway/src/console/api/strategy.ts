// GET /api/strategy/explain (the attribute × destination matrix of `cairn strategy explain`) and
// POST /api/strategy/try (`cairn strategy test` on one pasted OTLP/JSON request: what each
// destination would receive, attribute by attribute).
import type { Signal } from '@cairn/otlp';
import { loadStrategyContent, type StrategyContent } from '../../strategy/content.js';
import { explainStrategy } from '../../strategy/explain.js';
import { StrategyTrial } from '../../strategy/trial.js';
import type { AdminRoutes } from '../../telemetry/admin.js';
import { readJson, withBody } from './body.js';
import { destinationsOf, type ConsoleContext } from './context.js';

const MAX_BODY = 4 * 1024 * 1024;
const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];
const TOP: Record<Signal, string> = { traces: 'resourceSpans', logs: 'resourceLogs', metrics: 'resourceMetrics' };

export interface AttributeChange {
  /** Where the attributes sit: `resource 0`, `span 0.0.1 "GET /cart"`… */
  where: string;
  key: string;
  before: string | null;
  after: string | null;
}

/** `{ "stringValue": "x" }` → `x`; anything else as its JSON. */
function valueText(value: unknown): string {
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && /Value$/.test(entries[0]![0]) && (typeof entries[0]![1] !== 'object' || entries[0]![1] === null)) return String(entries[0]![1]);
  }
  return JSON.stringify(value);
}

/** Every attribute list of an OTLP/JSON request, by a path that is the same before and after. */
function attributeLists(json: unknown, path: string, out: Map<string, Map<string, string>>): void {
  if (Array.isArray(json)) {
    json.forEach((item, i) => attributeLists(item, `${path}.${i}`, out));
    return;
  }
  if (!json || typeof json !== 'object') return;
  const record = json as Record<string, unknown>;
  if (Array.isArray(record.attributes)) {
    const named = typeof record.name === 'string' ? ` "${record.name}"` : '';
    const map = new Map<string, string>();
    for (const kv of record.attributes as { key?: unknown; value?: unknown }[]) if (typeof kv?.key === 'string') map.set(kv.key, valueText(kv.value));
    out.set(`${path || 'request'}${named}`, map);
  }
  for (const [key, value] of Object.entries(record)) if (key !== 'attributes' && typeof value === 'object') attributeLists(value, path ? `${path}.${key}` : key, out);
}

/** The attributes a destination receives differently from what was sent. */
export function attributeChanges(before: unknown, after: unknown): AttributeChange[] {
  const a = new Map<string, Map<string, string>>();
  const b = new Map<string, Map<string, string>>();
  attributeLists(before, '', a);
  attributeLists(after, '', b);
  const changes: AttributeChange[] = [];
  for (const [where, was] of a) {
    const now = b.get(where) ?? new Map<string, string>();
    for (const [key, value] of was) if (now.get(key) !== value) changes.push({ where, key, before: value, after: now.get(key) ?? null });
    for (const [key, value] of now) if (!was.has(key)) changes.push({ where, key, before: null, after: value });
  }
  return changes;
}

export function strategyRoutes(routes: AdminRoutes, ctx: ConsoleContext): void {
  // Built on first use and again after a reload (a new `conventions` object): loading the keys
  // and the registry is too slow for every request.
  let cached: { for: object; content: StrategyContent; trial: StrategyTrial } | undefined;
  const content = () => {
    const conventions = ctx.conventions();
    if (cached?.for !== conventions) {
      const loaded = loadStrategyContent(ctx.config);
      cached = { for: conventions, content: loaded, trial: new StrategyTrial(ctx.config, loaded) };
    }
    return cached;
  };

  routes.add('GET', '/api/strategy/explain', () => {
    const { content: c } = content();
    return { status: 200, body: explainStrategy(c.strategy, destinationsOf(ctx.config), ctx.conventions().registry ?? c.registry) };
  });

  routes.add('POST', '/api/strategy/try', ({ req }) => withBody(async () => {
    const body = await readJson(req, MAX_BODY);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, body: { error: 'CAIRN_CONSOLE_TRY: the body must be { "signal": "traces", "otlp": <an OTLP/JSON export request> }' } };
    const { signal: rawSignal, otlp } = body as { signal?: unknown; otlp?: unknown };
    const signal = (rawSignal ?? detectSignal(otlp)) as Signal;
    if (!SIGNALS.includes(signal)) return { status: 400, body: { error: `CAIRN_CONSOLE_TRY: signal must be one of ${SIGNALS.join(', ')}` } };
    if (typeof otlp !== 'object' || otlp === null || Array.isArray(otlp)) return { status: 400, body: { error: 'CAIRN_CONSOLE_TRY: otlp must be an OTLP/JSON export request object' } };
    const result = content().trial.run(signal, Buffer.from(JSON.stringify(otlp)), 'json');
    if (!result.ok) return { status: 422, body: { error: `CAIRN_CONSOLE_TRY: ${result.message}` } };
    const before = JSON.parse(result.before) as unknown;
    return {
      status: 200,
      body: {
        signal,
        before,
        unrouted_items: result.unroutedItems,
        ledger: result.ledger ?? null,
        outputs: result.outputs.map((o) => {
          const after = JSON.parse(o.json) as unknown;
          return { destination: o.destination, items: o.items, after, changes: attributeChanges(before, after) };
        }),
      },
    };
  }));
}

function detectSignal(otlp: unknown): Signal | undefined {
  if (!otlp || typeof otlp !== 'object') return undefined;
  return SIGNALS.find((s) => TOP[s] in otlp);
}
