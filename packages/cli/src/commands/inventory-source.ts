// Where `cairn report` and `cairn gaps` read the inventory: a running gateway's admin API
// (`--admin URL`, or the config's `admin:` endpoint), or the inventory file itself (`--db FILE`,
// or inventory.db under the config's storage.directory) judged against the config's registry.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError, gapsReport, INVENTORY_FILE, InventoryStore, inventoryJson, judgeFor, loadConfigFile, loadConventions, parseRange, StrategyContentError, TimeRangeError,
  type GapsJson, type GatewayConfig, type InventoryJson,
} from '@cairn/gateway';
import { UsageError } from '../io.js';
import { defaultConfigPath } from './up.js';

export const SOURCE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  admin: { type: 'string' },
  db: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

export const SOURCE_USAGE = `Source: --admin URL (a running gateway's admin API; CAIRN_ADMIN_TOKEN, if set, is sent as a
bearer token), or --db FILE (the inventory file); by default the admin endpoint of -c cairn.yaml
when that gateway is running, else its storage.directory/${INVENTORY_FILE}.
--from / --to: RFC 3339 (2026-12-02T03:00:00Z), a date (2026-12-02), now, or now-2h / now-7d
(also --from=-2h); default: the last 24 hours.`;

export interface SourceValues {
  config?: string | undefined;
  admin?: string | undefined;
  db?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export class SourceError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface Source {
  config: GatewayConfig | undefined;
  range: { from: number; to: number };
  /** GET an admin path (`/api/inventory?…`), or compute the same from the file. */
  inventory(service?: string): Promise<InventoryJson>;
  gaps(service: string, sloReads?: { slo: string; service: string | null; keys: string[] }[]): Promise<GapsJson>;
}

export function openSource(values: SourceValues, now = Date.now()): Source {
  let range: { from: number; to: number };
  try {
    range = parseRange(values.from, values.to, now);
  } catch (error) {
    if (error instanceof TimeRangeError) throw new UsageError(`${error.code}: ${error.message}`);
    throw error;
  }
  let config: GatewayConfig | undefined;
  const configPath = values.config ?? (values.admin === undefined && values.db === undefined ? defaultConfigPath() : undefined);
  if (configPath !== undefined) {
    try {
      config = loadConfigFile(configPath);
    } catch (error) {
      if (error instanceof ConfigError) throw new SourceError(error.code, error.message);
      throw error;
    }
  }
  const query = (service?: string): string => `from=${encodeURIComponent(new Date(range.from).toISOString())}&to=${encodeURIComponent(new Date(range.to).toISOString())}${service ? `&service=${encodeURIComponent(service)}` : ''}`;
  const file = values.db ?? (config ? join(config.storage.directory, INVENTORY_FILE) : undefined);
  const fromFile = (): Source => fileSource(file!, config, range);
  const explicit = values.admin;
  const configured = values.db === undefined && config?.admin && config.admin.port !== 0 ? `http://${config.admin.host}:${config.admin.port}` : undefined;
  const admin = explicit ?? configured;
  if (admin === undefined) return fromFile();
  const base = admin.replace(/\/+$/, '');
  // The config's gateway may not be running: then its file answers (an explicit --admin never falls back).
  const orFile = async <T>(get: () => Promise<T>, local: (s: Source) => Promise<T>): Promise<T> => {
    try {
      return await get();
    } catch (error) {
      if (explicit !== undefined || !(error instanceof SourceError) || error.code !== 'CAIRN_ADMIN_UNREACHABLE') throw error;
      return local(fromFile());
    }
  };
  return {
    config, range,
    inventory: (service) => orFile(() => getJson<InventoryJson>(`${base}/api/inventory?${query(service)}`), (s) => s.inventory(service)),
    gaps: (service, sloReads) => orFile(() => getJson<GapsJson>(`${base}/api/gaps?${query(service)}`), (s) => s.gaps(service, sloReads)),
  };
}

function fileSource(file: string, config: GatewayConfig | undefined, range: { from: number; to: number }): Source {
  if (!existsSync(file)) throw new SourceError('CAIRN_INVENTORY_FILE', `${file}: no inventory file (is \`inventory: { enabled: true }\` set in cairn.yaml, and has the gateway run?)`);
  let registry;
  try {
    registry = config?.conventions ? loadConventions(config.conventions, config.source) : undefined;
  } catch (error) {
    if (error instanceof StrategyContentError) throw new SourceError(error.code, error.message);
    throw error;
  }
  const judge = judgeFor(registry);
  const read = <T>(f: (store: InventoryStore) => T): T => {
    const store = new InventoryStore(file);
    try {
      return f(store);
    } finally {
      store.close();
    }
  };
  const bucket = config?.inventory?.bucketMs ?? 3_600_000;
  const load = (store: InventoryStore, service?: string) => store.load({ from: Math.floor(range.from / bucket) * bucket, to: range.to, services: service ? new Set([service]) : 'all' });
  return {
    config, range,
    inventory: (service) => Promise.resolve(read((store) => inventoryJson(load(store, service), judge, range.from, range.to))),
    gaps: (service, sloReads) => Promise.resolve(read((store) => gapsReport(load(store, service), judge, service, range.from, range.to, sloReads))),
  };
}

async function getJson<T>(url: string): Promise<T> {
  const token = process.env.CAIRN_ADMIN_TOKEN;
  let response: Response;
  try {
    response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new SourceError('CAIRN_ADMIN_UNREACHABLE', `${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message} (is the gateway running? --db FILE reads the inventory file instead)`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SourceError('CAIRN_ADMIN_RESPONSE', `${url}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!response.ok) throw new SourceError('CAIRN_ADMIN_RESPONSE', `${url}: HTTP ${response.status}: ${(body as { error?: string }).error ?? text.slice(0, 200)}`);
  return body as T;
}
