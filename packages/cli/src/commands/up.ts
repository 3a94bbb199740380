import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatProblem, Gateway, HeapTuningError, ListenError, loadConfigFile, StrategyContentError, tuneHeap, type GatewayConfig } from '@cairn/gateway';
import { EXIT, parse, UsageError, type Streams } from '../io.js';

const USAGE = `usage: cairn up [-c cairn.yaml] [--workers N] [--demo]

Runs the gateway. Without -c it uses the embedded default config (examples/cairn.yaml in the
Cairn checkout, found next to the package, so it works from any directory): OTLP on
127.0.0.1:4318 (HTTP) and 127.0.0.1:4317 (gRPC), admin (/metrics, /healthz, /readyz) on
127.0.0.1:8888, SQLite queue in examples/.cairn. Change them with CAIRN_HTTP_ENDPOINT,
CAIRN_GRPC_ENDPOINT, CAIRN_ADMIN_ENDPOINT and CAIRN_STORAGE.
Relative paths in any config (storage, TLS files, file exporter, conventions) resolve against
the config file's folder, not the working directory.
SIGTERM or Ctrl-C stops accepting, finishes in-flight requests and exits; queued data is
replayed at the next start. SIGHUP reloads the data strategy, the registry (conventions:) and
the HMAC keys at once; a bad file keeps the running strategy and logs one error.
V8's heaps may grow 200% between full collections, and processing threads start with a 16 MB
semi-space: fewer collections under load, for some memory. CAIRN_HEAP_GROWING_PERCENT sets
another percent (0 leaves both to V8); heap flags on node's command line win.
--demo also starts the example shop and payment services (examples/shop), instrumented with
@cairn/sdk and exporting to this gateway, with a load generator: telemetry flows at once.`;

/** The variables the embedded default config reads for each listener's endpoint. */
const ENDPOINT_VARIABLES: Record<string, string> = {
  'receivers.otlp.http.endpoint': 'CAIRN_HTTP_ENDPOINT',
  'receivers.otlp.grpc.endpoint': 'CAIRN_GRPC_ENDPOINT',
  'admin.endpoint': 'CAIRN_ADMIN_ENDPOINT',
};

/** One line that says which setting to change, and the variable when the config reads one. */
function listenProblem(error: ListenError, config: GatewayConfig): string {
  const variable = ENDPOINT_VARIABLES[error.setting];
  let text = '';
  try {
    text = readFileSync(config.source, 'utf8');
  } catch {
    // The message below still names the setting.
  }
  const fix = variable && text.includes(`\${env:${variable}`)
    ? `set ${variable} (e.g. ${variable}=127.0.0.1:0 for any free port)`
    : `change ${error.setting} in ${config.source}`;
  return `cairn: ${error.code}: ${error.message}; ${fix}${error.code === 'CAIRN_PORT_IN_USE' ? ', or stop the process that holds it' : ''}\n`;
}

interface DemoModule {
  startDemo(options: { endpoint: string; port?: number }): Promise<{ shopUrl: string; paymentUrl: string; stop(): Promise<void> }>;
}

/** The example services live in the repository checkout, not in the published CLI. */
async function loadDemo(): Promise<DemoModule> {
  const path = new URL('../../../../examples/shop/dist/demo.js', import.meta.url);
  try {
    return (await import(path.href)) as DemoModule;
  } catch (error) {
    throw new UsageError(`--demo needs the example services, built in a Cairn checkout (npm run build): ${(error as Error).message}`);
  }
}

/** The repository's embedded default config. */
export function defaultConfigPath(): string {
  return fileURLToPath(new URL('../../../../examples/cairn.yaml', import.meta.url));
}

export async function up(args: string[], io: Streams): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: 'string', short: 'c' }, workers: { type: 'string' }, demo: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    io.out.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\`\n\n${USAGE}`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0)) throw new UsageError(`--workers must be a whole number; got \`${values.workers}\``);
  const path = values.config ?? defaultConfigPath();
  let config;
  try {
    config = loadConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err.write(`cairn: ${error.code}: the config is not usable\n${error.message}\n`);
      return EXIT.unusable;
    }
    throw error;
  }
  for (const warning of config.warnings ?? []) io.err.write(`cairn: warning: ${formatProblem(warning)}\n`);
  try {
    tuneHeap();
  } catch (error) {
    if (!(error instanceof HeapTuningError)) throw error;
    io.err.write(`cairn: ${error.code}: ${error.message}\n`);
    return EXIT.unusable;
  }
  const demoModule = values.demo ? await loadDemo() : undefined;
  let gateway: Gateway;
  try {
    gateway = await Gateway.start(config, workers === undefined ? {} : { workers });
  } catch (error) {
    if (error instanceof StrategyContentError) {
      io.err.write(`cairn: ${error.code}: the data strategy cannot start\n${error.message}\n`);
      return EXIT.unusable;
    }
    if (!(error instanceof ListenError)) throw error;
    io.err.write(listenProblem(error, config));
    return EXIT.unusable;
  }
  // The registry the gateway resolved at start (a registry with errors would have stopped it).
  const { registry, registryWarnings } = gateway.conventions;
  if (registry) io.out.write(`registry ${registry.manifest.name}: ${registry.attributes.filter((a) => a.origin === 'org').length} org attributes, 0 errors, ${registryWarnings ?? 0} warnings\n`);
  const { http, grpc, admin } = gateway.ports;
  io.out.write(
    `cairn gateway running (${config.source})\n` +
      (http !== undefined ? `  OTLP/HTTP  http${config.receivers.http?.tls ? 's' : ''}://${config.receivers.http!.host}:${http}\n` : '') +
      (grpc !== undefined ? `  OTLP/gRPC  ${config.receivers.grpc!.host}:${grpc}\n` : '') +
      (admin !== undefined ? `  console    ${consoleUrl(config.admin!.host, admin)}\n` : '') +
      (admin !== undefined ? `  admin      http://${config.admin!.host}:${admin}/metrics  /healthz  /readyz  /api/strategy/ledger\n` : '') +
      `  queue      ${config.storage.directory}\n`,
  );
  let demo: Awaited<ReturnType<DemoModule['startDemo']>> | undefined;
  if (demoModule) {
    if (http === undefined) throw new UsageError('--demo needs the OTLP/HTTP receiver');
    try {
      demo = await demoModule.startDemo({ endpoint: `http://${config.receivers.http!.host}:${http}` });
      io.out.write(`  demo       shop ${demo.shopUrl} → payment ${demo.paymentUrl}, with load; their spans arrive below\n`);
    } catch (error) {
      await gateway.stop();
      throw error;
    }
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      io.out.write(`\n${signal}: stopping (in-flight requests finish, queued data stays for the next start)\n`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      const stopDemo = demo ? demo.stop() : Promise.resolve();
      stopDemo.then(() => gateway.stop()).then(resolve, resolve);
    };
    const onInt = (): void => shutdown('SIGINT');
    const onTerm = (): void => shutdown('SIGTERM');
    const onHup = (): void => {
      void gateway.reload().then((ok) => io.out.write(ok ? 'SIGHUP: strategy, registry and keys reloaded\n' : 'SIGHUP: reload failed (see the error above); the previous strategy stays in force\n'));
    };
    process.on('SIGHUP', onHup);
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  return EXIT.ok;
}

/** The console's address to open in a browser: a wildcard listen address is reached on loopback. */
function consoleUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}/ui`;
}
