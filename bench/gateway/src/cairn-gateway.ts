// Cairn's gateway as the benchmark runs it: `node cairn-gateway.js BACKEND_URL STORAGE WORKERS`
// prints {"http": port}. Traces go to one otlphttp destination with a durable SQLite queue.
import { pino } from 'pino';
import { Gateway } from '@cairn/gateway';
import { cairnConfig } from './cairn-config.js';

const [backend, storage, workers] = process.argv.slice(2);
const gateway = await Gateway.start(cairnConfig(backend!, storage!), { workers: Number(workers), logger: pino({ level: 'error' }) });
process.stdout.write(`${JSON.stringify({ http: gateway.ports.http })}\n`);
process.once('SIGTERM', () => {
  void gateway.stop().then(() => process.exit(0));
});
