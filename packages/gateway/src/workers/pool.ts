import { Worker } from 'node:worker_threads';
import type { GatewayConfig } from '../config/types.js';
import { BatchProcessor, type ProcessRequest, type ProcessResult } from '../pipeline/process.js';
import type { LedgerDelta } from '../stages/ledger.js';
import type { InventoryDelta } from '../inventory/types.js';
import type { StrategyContent } from '../strategy/content.js';
import { useStrategy } from '../strategy/use.js';
import { transferList } from './transfer.js';
import type { WorkerInit } from './worker.js';
import type { CompiledStrategy } from '../strategy/types.js';

interface Pending {
  resolve(result: ProcessResult | undefined): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
  conditionErrors: number;
}

/**
 * Runs BatchProcessor on `size` worker threads (the main thread keeps I/O), sending each batch
 * to the least busy one. `size: 0` runs it inline, for tests and tiny deployments. A worker that
 * dies fails its own batches (the receivers answer "retry") and is replaced.
 */
export class ProcessorPool {
  private readonly slots: Slot[] = [];
  private readonly inline: BatchProcessor | undefined;
  private nextId = 1;
  private closing = false;

  private content: StrategyContent;
  /** Called on the main thread with every processed batch's result (taps sum their deltas here). */
  readonly onResult: ((result: Extract<ProcessResult, { ok: true }>) => void)[] = [];
  /** Receives each batch's inventory delta (inventory/), when the tap is on. */
  onInventory: ((delta: InventoryDelta) => void) | undefined;

  /**
   * Each thread compiles its CompiledStrategy from `content` (plain data: functions cannot cross
   * threads); `onLedger` receives what the content stages did to each batch. `strategy`, an
   * already compiled strategy, is for inline processing (size 0) in tests and overrides `content`.
   */
  constructor(private readonly config: GatewayConfig, size: number, content: StrategyContent = { keys: {} }, private readonly onLedger?: (delta: LedgerDelta) => void, strategy?: CompiledStrategy) {
    if (strategy && size > 0) throw new Error('CAIRN_STRATEGY_INLINE: a compiled strategy object can only be used with inline processing (workers: 0)');
    this.content = { ...content, threads: Math.max(1, size) };
    if (size <= 0) {
      this.inline = new BatchProcessor(config);
      if (strategy) this.inline.setStrategy(strategy);
      else useStrategy(this.inline, content);
    }
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  /** Route conditions that failed at run time, over every thread. */
  get conditionErrors(): number {
    return this.inline ? this.inline.routeConditionErrors : this.slots.reduce((sum, slot) => sum + slot.conditionErrors, 0);
  }

  process(request: ProcessRequest): Promise<ProcessResult> {
    if (this.inline) {
      try {
        return Promise.resolve(this.account(this.inline.process(request)));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    let slot = this.slots[0]!;
    for (const candidate of this.slots) if (candidate.busy < slot.busy) slot = candidate;
    const id = this.nextId++;
    slot.busy++;
    return new Promise<ProcessResult>((resolve, reject) => {
      slot.pending.set(id, { resolve: (result) => (result ? resolve(result) : reject(new Error('worker answered without a result'))), reject });
      slot.worker.postMessage({ id, request }, transferList([request.body]));
    });
  }

  /**
   * Swaps the data strategy in every thread. Each thread compiles `content` and swaps it between
   * two batches; a thread started later (a replacement) starts with it. The caller compiled it
   * once on the main thread first, so a bad file never reaches a thread.
   */
  async reload(content: StrategyContent): Promise<void> {
    this.content = { ...content, threads: Math.max(1, this.slots.length) };
    if (this.inline) {
      useStrategy(this.inline, this.content);
      return;
    }
    await Promise.all(this.slots.map((slot) => {
      const id = this.nextId++;
      slot.busy++;
      return new Promise<void>((resolve, reject) => {
        slot.pending.set(id, { resolve: () => resolve(), reject });
        slot.worker.postMessage({ id, strategy: this.content });
      });
    }));
  }


  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private account(result: ProcessResult): ProcessResult {
    if (result.ok && result.ledger) this.onLedger?.(result.ledger);
    if (result.ok) for (const tap of this.onResult) tap(result);
    if (result.ok && result.inventory) this.onInventory?.(result.inventory);
    return result;
  }

  private spawn(): Slot {
    const init: WorkerInit = { config: this.config, content: this.content };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
    const slot: Slot = { worker, busy: 0, pending: new Map(), conditionErrors: 0 };
    worker.on('message', (message: { id: number; result?: ProcessResult; reloaded?: boolean; error?: string; conditionErrors?: number }) => {
      const pending = slot.pending.get(message.id);
      if (!pending) return;
      slot.pending.delete(message.id);
      slot.busy--;
      if (message.conditionErrors !== undefined) slot.conditionErrors = message.conditionErrors;
      if (message.result) pending.resolve(this.account(message.result));
      else if (message.reloaded) pending.resolve(undefined);
      else pending.reject(new Error(message.error ?? 'worker failed'));
    });
    const fail = (error: Error): void => {
      for (const pending of slot.pending.values()) pending.reject(error);
      slot.pending.clear();
      slot.busy = 0;
      const index = this.slots.indexOf(slot);
      // 'error' is followed by 'exit': replace the worker once.
      if (this.closing || index === -1) return;
      this.slots[index] = this.spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closing) fail(new Error(`processing worker exited with code ${code}`));
    });
    return slot;
  }
}
