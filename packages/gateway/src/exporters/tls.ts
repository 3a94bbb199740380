// The `tls:` block both network exporters share, shaped like the Collector's configtls.
import { readFileSync } from 'node:fs';
import { ExporterConfigError, readBoolean, readObject, readString } from './config-fields.js';

export interface TlsConfig {
  /** PEM file of the CA that signed the backend's certificate (instead of the system roots). */
  readonly ca_file?: string;
  /** Client certificate and key for mutual TLS. */
  readonly cert_file?: string;
  readonly key_file?: string;
  /** Skip certificate verification. For tests against self-signed backends only. */
  readonly insecure_skip_verify: boolean;
}

export const TLS_DEFAULTS: TlsConfig = { insecure_skip_verify: false };

export function validateTlsConfig(raw: unknown, path: string): TlsConfig {
  const obj = readObject(raw, path, ['ca_file', 'cert_file', 'key_file', 'insecure_skip_verify']);
  const cert = readString(obj, 'cert_file', path);
  const key = readString(obj, 'key_file', path);
  if ((cert === undefined) !== (key === undefined)) {
    throw new ExporterConfigError(`${path}.${cert === undefined ? 'cert_file' : 'key_file'}`, 'is required when the other of cert_file/key_file is set');
  }
  const ca = readString(obj, 'ca_file', path);
  return {
    ...(ca !== undefined && { ca_file: ca }),
    ...(cert !== undefined && { cert_file: cert }),
    ...(key !== undefined && { key_file: key }),
    insecure_skip_verify: readBoolean(obj, 'insecure_skip_verify', path) ?? TLS_DEFAULTS.insecure_skip_verify,
  };
}

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Reads the PEM files once, at exporter creation, so a missing file fails at startup, not per batch. */
export function loadTlsMaterial(tls: TlsConfig, path: string): TlsMaterial {
  const read = (file: string | undefined, key: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ExporterConfigError(`${path}.${key}`, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  const out: TlsMaterial = {};
  const ca = read(tls.ca_file, 'ca_file');
  const cert = read(tls.cert_file, 'cert_file');
  const key = read(tls.key_file, 'key_file');
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}
