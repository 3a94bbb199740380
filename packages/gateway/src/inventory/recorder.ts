// The inventory's side of BatchProcessor (pipeline/process.ts): the tap and its CPU budget, so
// the processor only says when a batch starts, hands over the view, and says when it is done.
import { availableParallelism } from 'node:os';
import type { ResolvedRegistry } from '@cairn/conventions';
import type { BatchView } from '@cairn/otlp';
import { TapBudget } from './budget.js';
import { InventoryTap } from './tap.js';
import type { InventoryConfig, InventoryDelta } from './types.js';

export class InventoryRecorder {
  private tap: InventoryTap;
  private readonly budget: TapBudget;
  private registry: ResolvedRegistry | undefined;
  private started = 0;
  private tapMs = 0;
  private tapped = false;
  /** The process's CPU time at the previous batch (process-wide, all threads). */
  private lastCpu: NodeJS.CpuUsage | undefined;

  constructor(config: InventoryConfig, registry: ResolvedRegistry | undefined) {
    this.registry = registry;
    this.tap = new InventoryTap(registry);
    this.budget = new TapBudget(config.maxShare, Math.random, availableParallelism());
  }

  /** A reload: the tap starts afresh with the new registry (the budget keeps its averages). */
  setRegistry(registry: ResolvedRegistry | undefined): void {
    this.registry = registry;
    this.tap = new InventoryTap(registry);
  }

  /** A batch starts. */
  start(): void {
    this.started = performance.now();
    this.tapMs = 0;
    this.tapped = false;
  }

  /** What the batch carried, or undefined when the budget skips it. The tap never costs a batch: if it throws, this batch goes uncounted and the tap starts afresh. */
  record(view: BatchView): InventoryDelta | undefined {
    const weight = this.budget.next();
    if (weight === 0) return undefined;
    const t0 = performance.now();
    try {
      const delta = this.tap.record(view, weight);
      this.tapMs = performance.now() - t0;
      this.tapped = true;
      return delta;
    } catch {
      this.tap = new InventoryTap(this.registry);
      return undefined;
    }
  }

  /** The batch is done: the budget learns what it cost. */
  finish(): void {
    const cpu = process.cpuUsage();
    const cpuMs = this.lastCpu ? (cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / 1000 : undefined;
    this.lastCpu = cpu;
    this.budget.update(this.started, performance.now() - this.started - this.tapMs, this.tapMs, this.tapped, cpuMs);
  }

  /** For tests: the budget's current recording probability. */
  get probability(): number {
    return this.budget.probability;
  }
}
