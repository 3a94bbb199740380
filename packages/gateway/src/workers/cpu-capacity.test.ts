// The CPU capacity under container quotas: cgroup v2 and v1 trees written to disk the way the
// kernel lays them out, the fallbacks, and this machine's real answer.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { autoWorkers, detectCpuCapacity, parseCpuMax, parseCpuStatUsageMs, parseProcCgroup, quotaCores } from './cpu-capacity.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A fake root: `files` maps a path under it to its content; returns the paths to detect with. */
function tree(procSelfCgroup: string, files: Record<string, string>): { procSelfCgroup: string; root: string } {
  const base = mkdtempSync(join(tmpdir(), 'cairn-cgroup-'));
  dirs.push(base);
  const root = join(base, 'sys-fs-cgroup');
  mkdirSync(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  writeFileSync(join(base, 'cgroup'), procSelfCgroup);
  return { procSelfCgroup: join(base, 'cgroup'), root };
}

let clock = 0;
const now = (): number => clock;

describe('CPU capacity', () => {
  it('cgroup v2: the smallest cpu.max of the group and its ancestors holds, with that group usage', () => {
    const paths = tree('0::/kubepods/pod1/ctr\n', {
      'cgroup.controllers': 'cpu memory',
      'kubepods/cpu.max': 'max 100000',
      'kubepods/pod1/cpu.max': '150000 100000',
      'kubepods/pod1/cpu.stat': 'usage_usec 5000000\nuser_usec 4000000\n',
      'kubepods/pod1/ctr/cpu.max': '400000 100000',
      'kubepods/pod1/ctr/cpu.stat': 'usage_usec 1\n',
    });
    clock = 1000;
    const c = detectCpuCapacity(paths, 64, now);
    assert.equal(c.source, 'cgroup2');
    assert.equal(c.cores, 1.5);
    assert.equal(c.group, join(paths.root, 'kubepods/pod1'));
    assert.deepEqual(c.sample(), { busy: 5000, total: 1500 });
    writeFileSync(join(paths.root, 'kubepods/pod1/cpu.stat'), 'usage_usec 5600000\n');
    clock = 2000;
    const s = c.sample();
    // 600 ms busy over 1 s of a 1.5-core quota: 40% busy.
    assert.equal((s.busy - 5000) / (s.total - 1500), 0.4);
    assert.equal(autoWorkers(c), 1);
  });

  it('cgroup v2 inside a namespace: the path "/" is the mount itself; "max" binds nothing', () => {
    const limited = tree('0::/\n', { 'cgroup.controllers': '', 'cpu.max': '200000 100000', 'cpu.stat': 'usage_usec 10\n' });
    const c = detectCpuCapacity(limited, 8, now);
    assert.equal(c.source, 'cgroup2');
    assert.equal(c.cores, 2);
    assert.equal(autoWorkers(c), 2);
    const open = tree('0::/\n', { 'cgroup.controllers': '', 'cpu.max': 'max 100000', 'cpu.stat': 'usage_usec 10\n' });
    assert.equal(detectCpuCapacity(open, 8, now).source, 'host');
  });

  it('a path missing under the mount (another namespace) falls back to the mount; ".." never leaves it', () => {
    const paths = tree('0::/../../etc\n', { 'cgroup.controllers': '', 'cpu.max': '100000 100000', 'cpu.stat': 'usage_usec 10\n' });
    const c = detectCpuCapacity(paths, 4, now);
    assert.equal(c.cores, 1);
    assert.equal(c.group, paths.root);
  });

  it('a quota of at least the usable cores binds nothing: the machine is used', () => {
    const paths = tree('0::/\n', { 'cgroup.controllers': '', 'cpu.max': '800000 100000', 'cpu.stat': 'usage_usec 10\n' });
    const c = detectCpuCapacity(paths, 4, now);
    assert.equal(c.source, 'host');
    assert.equal(c.cores, 4);
  });

  it('cgroup v1: cpu.cfs_quota_us over the period, cpuacct.usage in ns, combined or separate mounts', () => {
    const combined = tree('12:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n0::/\n', {
      'unified/cgroup.procs': '',
      'cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '50000\n',
      'cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n',
      'cpu,cpuacct/docker/abc/cpuacct.usage': '2000000000\n',
    });
    clock = 0;
    const c = detectCpuCapacity(combined, 16, now);
    assert.equal(c.source, 'cgroup1');
    assert.equal(c.cores, 0.5);
    assert.deepEqual(c.sample(), { busy: 2000, total: 0 });
    assert.equal(autoWorkers(c), 1);

    const separate = tree('2:cpuacct:/\n1:cpu:/\n', {
      'cpu/cpu.cfs_quota_us': '300000',
      'cpu/cpu.cfs_period_us': '100000',
      'cpuacct/cpuacct.usage': '7',
    });
    assert.equal(detectCpuCapacity(separate, 16, now).cores, 3);

    const unlimited = tree('1:cpu,cpuacct:/\n', {
      'cpu,cpuacct/cpu.cfs_quota_us': '-1',
      'cpu,cpuacct/cpu.cfs_period_us': '100000',
      'cpu,cpuacct/cpuacct.usage': '7',
    });
    assert.equal(detectCpuCapacity(unlimited, 16, now).source, 'host');
  });

  it('unreadable or missing files fall back to the machine, never throw', () => {
    assert.equal(detectCpuCapacity({ procSelfCgroup: '/nonexistent/cgroup', root: '/nonexistent' }, 4, now).source, 'host');
    const noStat = tree('0::/\n', { 'cgroup.controllers': '', 'cpu.max': '100000 100000' });
    assert.equal(detectCpuCapacity(noStat, 4, now).source, 'host');
    const junk = tree('garbage\n::\n0:x\n', { 'cpu.max': '1 2 3' });
    assert.equal(detectCpuCapacity(junk, 4, now).source, 'host');
  });

  it('this machine: an answer whose samples move forward', () => {
    const c = detectCpuCapacity();
    assert.ok(c.cores > 0 && c.cores <= availableParallelism(), `${c.source} ${c.cores}`);
    const a = c.sample();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += i;
    assert.ok(x > 0);
    const b = c.sample();
    assert.ok(b.busy >= a.busy && b.total >= a.total);
    assert.ok(autoWorkers(c) >= 1);
  });

  it('the parsers never throw, and read back what they are given (fast-check)', () => {
    const runs = process.env.CI === 'true' ? 200 : 1000;
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (text) => {
      parseProcCgroup(text);
      parseCpuMax(text);
      parseCpuStatUsageMs(text);
      quotaCores(text, text);
    }), { numRuns: runs });
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e7 }), (q, p) => {
      assert.equal(parseCpuMax(`${q} ${p}\n`), q / p);
      assert.equal(parseCpuMax(`max ${p}`), undefined);
    }), { numRuns: runs });
    fc.assert(fc.property(fc.array(fc.record({
      id: fc.nat(20),
      controllers: fc.array(fc.constantFrom('cpu', 'cpuacct', 'memory', 'name=systemd'), { maxLength: 3 }),
      path: fc.stringMatching(/^\/[a-z0-9:/._-]{0,30}$/),
    }), { maxLength: 6 }), (lines) => {
      const parsed = parseProcCgroup(lines.map((l) => `${l.id}:${l.controllers.join(',')}:${l.path}`).join('\n'));
      assert.deepEqual(parsed, lines.map((l) => ({ controllers: l.controllers, path: l.path })));
    }), { numRuns: runs });
  });
});
