// Cairn's gateway as the benchmark runs it: `node cairn-gateway.js BACKEND_URL STORAGE WORKERS [strategy|slo]`
// prints {"http": port}. Traces go to one otlphttp destination with a durable SQLite queue.
// `strategy` applies the default data strategy (normalize, `unknown: scan`, `pii: hash`); a
// compiled strategy runs inline (WORKERS must be 0) until the strategy loader feeds worker threads.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { Gateway, loadSloFiles } from '@cairn/gateway';
import { compileForTest, exampleRegistry } from '../../../packages/gateway/dist/stages/test-support.js';
import { cairnConfig } from './cairn-config.js';

const [backend, storage, workers, mode] = process.argv.slice(2);
const config = cairnConfig(backend!, storage!);
// `slo`: the SLO file BENCH_SLOS names (bench/gateway/src/slo.ts writes 20 SLOs there).
if (mode === 'slo') config.slos = loadSloFiles([process.env.BENCH_SLOS!]);
const strategy = mode === 'strategy'
  ? compileForTest({ [config.destinations[0]!.name]: { key: 'bench-hmac-key-0123456789abcdef', unknown: 'scan', sensitivity: { pii: 'hash' } } }, exampleRegistry())
  : undefined;
const gateway = await Gateway.start(config, { workers: Number(workers), logger: pino({ level: 'error' }), ...(strategy ? { strategy } : {}) });
process.stdout.write(`${JSON.stringify({ http: gateway.ports.http })}\n`);
// BENCH_LOOP_DELAY=1: the main thread's event-loop delay, printed to stderr at SIGTERM, to tell
// the gateway's own stalls from the machine's when reading a latency tail.
const loop = process.env.BENCH_LOOP_DELAY ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
loop?.enable();
process.once('SIGTERM', () => {
  if (loop) process.stderr.write(`event-loop delay ms: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} p99 ${(loop.percentile(99) / 1e6).toFixed(1)} p99.9 ${(loop.percentile(99.9) / 1e6).toFixed(1)} max ${(loop.max / 1e6).toFixed(1)}\n`);
  void gateway.stop().then(() => process.exit(0));
});
