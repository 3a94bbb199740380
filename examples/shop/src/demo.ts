// startDemo: the shop and the payment service as two instrumented processes, plus load.
// `cairn up --demo` calls this; it also runs on its own: `node examples/shop/dist/demo.js`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startLoad, type Load } from './load.js';

export interface DemoOptions {
  /** OTLP/HTTP base URL the services export to, e.g. the gateway's `http://127.0.0.1:4318`. */
  endpoint: string;
  /** The shop's port (0 picks a free one); the payment service always takes a free port. */
  port?: number;
  /** Registry directory or `cairn resolve` JSON; default examples/conventions. */
  conventions?: string;
  /** Milliseconds between shopping sessions; 0 sends no load. Default 200. */
  loadIntervalMs?: number;
  /** Extra environment for both services (e.g. CAIRN_MODE, CAIRN_EXPORTER). */
  env?: Record<string, string>;
}

export interface Demo {
  readonly shopUrl: string;
  readonly paymentUrl: string;
  stop(): Promise<void>;
}

const SERVICE = fileURLToPath(new URL('./service.js', import.meta.url));
const CONVENTIONS = fileURLToPath(new URL('../../conventions', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const base = {
    ...process.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: options.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '500',
    CAIRN_CONVENTIONS: options.conventions ?? CONVENTIONS,
    ...options.env,
  };
  const children: ChildProcess[] = [];
  let load: Load | undefined;
  const stop = async (): Promise<void> => {
    load?.stop();
    await Promise.all(children.map(terminate));
  };
  try {
    const payment = await startService(children, 'payment', { ...base, OTEL_SERVICE_NAME: 'payment', PORT: '0' });
    const paymentUrl = `http://127.0.0.1:${payment}`;
    const shop = await startService(children, 'shop', { ...base, OTEL_SERVICE_NAME: 'shop', PORT: String(options.port ?? 0), PAYMENT_URL: paymentUrl });
    const shopUrl = `http://127.0.0.1:${shop}`;
    const interval = options.loadIntervalMs ?? 200;
    if (interval > 0) load = startLoad(shopUrl, interval);
    return { shopUrl, paymentUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startService(children: ChildProcess[], role: string, env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('@cairn/sdk/register'), SERVICE, role], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo: ${role} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo: ${role} exited with code ${code} before listening`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const port = (JSON.parse(line) as { listening?: number }).listening;
        if (typeof port === 'number') {
          clearTimeout(timer);
          resolve(port);
        }
      } catch {
        // Not our line: the service may log.
      }
    });
  });
}

/** SIGTERM (the SDK flushes), then SIGKILL if it has not exited within 5 s. */
function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const endpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? 'http://127.0.0.1:4318';
  const demo = await startDemo({ endpoint, port: Number(process.env['PORT'] ?? 8080) });
  process.stdout.write(`shop on ${demo.shopUrl}, payment on ${demo.paymentUrl}, exporting to ${endpoint}; Ctrl-C stops\n`);
  const stop = (): void => void demo.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
