// Zero-code setup: `node --import @cairn/sdk/register app.js` (or `--require` for CommonJS apps).
// OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT and the other OTEL_* variables work as in
// OpenTelemetry; CAIRN_CONVENTIONS, CAIRN_MODE, CAIRN_PII, CAIRN_PII_HASH_KEY and CAIRN_EXPORTER
// add the Cairn parts.
import { register } from 'node:module';
import { init } from './init.js';
import type { PiiHandling } from './policy.js';

// ESM apps need the loader hook for auto-instrumentation to see their imports.
if (typeof register === 'function') {
  try {
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  } catch {
    // Without the hook CommonJS modules (and node:http) are still instrumented.
  }
}

const env = process.env;
const pii = env['CAIRN_PII'];
const exporter = env['CAIRN_EXPORTER'];
init({
  service: env['OTEL_SERVICE_NAME'] ?? 'unknown_service:node',
  ...(env['CAIRN_SERVICE_VERSION'] !== undefined ? { version: env['CAIRN_SERVICE_VERSION'] } : {}),
  ...(env['CAIRN_CONVENTIONS'] !== undefined ? { conventions: env['CAIRN_CONVENTIONS'] } : {}),
  ...(pii === 'keep' || pii === 'hash' || pii === 'drop' ? { pii: pii as PiiHandling } : {}),
  ...(env['CAIRN_PII_HASH_KEY'] !== undefined ? { piiHashKey: env['CAIRN_PII_HASH_KEY'] } : {}),
  ...(exporter === 'stock' || exporter === 'fast' ? { exporter } : {}),
});
