// The CPU the gateway may use, as the kernel enforces it. In a container with a CPU limit the
// machine's cores are the host's: `os.availableParallelism()` on a 64-core node with a 2-CPU
// limit says 64 (Node 20 reads the affinity mask, not the cgroup quota), so `workers: auto`
// would start 64 threads that the kernel throttles to two cores' worth, and the inventory's
// budget would judge "the machine is busy" by the whole node. So, like Go's automaxprocs and the
// JVM's container support, the quota of the process's cgroup is read when there is one:
//   - cgroup v2: `cpu.max` ("max 100000" or "<quota> <period>") of the process's group and its
//     ancestors (the smallest holds), with `cpu.stat`'s `usage_usec` for the busy time;
//   - cgroup v1: `cpu.cfs_quota_us` (-1: none) and `cpu.cfs_period_us` of the cpu hierarchy,
//     with `cpuacct.usage` (ns) for the busy time.
// A quota of at least the usable cores binds nothing, and the machine's cores are used, as is
// anything unreadable: these files are read once at start (the usage file at each sample), and
// a parse never throws.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';

export interface CpuCapacity {
  /** Cores' worth of CPU this process may use (a fraction under a quota like 1.5). */
  readonly cores: number;
  /** Where the figure comes from. */
  readonly source: 'cgroup2' | 'cgroup1' | 'host';
  /** The group whose quota binds (cgroup sources). */
  readonly group?: string;
  /**
   * Busy and total CPU milliseconds, cumulative, of what shares this capacity: the cgroup's
   * processes against quota × wall time, or the machine's cores. Differences of two samples
   * give the busy share over the window.
   */
  sample(): { busy: number; total: number };
}

/** Where to look, for tests: a /proc/self/cgroup text and the cgroup mount root. */
export interface CgroupPaths {
  readonly procSelfCgroup: string;
  readonly root: string;
}
const SYSTEM: CgroupPaths = { procSelfCgroup: '/proc/self/cgroup', root: '/sys/fs/cgroup' };

/** One line of /proc/self/cgroup: `hierarchy-id:controllers:path`; controllers '' is v2. */
export interface CgroupLine {
  readonly controllers: readonly string[];
  readonly path: string;
}

/** Parses /proc/self/cgroup; malformed lines are skipped (paths may contain ':'). */
export function parseProcCgroup(text: string): CgroupLine[] {
  const out: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    if (!/^\d+$/.test(line.slice(0, first))) continue;
    const path = line.slice(second + 1);
    if (!path.startsWith('/')) continue;
    const list = line.slice(first + 1, second);
    out.push({ controllers: list === '' ? [] : list.split(','), path });
  }
  return out;
}

/** Cores' worth in a quota and period (v2 `cpu.max` or v1's two files); undefined: no limit or unreadable. */
export function quotaCores(quota: string, period: string): number | undefined {
  const q = quota.trim();
  const p = period.trim();
  if (!/^\d{1,15}$/.test(q) || !/^\d{1,15}$/.test(p)) return undefined; // "max", "-1", junk
  const qn = Number(q);
  const pn = Number(p);
  if (qn <= 0 || pn <= 0) return undefined;
  return qn / pn;
}

/** v2 `cpu.max`: "<quota|max> <period>". */
export function parseCpuMax(text: string): number | undefined {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2) return undefined;
  return quotaCores(parts[0]!, parts[1]!);
}

