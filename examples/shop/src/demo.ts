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
  const services: Service[] = [];
  let load: Load | undefined;
  const stop = async (): Promise<void> => {
    load?.stop();
    await Promise.all(services.map((s) => s.stop()));
  };
  try {
    const payment = await startService('payment', { ...base, OTEL_SERVICE_NAME: 'payment', PORT: '0' });
    services.push(payment);
    const paymentUrl = payment.url;
    const shop = await startService('shop', { ...base, OTEL_SERVICE_NAME: 'shop', PORT: String(options.port ?? 0), PAYMENT_URL: paymentUrl });
    services.push(shop);
    const shopUrl = shop.url;
    const interval = options.loadIntervalMs ?? 200;
    if (interval > 0) load = startLoad(shopUrl, interval);
    return { shopUrl, paymentUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface Service {
  readonly url: string;
  /** SIGTERM (the SDK flushes), then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/**
 * One instrumented service process (`shop` or `payment`), zero-code through
 * `--import @cairn/sdk/register`; settings come from `env` (OTEL_*, CAIRN_*, PORT, PAYMENT_URL).
 * CAIRN_CONVENTIONS defaults to examples/conventions.
 */
export async function startService(role: 'shop' | 'payment', env: NodeJS.ProcessEnv): Promise<Service> {
  const fullEnv = { CAIRN_CONVENTIONS: CONVENTIONS, ...env };
  const child = spawn(process.execPath, ['--import', import.meta.resolve('@cairn/sdk/register'), SERVICE, role], { env: fullEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await listeningPort(child, role);
    return { url: `http://127.0.0.1:${port}`, stop: () => terminate(child) };
  } catch (error) {
    await terminate(child);
    throw error;
  }
}

function listeningPort(child: ChildProcess, role: string): Promise<number> {
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
  // No top-level await: the module stays loadable with require() from CommonJS callers.
  const endpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? 'http://127.0.0.1:4318';
  void startDemo({ endpoint, port: Number(process.env['PORT'] ?? 8080) }).then((demo) => {
    process.stdout.write(`shop on ${demo.shopUrl}, payment on ${demo.paymentUrl}, exporting to ${endpoint}; Ctrl-C stops\n`);
    const stop = (): void => void demo.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
