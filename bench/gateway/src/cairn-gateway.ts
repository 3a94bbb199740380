// Cairn's gateway as the benchmark runs it: `node cairn-gateway.js BACKEND_URL STORAGE WORKERS [strategy|slo]`
// prints {"http": port}. Traces go to one otlphttp destination with a durable SQLite queue.
// `strategy` applies the default data strategy (normalize, `unknown: scan`, `pii: hash`) through
// the config, as `cairn up` would: every processing thread compiles it.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';
import { Gateway, loadSloFiles, tuneHeap } from '@cairn/gateway';
import { fileURLToPath } from 'node:url';
import { cairnConfig, defaultStrategyYaml } from './cairn-config.js';

const [backend, storage, workers, mode] = process.argv.slice(2);
process.env.CAIRN_BENCH_HMAC_KEY ??= 'bench-hmac-key-0123456789abcdef';
const conventions = fileURLToPath(new URL('../../../examples/conventions', import.meta.url));
const config = cairnConfig(backend!, storage!, mode === 'strategy' ? defaultStrategyYaml(conventions) : '');
// `slo`: the SLO file BENCH_SLOS names (bench/gateway/src/slo.ts writes 20 SLOs there).
if (mode === 'slo') config.slos = loadSloFiles([process.env.BENCH_SLOS!]);
// As `cairn up` does (packages/gateway/src/heap.ts): CAIRN_HEAP_GROWING_PERCENT=0 leaves V8's own.
tuneHeap();
const gateway = await Gateway.start(config, { workers: Number(workers), logger: pino({ level: 'error' }) });
process.stdout.write(`${JSON.stringify({ http: gateway.ports.http })}\n`);
// BENCH_LOOP_DELAY=1: the main thread's event-loop delay, printed to stderr at SIGTERM, to tell
// the gateway's own stalls from the machine's when reading a latency tail.
const loop = process.env.BENCH_LOOP_DELAY ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
loop?.enable();
// BENCH_GC=1: the main thread's GC pauses (count, total, the longest, by kind), at SIGTERM.
const gcPauses: { kind: number; ms: number }[] = [];
const gc = process.env.BENCH_GC ? new PerformanceObserver((list) => { for (const e of list.getEntries()) gcPauses.push({ kind: (e as unknown as { detail: { kind: number } }).detail.kind, ms: e.duration }); }) : undefined;
gc?.observe({ entryTypes: ['gc'] });
process.once('SIGTERM', () => {
  if (gc) {
    const sorted = gcPauses.map((p) => p.ms).sort((a, b) => b - a);
    const byKind = new Map<number, number>();
    for (const p of gcPauses) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
    process.stderr.write(`gc pauses: ${gcPauses.length}, total ${sorted.reduce((a, b) => a + b, 0).toFixed(0)} ms, longest ${sorted.slice(0, 8).map((x) => x.toFixed(1)).join(' ')} ms; by kind ${JSON.stringify(Object.fromEntries(byKind))} (1 minor, 2 major, 4 incremental, 8 weak)\n`);
  }
  if (loop) process.stderr.write(`event-loop delay ms: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} p99 ${(loop.percentile(99) / 1e6).toFixed(1)} p99.9 ${(loop.percentile(99.9) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)}\n`);
  void gateway.stop().then(() => process.exit(0));
});
