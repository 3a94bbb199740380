// Tail sampling as the gateway starts it: the sampler over the queue's database, its counts on
// /metrics, the decision runner, and what /api/sampling shows. gateway.ts calls startTailSampling
// once and `reload` on SIGHUP.
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EnqueueEntry } from '../../queue/types.js';
import type { StrategyContent } from '../../strategy/content.js';
import { TraceBufferStore } from './buffer.js';
import { TAIL_DEFAULTS, type TailConfig } from './config.js';
import { TailCounts, type TailDecisionCount } from './counts.js';
import { celTraceCompiler, compileTailRules } from './rules.js';
import { TailRunner } from './runner.js';
import { TailSampler, type TailDestination } from './sampler.js';

export { TailRunner, type TailSampling } from './runner.js';
export { TailSampler } from './sampler.js';
export { parseTailConfig, TAIL_JSON_SCHEMA, type TailConfig } from './config.js';

/** What a destination no longer tail-sampled (or found in the buffer at start-up) is decided with: keep everything, now. */
const FALLBACK: TailConfig = { ...TAIL_DEFAULTS, decisionWaitMs: 0, rules: [] };

function destinationsOf(content: StrategyContent): Map<string, TailDestination> {
  const out = new Map<string, TailDestination>();
  for (const [name, d] of Object.entries(content.strategy?.destinations ?? {})) {
    if (d.tail) out.set(name, { config: d.tail, rules: compileTailRules(d.tail.rules, celTraceCompiler), dryRun: d.sampling?.dry_run === true });
  }
  return out;
}

export interface TailSamplingHandle {
  runner: TailRunner;
  counts: TailCounts;
  /** `decisions` rows (sampler "tail") of a destination for /api/sampling. */
  decisions(destination: string): TailDecisionCount[];
  reload(content: StrategyContent): void;
  stop(): void;
}

export function startTailSampling(options: {
  db: Database.Database;
  content: StrategyContent;
  destinations: readonly string[];
  enqueue: (entries: EnqueueEntry[]) => void;
  notify: (destination: string) => void;
  registry: Registry;
  logger: Logger;
  now?: () => number;
}): TailSamplingHandle {
  let sampler: TailSampler | undefined;
  const counts = new TailCounts(options.registry, () => sampler?.buffered() ?? []);
  sampler = new TailSampler({
    store: new TraceBufferStore(options.db), destinations: destinationsOf(options.content), counts,
    enqueue: options.enqueue, notify: options.notify, ...(options.now ? { now: options.now } : {}),
  });
  const restored = sampler.restore(new Set(options.destinations), FALLBACK);
  if (restored.decisions > 0) options.logger.info({ decisions: restored.decisions }, 'tail sampling: decisions recorded before the restart loaded; late spans of those traces follow them');
  if (restored.traces > 0 || restored.unknown > 0) {
    options.logger.info({ traces: restored.traces, unknown_destination_traces: restored.unknown }, 'tail sampling: undecided traces found in the buffer; they are decided as their wait ends');
  }
  const runner = new TailRunner(sampler, { onError: (error) => options.logger.error({ err: error, code: 'CAIRN_TAIL_DECIDE' }, 'tail sampling: a decision round failed; its traces stay buffered') });
  runner.start();
  return {
    runner,
    counts,
    decisions: (destination) => counts.decisions(destination),
    reload: (content) => sampler.reconfigure(destinationsOf(content), FALLBACK),
    stop: () => runner.stop(),
  };
}
