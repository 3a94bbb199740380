// Durations ("500ms", "10s", "1m") and sizes ("64MiB") as they appear in gateway YAML. A bare
// number is taken in the base unit (milliseconds, bytes) so a validated config validates again.
import { ExporterConfigError } from './config-fields.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)$/i;

/** Milliseconds from a duration string or a number of milliseconds. */
export function parseDuration(raw: unknown, path: string): number {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw;
  const m = typeof raw === 'string' ? DURATION.exec(raw.trim()) : null;
  if (m === null) {
    throw new ExporterConfigError(path, `must be a duration like "500ms", "10s" or "1m", or a number of milliseconds; got ${JSON.stringify(raw)}`);
  }
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!]!);
}

/** Bytes from a size string ("64MiB", "10MB", "512KiB") or a number of bytes. */
export function parseSize(raw: unknown, path: string): number {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
  const m = typeof raw === 'string' ? SIZE.exec(raw.trim()) : null;
  if (m === null) {
    throw new ExporterConfigError(path, `must be a size like "64MiB", "10MB" or "512KiB", or a whole number of bytes; got ${JSON.stringify(raw)}`);
  }
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
}
