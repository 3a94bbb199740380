// Test support for end-to-end tests: a gateway on ephemeral 127.0.0.1 ports with its queue in a
// temporary directory, delivering to a real OTLP/HTTP sink.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';
import { Gateway, type GatewayOptions } from '../gateway.js';
import { OtlpHttpSink } from '../testing/sink.js';

export interface Harness {
  gateway: Gateway;
  sink: OtlpHttpSink;
  config: GatewayConfig;
  http: string;
  grpc: string;
  close(): Promise<void>;
}

/** YAML for a gateway whose one destination is `sink`, plus `extra` top-level YAML. */
const LOOPBACK_RECEIVERS = `receivers:
  otlp:
    http: { endpoint: 127.0.0.1:0 }
    grpc: { endpoint: 127.0.0.1:0 }`;

/** Only the OTLP/HTTP receiver, on a free loopback port. */
export const HTTP_RECEIVER = `receivers:
  otlp:
    http: { endpoint: 127.0.0.1:0 }`;

/** The admin listener on a free loopback port (for /metrics), instead of `admin: null`. */
export const LOOPBACK_ADMIN = 'admin: { endpoint: 127.0.0.1:0 }';

export function harnessYaml(sinkUrl: string, storage: string, extra = '', destinationExtra = '', receivers = LOOPBACK_RECEIVERS, admin = 'admin: null'): string {
  return `
${receivers}
${admin}
storage: { directory: ${JSON.stringify(storage)} }
destinations:
  backend:
    exporter:
      otlphttp: { endpoint: ${JSON.stringify(sinkUrl)}, compression: none, timeout: 2s }
    retry: { initial_interval: 20ms, max_interval: 200ms }
${destinationExtra}
${extra}
`;
}

export async function startHarness(options: { extra?: string; destinationExtra?: string; receivers?: string; auth?: string; gateway?: GatewayOptions } = {}): Promise<Harness> {
  const sink = await OtlpHttpSink.start();
  const storage = mkdtempSync(join(tmpdir(), 'cairn-e2e-'));
  const auth = options.auth ?? 'auth: { anonymous: true }';
  const config = parseConfig(harnessYaml(sink.url, storage, `${auth}\n${options.extra ?? ''}`, options.destinationExtra ?? '', options.receivers), 'harness.yaml');
  const gateway = await Gateway.start(config, { workers: 1, logger: pino({ level: 'silent' }), shutdownGraceMs: 2000, ...options.gateway });
  return {
    gateway,
    sink,
    config,
    http: `http://127.0.0.1:${gateway.ports.http}`,
    grpc: `127.0.0.1:${gateway.ports.grpc}`,
    async close() {
      await gateway.stop();
      await sink.close();
    },
  };
}

/**
 * The bound of a wait for something that must happen (a delivery, a figure settling). It only
 * limits how long a failing test hangs: a loaded CI machine (2 cores, two test files at once)
 * can take seconds for what takes milliseconds here, so it is far above any normal wait.
 */
export const WAIT_MS = 30_000;

/** Polls `check` until it returns true, for figures that settle just after a response. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One sample from the gateway's Prometheus text, e.g. metric(text, 'cairn_x_total', 'destination="a"'). */
export function metric(text: string, name: string, labels: string): number {
  const escaped = labels.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return Number(new RegExp(`^${name}\\{${escaped}\\} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? 0);
}
