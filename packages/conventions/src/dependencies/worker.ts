/**
 * Runs in a worker thread while the loader waits (see materialize.ts): downloads a URL to a
 * file, or extracts an archive into a directory. The loader's API is synchronous; the work
 * that cannot be (network, zip streams) happens here.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join, posix } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { workerData, type MessagePort } from 'node:worker_threads';
import * as tar from 'tar';
import yauzl from 'yauzl';

export type Task =
  | { op: 'fetch'; url: string; dest: string; timeoutMs: number; maxBytes: number }
  | { op: 'extract'; archive: string; format: 'zip' | 'tar.gz'; dest: string; maxBytes: number };

export type Outcome = { ok: true } | { ok: false; code: string; message: string };

const { task, port, flag } = workerData as { task: Task; port: MessagePort; flag: Int32Array };

run(task)
  .then((outcome) => finish(outcome), (error: unknown) => finish({ ok: false, code: 'failed', message: error instanceof Error ? error.message : String(error) }));

function finish(outcome: Outcome): void {
  port.postMessage(outcome);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

async function run(work: Task): Promise<Outcome> {
  return work.op === 'fetch' ? download(work) : extract(work);
}

async function download(work: Extract<Task, { op: 'fetch' }>): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(work.url, { signal: AbortSignal.timeout(work.timeoutMs), redirect: 'follow' });
  } catch (error) {
    return { ok: false, code: timedOut(error) ? 'timeout' : 'unreachable', message: causeOf(error) };
  }
  if (!response.ok || !response.body) return { ok: false, code: 'http-status', message: `HTTP ${response.status} ${response.statusText}`.trim() };
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > work.maxBytes) return { ok: false, code: 'too-large', message: `${declared} bytes is over the ${work.maxBytes}-byte limit` };
  // Streamed to disk: a registry archive can be large, and nothing needs it in memory.
  mkdirSync(dirname(work.dest), { recursive: true });
  const out = createWriteStream(work.dest);
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > work.maxBytes) {
        out.destroy();
        return { ok: false, code: 'too-large', message: `the body is over the ${work.maxBytes}-byte limit` };
      }
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    return { ok: false, code: timedOut(error) ? 'timeout' : 'unreachable', message: causeOf(error) };
  }
  return { ok: true };
}

/**
 * Extracts an archive as Weaver does: the single top-level folder of a release archive is
 * stripped; links, absolute paths and `..` are skipped, so nothing lands outside `dest`.
 */
async function extract(work: Extract<Task, { op: 'extract' }>): Promise<Outcome> {
  rmSync(work.dest, { recursive: true, force: true });
  mkdirSync(work.dest, { recursive: true });
  if (work.format === 'tar.gz') {
    let total = 0;
    let refused: Outcome | undefined;
    await tar.x({
      file: work.archive,
      cwd: work.dest,
      strip: 1,
      filter: (path, entry) => {
        // An entry that climbs out or starts at the root makes the whole archive suspect, as
        // yauzl treats zips; links are skipped, as Weaver skips them.
        if (path.startsWith('/') || /^[a-zA-Z]:/.test(path) || path.split(/[\\/]/).includes('..')) {
          refused ??= { ok: false, code: 'unsafe', message: `entry \`${path}\` points outside the archive` };
        }
        const type = 'type' in entry ? entry.type : 'File';
        if (type !== 'File' && type !== 'Directory') return false;
        total += 'size' in entry ? Number(entry.size) : 0;
        if (total > work.maxBytes) refused ??= { ok: false, code: 'too-large', message: `the archive expands beyond ${work.maxBytes} bytes` };
        return refused === undefined;
      },
    });
    return refused ?? { ok: true };
  }
  return extractZip(work);
}

async function extractZip(work: Extract<Task, { op: 'extract' }>): Promise<Outcome> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(work.archive, { lazyEntries: true, strictFileNames: true }, (error, file) => (error ? reject(error) : resolve(file)));
  });
  let total = 0;
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        const onEntry = (e: yauzl.Entry): void => { cleanup(); resolve(e); };
        const onEnd = (): void => { cleanup(); resolve(undefined); };
        const onError = (error: Error): void => { cleanup(); reject(error); };
        const cleanup = (): void => { zip.off('entry', onEntry); zip.off('end', onEnd); zip.off('error', onError); };
        zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
        zip.readEntry();
      });
      if (!entry) return { ok: true };
      // yauzl has already refused absolute names and `..`; strip the top-level folder.
      const parts = entry.fileName.split('/');
      const inner = parts.slice(1).join('/');
      if (inner === '' || entry.fileName.endsWith('/') || isLink(entry)) continue;
      total += entry.uncompressedSize;
      if (total > work.maxBytes) return { ok: false, code: 'too-large', message: `the archive expands beyond ${work.maxBytes} bytes` };
      const target = join(work.dest, posix.normalize(inner));
      mkdirSync(dirname(target), { recursive: true });
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s)));
      });
      await pipeline(stream, createWriteStream(target));
    }
  } finally {
    zip.close();
  }
}

/** A zip entry made on Unix with the symlink file mode. */
function isLink(entry: yauzl.Entry): boolean {
  return ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

function timedOut(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

