// The JSON Schema check of a config, with Ajv's errors turned into problems a user can act on.
import ajvModule, { type ErrorObject } from 'ajv';
import schema from '../../schema/cairn.schema.json' with { type: 'json' };
import { didYouMean } from './checks.js';
import type { ConfigPath, Problem } from './env.js';

const Ajv = ajvModule.default;
export const validateSchema = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);

/** Turns Ajv's errors into path-named sentences a user can act on. */
export function toProblem(error: ErrorObject): Problem {
  const path: ConfigPath = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(params.additionalProperty)], message: `is not a known setting${knownKeys(error, String(params.additionalProperty))}`, atKey: true };
    case 'required':
      return { path, message: `needs \`${String(params.missingProperty)}\`` };
    case 'enum': {
      const allowed = params.allowedValues as unknown[];
      const guess = typeof error.data === 'string' ? didYouMean(error.data, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      return { path, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${guess ? `; did you mean \`${guess}\`?` : ''}` };
    }
    case 'pattern':
      return { path, message: `${describePattern(path)}` };
    case 'minProperties':
    case 'maxProperties':
      return { path, message: path[path.length - 1] === 'exporter' ? 'must name exactly one exporter: otlphttp, otlpgrpc, file or debug' : `must have ${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${String(params.limit)} entries` };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

function knownKeys(error: ErrorObject, key: string): string {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties) return '';
  const keys = Object.keys(properties);
  const guess = didYouMean(key, keys);
  return guess ? `; did you mean \`${guess}\`? Expected one of ${keys.join(', ')}` : `; expected one of ${keys.join(', ')}`;
}

function describePattern(path: ConfigPath): string {
  const last = String(path[path.length - 1] ?? '');
  if (last === 'endpoint') return 'must be host:port, e.g. 127.0.0.1:4318';
  if (path.includes('token_sha256')) return 'must be the SHA-256 of a token as 64 hex characters (echo -n "$TOKEN" | sha256sum)';
  if (/size|bytes/.test(last)) return 'must be a size like "64MiB" or a number of bytes';
  if (/interval|time|timeout/.test(last)) return 'must be a duration like "500ms", "10s" or "1m"';
  return 'has the wrong format';
}
