// `init`: the OpenTelemetry Node SDK with auto-instrumentation, wrapped in the Cairn pipeline.
import { createRequire } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { FastOtlpTraceExporter } from './exporter/fast.js';
import { buildPipeline, type PipelineOptions } from './pipeline.js';
import { CairnConfigError } from './policy.js';
import { modeFromEnv, type Mode } from './runtime.js';

export type Instrumentations = NonNullable<NodeSDKConfiguration['instrumentations']>;

export interface InitOptions extends Omit<PipelineOptions, 'mode'> {
  service: string;
  version?: string;
  environment?: string;
  /** OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318`; default from OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT. */
  endpoint?: string;
  /** Default: every auto-instrumentation of `@opentelemetry/auto-instrumentations-node` except `fs`. */
  instrumentations?: Instrumentations;
  /** Default from CAIRN_MODE, else NODE_ENV. */
  mode?: Mode;
  /** `fast` (default) writes protobuf with @cairn/otlp; `stock` is OpenTelemetry's exporter; or any SpanExporter. */
  exporter?: 'fast' | 'stock' | SpanExporter;
  /** Flush and shut down on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
}

export interface CairnHandle {
  readonly mode: Mode;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let active: { handle: CairnHandle; detach: () => void } | undefined;

export function init(options: InitOptions): CairnHandle {
  if (active !== undefined) throw new CairnConfigError('CAIRN_BAD_OPTION', 'init: already initialized in this process; call shutdown() first');
  const mode = options.mode ?? modeFromEnv();
  const exporter = makeExporter(options);
  const batch = new BatchSpanProcessor(exporter);
  const pipeline = buildPipeline({ ...options, mode }, [batch]);
  const resource: Record<string, string> = { 'service.name': options.service };
  if (options.version !== undefined) resource['service.version'] = options.version;
  if (options.environment !== undefined) resource['deployment.environment.name'] = options.environment;
  const config: Partial<NodeSDKConfiguration> = {
    serviceName: options.service,
    resource: resourceFromAttributes(resource),
    spanProcessors: [pipeline.processor],
    textMapPropagator: pipeline.propagator,
    instrumentations: options.instrumentations ?? autoInstrumentations(),
  };
  // Cairn is about traces: other signals stay off unless the OTEL_* variables ask for them.
  if (process.env['OTEL_METRICS_EXPORTER'] === undefined) config.metricReaders = [];
  if (process.env['OTEL_LOGS_EXPORTER'] === undefined) config.logRecordProcessors = [];
  const sdk = new NodeSDK(config);
  sdk.start();

  let stopping: Promise<void> | undefined;
  const handle: CairnHandle = {
    mode,
    forceFlush: () => pipeline.processor.forceFlush(),
    shutdown: () => {
      stopping ??= (async () => {
        detach();
        active = undefined;
        await sdk.shutdown();
      })();
      return stopping;
    },
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    void handle.shutdown().finally(() => {
      // With our listener gone, re-raising gives the default exit (or the app's own handler).
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  // An app that simply runs out of work still gets its last batch out.
  const onBeforeExit = (): void => void handle.shutdown();
  const detach = (): void => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('beforeExit', onBeforeExit);
  };
  process.once('beforeExit', onBeforeExit);
  if (options.handleSignals !== false) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  active = { handle, detach };
  return handle;
}

/** Flushes and stops what `init` started; resolves at once when nothing is running. */
export async function shutdown(): Promise<void> {
  await active?.handle.shutdown();
}

function makeExporter(options: InitOptions): SpanExporter {
  if (typeof options.exporter === 'object') return options.exporter;
  const config = options.endpoint === undefined ? {} : { url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` };
  return options.exporter === 'stock' ? new OTLPTraceExporter(config) : new FastOtlpTraceExporter(config);
}

function autoInstrumentations(): Instrumentations {
  // Loaded only when used: the package pulls in every instrumentation it knows.
  const load = createRequire(import.meta.url) as (id: string) => typeof import('@opentelemetry/auto-instrumentations-node');
  return load('@opentelemetry/auto-instrumentations-node').getNodeAutoInstrumentations({ '@opentelemetry/instrumentation-fs': { enabled: false } });
}