/** v2 `cpu.stat`'s usage_usec, in ms; undefined when absent or malformed. */
export function parseCpuStatUsageMs(text: string): number | undefined {
  const m = /^usage_usec (\d{1,20})$/m.exec(text);
  return m ? Number(m[1]) / 1000 : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The directory of `path` under `mount`. Without a cgroup namespace /proc/self/cgroup shows the
 * host's path and the mount holds the whole tree; inside one the path is '/' (or the mount holds
 * only the container's group), so a path that does not exist falls back to the mount itself.
 */
function groupDir(mount: string, path: string): string | undefined {
  if (!existsSync(mount)) return undefined;
  const joined = join(mount, path);
  if (!joined.startsWith(mount)) return mount; // '..' in a path: never leave the mount
  return existsSync(joined) ? joined : mount;
}

function v2(paths: CgroupPaths, line: CgroupLine, usable: number, now: () => number): CpuCapacity | undefined {
  // A pure v2 host mounts it at the root; a hybrid one at root/unified.
  const mount = existsSync(join(paths.root, 'cgroup.controllers')) ? paths.root : join(paths.root, 'unified');
  const dir = groupDir(mount, line.path);
  if (dir === undefined) return undefined;
  let best: { cores: number; dir: string } | undefined;
  for (let d = dir; d.startsWith(mount); d = dirname(d)) {
    const text = read(join(d, 'cpu.max'));
    const cores = text === undefined ? undefined : parseCpuMax(text);
    if (cores !== undefined && (best === undefined || cores < best.cores)) best = { cores, dir: d };
    if (d === mount) break;
  }
  if (best === undefined || best.cores >= usable) return undefined;
  const stat = join(best.dir, 'cpu.stat');
  if (parseCpuStatUsageMs(read(stat) ?? '') === undefined) return undefined;
  const { cores, dir: group } = best;
  return {
    cores, source: 'cgroup2', group,
    sample: () => ({ busy: parseCpuStatUsageMs(read(stat) ?? '') ?? 0, total: now() * cores }),
  };
}

function v1(paths: CgroupPaths, lines: readonly CgroupLine[], usable: number, now: () => number): CpuCapacity | undefined {
  const cpuLine = lines.find((l) => l.controllers.includes('cpu'));
  const acctLine = lines.find((l) => l.controllers.includes('cpuacct'));
  if (cpuLine === undefined || acctLine === undefined) return undefined;
  const mountOf = (l: CgroupLine, name: string): string => {
    const joined = join(paths.root, l.controllers.join(','));
    return existsSync(joined) ? joined : join(paths.root, name);
  };
  const cpuDir = groupDir(mountOf(cpuLine, 'cpu'), cpuLine.path);
  const acctDir = groupDir(mountOf(acctLine, 'cpuacct'), acctLine.path);
  if (cpuDir === undefined || acctDir === undefined) return undefined;
  const cores = quotaCores(read(join(cpuDir, 'cpu.cfs_quota_us')) ?? '', read(join(cpuDir, 'cpu.cfs_period_us')) ?? '');
  if (cores === undefined || cores >= usable) return undefined;
  const usage = join(acctDir, 'cpuacct.usage');
  const usageMs = (): number | undefined => {
    const t = (read(usage) ?? '').trim();
    return /^\d{1,20}$/.test(t) ? Number(t) / 1e6 : undefined;
  };
  if (usageMs() === undefined) return undefined;
  return { cores, source: 'cgroup1', group: cpuDir, sample: () => ({ busy: usageMs() ?? 0, total: now() * cores }) };
}

/** The machine's cores, busy and total over all of them since boot (os.cpus() reads /proc/stat). */
function host(usable: number): CpuCapacity {
  return {
    cores: usable,
    source: 'host',
    sample() {
      let busy = 0;
      let total = 0;
      for (const { times } of cpus()) {
        const b = times.user + times.nice + times.sys + times.irq;
        busy += b;
        total += b + times.idle;
      }
      return { busy, total };
    },
  };
}

/**
 * Reads the process's CPU capacity: a cgroup quota below the usable cores (v2 first, then v1),
 * else the machine. `usable` defaults to availableParallelism() (the affinity mask).
 */
export function detectCpuCapacity(paths: CgroupPaths = SYSTEM, usable = availableParallelism(), now: () => number = () => performance.now()): CpuCapacity {
  const text = read(paths.procSelfCgroup);
  if (text !== undefined) {
    const lines = parseProcCgroup(text);
    const unified = lines.find((l) => l.controllers.length === 0);
    const found = (unified && v2(paths, unified, usable, now)) ?? v1(paths, lines, usable, now);
    if (found !== undefined) return found;
  }
  return host(usable);
}

let detected: CpuCapacity | undefined;
/** The process's capacity, detected once. */
export function cpuCapacity(): CpuCapacity {
  return (detected ??= detectCpuCapacity());
}

/**
 * `workers: auto`: one processing thread per whole core the process may use, at least one. A
 * fraction is rounded down, as automaxprocs does: the main thread (receivers, queue, exporters)
 * needs its share of the quota too.
 */
export function autoWorkers(capacity: CpuCapacity = cpuCapacity()): number {
  return Math.max(1, Math.floor(capacity.cores + 1e-9));
}
