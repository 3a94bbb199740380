// Cairn's gateway as the inventory benchmark runs it: `node inventory-gateway.js BACKEND_URL STORAGE WORKERS on|full|off`
// (`full`: max_share 1, every batch recorded)
// prints {"http": port}. The bench config (cairn-config.ts) plus the example registry
// (`conventions:`), with the inventory tap on or off: the only difference between the two runs.
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { DEFAULT_INVENTORY, Gateway, tuneHeap } from '@cairn/gateway';
import { cairnConfig } from './cairn-config.js';

const [backend, storage, workers, mode] = process.argv.slice(2);
const config = {
  ...cairnConfig(backend!, storage!),
  conventions: fileURLToPath(new URL('../../../examples/conventions', import.meta.url)),
  inventory: { ...DEFAULT_INVENTORY, enabled: mode !== 'off', ...(mode === 'full' ? { maxShare: 1 } : {}) },
};
// As `cairn up` does (packages/gateway/src/heap.ts).
tuneHeap();
const gateway = await Gateway.start(config, { workers: Number(workers), logger: pino({ level: 'error' }) });
process.stdout.write(`${JSON.stringify({ http: gateway.ports.http })}\n`);
process.once('SIGTERM', () => {
  void gateway.stop().then(() => process.exit(0));
});
