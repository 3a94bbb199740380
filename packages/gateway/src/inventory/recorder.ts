// The inventory's side of BatchProcessor (pipeline/process.ts): the tap and its CPU budget, so
// the processor only says when a batch starts, hands over the view, and says when it is done.
import type { ResolvedRegistry } from '@cairn/conventions';
import type { BatchView } from '@cairn/otlp';
import { cpuCapacity } from '../workers/cpu-capacity.js';
import { TapBudget } from './budget.js';
import { InventoryTap } from './tap.js';
import type { InventoryConfig, InventoryDelta } from './types.js';

/**
 * The process's and the machine's CPU time are read at most this often: process.cpuUsage() is a
 * syscall summing every thread, and read per batch it was ~12% of a gateway worker's samples
 * (profiled under the gateway benchmark); os.cpus() reads /proc (~70 µs), a cgroup's usage a file.
 */
export const CPU_SAMPLE_MS = 50;

/**
 * The recorder's clocks (tests pass their own): a monotonic ms clock, the process's CPU time, and
 * the machine's: cumulative busy and total ms over its cores, or over a container's CPU quota
 * (workers/cpu-capacity.ts).
 */
export interface RecorderClock {
  now(): number;
  cpuUsage(): NodeJS.CpuUsage;
  machine(): { busy: number; total: number };
}
const SYSTEM_CLOCK: RecorderClock = {
  now: () => performance.now(),
  cpuUsage: () => process.cpuUsage(),
  machine: () => cpuCapacity().sample(),
};

export class InventoryRecorder {
  private tap: InventoryTap;
  private readonly budget: TapBudget;
  /** `max_share: 1`: every batch is recorded, so the budget has nothing to measure. */
  private readonly exact: boolean;
  private registry: ResolvedRegistry | undefined;
  private started = 0;
  private tapMs = 0;
  private tapped = false;
  /** The process's CPU time (process-wide, all threads) when last read, and when that was. */
  private lastCpu: NodeJS.CpuUsage | undefined;
  private lastMachine: { busy: number; total: number } | undefined;
  private cpuAt = -Infinity;

  constructor(config: InventoryConfig, registry: ResolvedRegistry | undefined, private readonly clock: RecorderClock = SYSTEM_CLOCK) {
    this.registry = registry;
    this.tap = new InventoryTap(registry);
    this.exact = config.maxShare >= 1;
    this.budget = new TapBudget(config.maxShare, Math.random, cpuCapacity().cores);
  }

  /** A reload: the tap starts afresh with the new registry (the budget keeps its averages). */
  setRegistry(registry: ResolvedRegistry | undefined): void {
    this.registry = registry;
    this.tap = new InventoryTap(registry);
  }

  /** A batch starts. */
  start(): void {
    if (this.exact) return;
    this.started = this.clock.now();
    this.tapMs = 0;
    this.tapped = false;
  }

  /** What the batch carried, or undefined when the budget skips it. The tap never costs a batch: if it throws, this batch goes uncounted and the tap starts afresh. */
  record(view: BatchView): InventoryDelta | undefined {
    const weight = this.budget.next();
    if (weight === 0) return undefined;
    const t0 = this.exact ? 0 : this.clock.now();
    try {
      const delta = this.tap.record(view, weight);
      if (!this.exact) this.tapMs = this.clock.now() - t0;
      this.tapped = true;
      return delta;
    } catch {
      this.tap = new InventoryTap(this.registry);
      return undefined;
    }
  }

  /** The batch is done: the budget learns what it cost. */
  finish(): void {
    if (this.exact) return;
    const now = this.clock.now();
    let cpuMs: number | undefined;
    let windowMs: number | undefined;
    let machineShare = 0;
    if (now - this.cpuAt >= CPU_SAMPLE_MS) {
      const cpu = this.clock.cpuUsage();
      const machine = this.clock.machine();
      if (this.lastCpu && this.lastMachine) {
        cpuMs = (cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / 1000;
        windowMs = now - this.cpuAt;
        const total = machine.total - this.lastMachine.total;
        if (total > 0) machineShare = (machine.busy - this.lastMachine.busy) / total;
      }
      this.lastCpu = cpu;
      this.lastMachine = machine;
      this.cpuAt = now;
    }
    this.budget.update(this.started, now - this.started - this.tapMs, this.tapMs, this.tapped, cpuMs, windowMs, machineShare);
  }

  /** For tests: the budget's current recording probability. */
  get probability(): number {
    return this.budget.probability;
  }
}
