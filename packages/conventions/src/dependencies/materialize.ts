import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { formatRegistryPath, type RegistryPath } from './registry-path.js';
import type { Outcome, Task } from './worker.js';

export interface MaterializeOptions {
  /** Relative local paths resolve against this directory (Weaver: the working directory). */
  cwd: string;
  /** Downloads and extracted archives live under `<cacheDir>/registries/`. */
  cacheDir: string;
  /** How long one download may take, start to end. */
  fetchTimeoutMs: number;
}

/** A dependency on local disk: a directory, or a file (a published registry's resolved schema or manifest). */
export type Materialized = { ok: true; root: string } | { ok: false; id: string; message: string; hint?: string };

const MAX_BYTES = 512 * 1024 * 1024;
/** Extracting a local archive is bounded too, so a broken worker never hangs the loader. */
const EXTRACT_TIMEOUT_MS = 120_000;

/** `CAIRN_CACHE_DIR`, else `$XDG_CACHE_HOME/cairn`, else `~/.cache/cairn`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAIRN_CACHE_DIR) return resolve(env.CAIRN_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'cairn');
}

/** `CAIRN_FETCH_TIMEOUT_MS` when it is a positive integer, else 30 s. */
export function defaultFetchTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.CAIRN_FETCH_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : 30_000;
}

/**
 * Makes a dependency available on disk. Local directories are used in place; archives are
 * extracted, and URLs downloaded, once into the cache (keyed by a hash of the URL, or of the
 * archive's path, size and mtime) and reused from there, so a second run needs no network.
 */
export function materialize(path: RegistryPath, options: MaterializeOptions): Materialized {
  const shown = formatRegistryPath(path);
  switch (path.kind) {
    case 'local': {
      const root = resolve(options.cwd, path.path);
      return existsSync(root) ? { ok: true, root } : notFound(shown, root, options.cwd);
    }
    case 'local-archive': {
      const archive = resolve(options.cwd, path.path);
      let stat;
      try {
        stat = statSync(archive);
      } catch {
        return notFound(shown, archive, options.cwd);
      }
      const entry = join(options.cacheDir, 'registries', `archive-${hash(`${archive}\0${stat.size}\0${stat.mtimeMs}`)}`);
      return extracted(entry, archive, path.format, path.subFolder, shown);
    }
    case 'remote-archive': {
      const entry = join(options.cacheDir, 'registries', hash(path.url));
      const tree = join(entry, 'tree');
      const file = join(entry, `download.${path.format}`);
      if (!existsSync(join(tree, '.complete'))) {
        const fetched = download(path.url, file, options);
        if (!fetched.ok) return fetched;
      }
      const result = extracted(entry, file, path.format, path.subFolder, shown);
      // A download that does not extract is dropped, so the next run fetches it again.
      if (!result.ok && result.id === 'schema.dependency-unreadable') rmSync(file, { force: true });
      return result;
    }
    case 'remote-file': {
      const entry = join(options.cacheDir, 'registries', hash(path.url));
      const name = posix.basename(new URL(path.url).pathname) || 'resolved_schema.yaml';
      const file = join(entry, 'file', name);
      if (!existsSync(file)) {
        const fetched = download(path.url, file, options);
        if (!fetched.ok) return fetched;
      }
      return { ok: true, root: file };
    }
    case 'git':
      return { ok: false, id: 'schema.unsupported', message: `unsupported: git repository dependency \`${shown}\``, hint: 'point `registry_path` at a release archive (`.zip` / `.tar.gz`) or a local clone' };
  }
}

function download(url: string, file: string, options: MaterializeOptions): Materialized {
  if (existsSync(file)) return { ok: true, root: file };
  const temporary = `${file}.${process.pid}.part`;
  const outcome = runTask({ op: 'fetch', url, dest: temporary, timeoutMs: options.fetchTimeoutMs, maxBytes: MAX_BYTES }, options.fetchTimeoutMs);
  if (!outcome.ok) {
    rmSync(temporary, { force: true });
    const why = outcome.code === 'timeout' ? `no answer within ${options.fetchTimeoutMs} ms` : outcome.message;
    return {
      ok: false, id: 'schema.dependency-unavailable',
      message: `cannot fetch dependency ${url} (${why}), and the cache holds no copy of it`,
      hint: `run once with network access to fill the cache (${options.cacheDir}), or use a local path`,
    };
  }
  renameSync(temporary, file);
  // Says which URL a cache folder (named by the URL's hash) holds.
  writeFileSync(join(file, '..', 'url.txt'), `${url}\n`);
  return { ok: true, root: file };
}

function extracted(entry: string, archive: string, format: 'zip' | 'tar.gz', subFolder: string | undefined, shown: string): Materialized {
  const tree = join(entry, 'tree');
  if (!existsSync(join(tree, '.complete'))) {
    const temporary = `${tree}.${process.pid}.part`;
    const outcome = runTask({ op: 'extract', archive, format, dest: temporary, maxBytes: MAX_BYTES }, EXTRACT_TIMEOUT_MS);
    if (!outcome.ok) {
      rmSync(temporary, { recursive: true, force: true });
      return { ok: false, id: 'schema.dependency-unreadable', message: `cannot extract archive ${shown}: ${outcome.message}` };
    }
    writeFileSync(join(temporary, '.complete'), '');
    try {
      renameSync(temporary, tree);
    } catch (error) {
      // Another process extracted the same archive first: use its tree, never pull it away.
      rmSync(temporary, { recursive: true, force: true });
      if (!existsSync(join(tree, '.complete'))) throw error;
    }
  }
  const root = subFolder ? join(tree, subFolder) : tree;
  if (!existsSync(root)) {
    return { ok: false, id: 'schema.dependency-not-found', message: `archive ${shown} has no folder \`${subFolder}\` below its top-level folder`, hint: 'name a folder inside the archive, e.g. `[model]`' };
  }
  return { ok: true, root };
}

function notFound(shown: string, absolute: string, cwd: string): Materialized {
  return {
    ok: false, id: 'schema.dependency-not-found',
    message: `dependency \`${shown}\` does not exist (resolved to ${absolute})`,
    hint: `relative dependency paths resolve against the working directory (${cwd}), as Weaver's do`,
  };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * Runs one task on a worker thread and blocks until it reports, at most `budgetMs` plus a
 * margin: the worker's own timeouts end a download first, this bound ends everything else.
 */
function runTask(task: Task, budgetMs: number): Outcome {
  mkdirSync(join(task.dest, '..'), { recursive: true });
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { task, port: port2, flag }, transferList: [port2] });
  worker.unref();
  try {
    const waited = Atomics.wait(flag, 0, 0, budgetMs + 5_000);
    const message = receiveMessageOnPort(port1)?.message as Outcome | undefined;
    if (message) return message;
    return { ok: false, code: waited === 'timed-out' ? 'timeout' : 'failed', message: waited === 'timed-out' ? `gave up after ${budgetMs} ms` : 'the worker stopped without an answer' };
  } finally {
    port1.close();
    void worker.terminate();
  }
}
