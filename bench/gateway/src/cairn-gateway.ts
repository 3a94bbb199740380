// Cairn's gateway as the benchmark runs it: `node cairn-gateway.js BACKEND_URL STORAGE WORKERS [strategy]`
// prints {"http": port}. Traces go to one otlphttp destination with a durable SQLite queue.
// `strategy` applies the default data strategy (normalize, `unknown: scan`, `pii: hash`); a
// compiled strategy runs inline (WORKERS must be 0) until the strategy loader feeds worker threads.
import { pino } from 'pino';
import { Gateway } from '@cairn/gateway';
import { compileForTest, exampleRegistry } from '../../../packages/gateway/dist/stages/test-support.js';
import { cairnConfig } from './cairn-config.js';

const [backend, storage, workers, mode] = process.argv.slice(2);
const config = cairnConfig(backend!, storage!);
const strategy = mode === 'strategy'
  ? compileForTest({ [config.destinations[0]!.name]: { key: 'bench-hmac-key-0123456789abcdef', unknown: 'scan', sensitivity: { pii: 'hash' } } }, exampleRegistry())
  : undefined;
const gateway = await Gateway.start(config, { workers: Number(workers), logger: pino({ level: 'error' }), ...(strategy ? { strategy } : {}) });
process.stdout.write(`${JSON.stringify({ http: gateway.ports.http })}\n`);
process.once('SIGTERM', () => {
  void gateway.stop().then(() => process.exit(0));
});
