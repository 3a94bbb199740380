// Runs one gateway process for crash and shutdown tests: `node process.js CONFIG`. Prints one
// JSON line with its ports once ready; SIGTERM stops it and SIGHUP reloads the strategy the way
// `cairn up` does.
import { pino } from 'pino';
import { loadConfigFile } from '../config/load.js';
import { Gateway } from '../gateway.js';

const gateway = await Gateway.start(loadConfigFile(process.argv[2]!), { workers: 1, logger: pino({ level: 'warn' }, pino.destination(2)), shutdownGraceMs: 3000 });
process.stdout.write(`${JSON.stringify(gateway.ports)}\n`);
process.on('SIGHUP', () => {
  void gateway.reload();
});
process.once('SIGTERM', () => {
  void gateway.stop().then(() => process.exit(0));
});
