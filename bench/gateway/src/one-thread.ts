// What the one-thread content benchmarks (strategy.js, strategy-actions.js) process under, so they
// measure the same setup: a config with one destination and no I/O, and the default strategy
// (the example registry, `unknown: scan`, `secret: drop`) compiled as a processing thread does.
import type { GatewayConfig } from '@cairn/gateway';
import { parseConfig } from '../../../packages/gateway/dist/config/load.js';
import { compileForTest, exampleRegistry, type ActionSpec } from '../../../packages/gateway/dist/stages/test-support.js';
import type { CompiledStrategy } from '../../../packages/gateway/dist/strategy/types.js';

export function oneThreadConfig(): GatewayConfig {
  return parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-bench-strategy-unused }
auth: { anonymous: true }
destinations:
  backend: { exporter: { debug: {} } }
`, 'bench-strategy.yaml');
}

/** The default strategy for the destination `backend`; `pii` is `hash` unless given. */
export function defaultStrategy(pii: ActionSpec = 'hash'): CompiledStrategy {
  return compileForTest({
    backend: { key: 'bench-hmac-key-0123456789abcdef', unknown: 'scan', sensitivity: { public: 'allow', internal: 'allow', pii, secret: 'drop' } },
  }, exampleRegistry());
}
