// The benchmark's moving parts: starting a gateway process, running the load generator in its
// own process, sampling a process's RSS, and waiting until the sink has what was sent.
import { isAbsolute } from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OtlpHttpSink } from '@cairn/gateway/testing';
import type { LoadPlan, LoadReport } from './loadgen.js';

const here = (name: string) => (isAbsolute(name) ? name : fileURLToPath(new URL(`./${name}`, import.meta.url)));

export interface Target {
  child: ChildProcess;
  port: number;
  /** The gateway's storage directory, removed by `stopTarget`: a run's queue can hold gigabytes. */
  storage?: string;
}

/**
 * Starts `script` (relative to this folder) with `args`; it prints {"http": port} when ready.
 * `storage`: the directory its queue lives in, removed when it stops.
 */
export function startTarget(script: string, args: string[], storage?: string): Promise<Target> {
  // BENCH_TARGET_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": node options for the
// gateways under test only (NODE_OPTIONS refuses --cpu-prof, and would reach every process).
  const nodeArgs = process.env.BENCH_TARGET_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, here(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve({ child, port: (JSON.parse(out.split('\n')[0]!) as { http: number }).http, ...(storage ? { storage } : {}) });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export async function stopTarget(target: Target): Promise<void> {
  if (target.child.exitCode === null) {
    const exited = new Promise((r) => target.child.once('exit', r));
    target.child.kill('SIGTERM');
    const timer = setTimeout(() => target.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (target.storage) rmSync(target.storage, { recursive: true, force: true });
}

/**
 * Runs the load generator in its own process. With `plan.warmupMs`, `onWarm` is called with the
 * spans acknowledged in the warm-up, and the measured phase starts once it resolves.
 */
export function runLoad(plan: LoadPlan, onWarm?: (acceptedSpans: number) => Promise<void>): Promise<LoadReport> {
  const child = spawn(process.execPath, [here('loadgen.js'), JSON.stringify(plan)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let failed: Error | undefined;
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0 || !out.startsWith('{"warm"')) return;
      const warm = (JSON.parse(out.slice(0, newline)) as { warm: number }).warm;
      out = out.slice(newline + 1);
      (onWarm ? onWarm(warm) : Promise.resolve()).then(
        () => child.stdin!.write('go\n'),
        (error: Error) => {
          failed = error;
          child.kill('SIGTERM');
        },
      );
    });
    child.once('exit', (code) => {
      if (failed) reject(failed);
      else if (code === 0) resolve(JSON.parse(out) as LoadReport);
      else reject(new Error(`load generator exited with ${code}`));
    });
  });
}

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 50 ms (worker threads included: they share the process). */
export class RssSampler {
  private peakKb: number;
  private readonly timer: NodeJS.Timeout;
  readonly startMiB: number;

  constructor(private readonly pid: number) {
    this.peakKb = rssKb(pid);
    this.startMiB = Math.round(this.peakKb / 1024);
    this.timer = setInterval(() => (this.peakKb = Math.max(this.peakKb, rssKb(this.pid))), 50);
  }

  stop(): number {
    clearInterval(this.timer);
    this.peakKb = Math.max(this.peakKb, rssKb(this.pid));
    return Math.round(this.peakKb / 1024);
  }
}

/**
 * Waits until the sink has counted `spans` spans (everything acknowledged so far reached it);
 * returns the wait in ms. Throws after `timeoutMs`: a gateway that lost acknowledged data, or
 * never drained, must not produce figures.
 */
export async function waitForSink(sink: OtlpHttpSink, spans: number, timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  while (sink.totals.spans < spans) {
    if (performance.now() - started > timeoutMs) throw new Error(`the sink has ${sink.totals.spans} of ${spans} spans after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - started;
}

export interface SustainedPlan {
  /** The sink the gateway sends to (cleared first). */
  sink: OtlpHttpSink;
  /** The corpus file the load generator sends. */
  corpus: string;
  spansPerRequest: number;
  connections: number;
  durationMs: number;
  warmupMs: number;
}

/**
 * The maximum sustained throughput of a fresh gateway process (`script` with `args`): closed loop
 * after a warm-up whose spans the sink has all counted; spans acknowledged ÷ (duration + the time
 * until the sink has them all), so queueing up is not throughput.
 */
export async function sustainedMax(script: string, args: string[], plan: SustainedPlan, storage?: string): Promise<number> {
  return (await sustainedRun(script, args, plan, false, storage)).spansPerSecond;
}

export interface SustainedRun {
  spansPerSecond: number;
  /** Spans acknowledged in the measured phase. */
  spans: number;
  /**
   * CPU seconds (user + system, all its threads) the gateway process used over the measured
   * phase, from /proc/<pid>/stat; undefined where there is no /proc. The cost of a feature on a
   * shared machine: throughput moves with what else runs, CPU per span much less.
   */
  cpuSeconds: number | undefined;
  /** The same for its main thread alone (/proc/<pid>/task/<pid>/stat): the rest is the processing, SQLite and V8 threads. */
  mainThreadCpuSeconds: number | undefined;
  /** The measured phase's answers by HTTP status, and the requests that failed without one. */
  statuses: Record<string, number>;
  errors: number;
  /** The measured phase's request latency (closed loop: from each send to its answer), ms. */
  latencyMs: { p50: number; p99: number };
  /** Spans acknowledged in each second of the measured phase (loadgen.ts), to see whether the rate was steady. */
  perSecond: number[];
}

/** sustainedMax, with the gateway process's CPU time over the measured phase (`cpu` false: not read, as sustainedMax has always run). */
export async function sustainedRun(script: string, args: string[], plan: SustainedPlan, cpu = true, storage?: string): Promise<SustainedRun> {
  const target = await startTarget(script, args, storage);
  try {
    plan.sink.clear();
    let base = 0;
    let cpu0: number | undefined;
    let main0: number | undefined;
    const report = await runLoad({ url: `http://127.0.0.1:${target.port}/v1/traces`, corpus: plan.corpus, spansPerRequest: plan.spansPerRequest, mode: 'closed', connections: plan.connections, durationMs: plan.durationMs, warmupMs: plan.warmupMs }, async (warm) => {
      await waitForSink(plan.sink, warm);
      base = plan.sink.totals.spans;
      if (!cpu) return;
      cpu0 = cpuSecondsOf(target.child.pid);
      main0 = cpuSecondsOf(target.child.pid, target.child.pid);
    });
    const drainMs = await waitForSink(plan.sink, base + report.acceptedSpans, 120_000);
    const cpu1 = cpu ? cpuSecondsOf(target.child.pid) : undefined;
    const main1 = cpu ? cpuSecondsOf(target.child.pid, target.child.pid) : undefined;
    return {
      spansPerSecond: Math.round(report.acceptedSpans / ((report.elapsedMs + drainMs) / 1000)),
      spans: report.acceptedSpans,
      cpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
      mainThreadCpuSeconds: main0 === undefined || main1 === undefined ? undefined : main1 - main0,
      statuses: report.statuses,
      errors: report.errors,
      latencyMs: { p50: report.latencyMs.p50, p99: report.latencyMs.p99 },
      perSecond: report.perSecond,
    };
  } finally {
    await stopTarget(target);
  }
}

let clockTicks: number | undefined;

/** utime + stime of a process (or of its thread `tid`) in seconds (/proc/<pid>/stat, fields 14 and 15), or undefined. */
export function cpuSecondsOf(pid: number | undefined, tid?: number): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}
