// Appends each batch as one OTLP/JSON line (an Export*ServiceRequest, as the Collector's file
// exporter writes them) and rotates by size: path → path.1 → path.2 … up to max_files.
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OtlpDecodeError, protobufToJson } from '@cairn/otlp';
import type { Exporter, ExportOutcome, OutboundBatch } from '../types.js';
import type { FileConfig } from './config.js';

export class FileExporter implements Exporter {
  readonly kind = 'file';
  private handle: FileHandle | undefined;
  private size = 0;
  /** Writes run one after another: lines from concurrent exports must not interleave. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly config: FileConfig) {}

  export(batch: OutboundBatch): Promise<ExportOutcome> {
    // An empty request has no records: a `{}` line would only be noise for whoever reads the file.
    if (batch.body.length === 0) return Promise.resolve({ kind: 'ok' });
    let line: Buffer;
    try {
      line = Buffer.from(`${protobufToJson(batch.signal, batch.body)}\n`);
    } catch (err) {
      const reason = err instanceof OtlpDecodeError ? `batch is not a valid ${batch.signal} request: ${err.message}` : String(err);
      return Promise.resolve({ kind: 'reject', reason });
    }
    const next = this.tail.then(() => this.write(line));
    this.tail = next;
    return next;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await this.tail;
    await this.close();
  }

  private async write(line: Buffer): Promise<ExportOutcome> {
    if (this.closed) return { kind: 'retry', reason: `file exporter for ${this.config.path} is shut down` };
    try {
      const handle = await this.openActive();
      if (this.config.max_bytes > 0 && this.size > 0 && this.size + line.length > this.config.max_bytes) {
        await this.rotate();
        return this.writeTo(await this.openActive(), line);
      }
      return await this.writeTo(handle, line);
    } catch (err) {
      // A full disk or a permission change may be fixed by an operator; the queue keeps the batch.
      await this.close().catch(() => undefined);
      return { kind: 'retry', reason: `cannot write ${this.config.path}: ${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim() };
    }
  }

  private async writeTo(handle: FileHandle, line: Buffer): Promise<ExportOutcome> {
    await handle.write(line);
    this.size += line.length;
    if (this.config.fsync) await handle.sync();
    return { kind: 'ok' };
  }

  private async openActive(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.config.path), { recursive: true });
    const handle = await open(this.config.path, 'a');
    this.size = (await handle.stat()).size;
    this.handle = handle;
    return handle;
  }

  private async rotate(): Promise<void> {
    await this.close();
    const { path, max_files } = this.config;
    await rm(`${path}.${max_files}`, { force: true });
    for (let i = max_files - 1; i >= 1; i--) {
      if (await exists(`${path}.${i}`)) await rename(`${path}.${i}`, `${path}.${i + 1}`);
    }
    await rename(path, `${path}.1`);
  }

  private async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.size = 0;
    if (handle) await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
