// Cairn's gateway as the benchmark runs it: `node cairn-gateway.js BACKEND_URL STORAGE WORKERS`
// prints {"http": port}. Traces go to one otlphttp destination with a durable SQLite queue.
import { pino } from 'pino';
import { Gateway, parseConfig } from '@cairn/gateway';

const [backend, storage, workers] = process.argv.slice(2);
const config = parseConfig(`
receivers:
  otlp:
    http: { endpoint: 127.0.0.1:0 }
auth: { anonymous: true }
admin: null
storage: { directory: ${JSON.stringify(storage)} }
limits: { max_in_flight_size: 64MiB }
destinations:
  backend:
    exporter:
      otlphttp: { endpoint: ${JSON.stringify(backend)}, compression: none, max_connections: 8 }
    queue: { max_size: 512MiB }
    concurrency: 8
`, 'bench.yaml');
const gateway = await Gateway.start(config, { workers: Number(workers), logger: pino({ level: 'error' }) });
process.stdout.write(`${JSON.stringify({ http: gateway.ports.http })}\n`);
process.once('SIGTERM', () => {
  void gateway.stop().then(() => process.exit(0));
});
