import { ExporterConfigError, readBoolean, readObject, readPositiveInt, readString } from '../config-fields.js';
import { parseSize } from '../durations.js';

export interface FileConfig {
  /** The active file; rotated files are `path.1` (newest) … `path.<max_files>`. */
  readonly path: string;
  /** Rotate before a write would take the active file past this many bytes; 0 never rotates. */
  readonly max_bytes: number;
  /** Rotated files kept besides the active one; older ones are deleted. */
  readonly max_files: number;
  /** fsync after every batch: survives a power cut, costs a disk flush per batch. */
  readonly fsync: boolean;
}

export const DEFAULTS = {
  max_bytes: 64 * 1024 * 1024,
  max_files: 5,
  fsync: false,
} as const satisfies Omit<FileConfig, 'path'>;

/** `path` is the exporter's own config path, e.g. `destinations.archive.exporter.file`. */
export function validateFileConfig(raw: unknown, path: string): FileConfig {
  const obj = readObject(raw, path, ['path', 'max_bytes', 'max_files', 'fsync']);
  const file = readString(obj, 'path', path);
  if (file === undefined) throw new ExporterConfigError(`${path}.path`, 'is required, e.g. ./.cairn/archive.jsonl');
  return {
    path: file,
    max_bytes: obj['max_bytes'] === undefined ? DEFAULTS.max_bytes : parseSize(obj['max_bytes'], `${path}.max_bytes`),
    max_files: readPositiveInt(obj, 'max_files', path) ?? DEFAULTS.max_files,
    fsync: readBoolean(obj, 'fsync', path) ?? DEFAULTS.fsync,
  };
}
