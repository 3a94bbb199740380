// Hands a compiled strategy to a BatchProcessor: the one place where loader and engine meet.
import type { BatchProcessor } from '../pipeline/process.js';
import { compileStrategy } from './compile.js';
import type { StrategyContent } from './content.js';
import type { CompiledStrategy } from './types.js';

interface StrategyAware {
  setStrategy?(strategy: CompiledStrategy | undefined): void;
}

/** Compiles `content` on this thread and swaps it into `processor`; throws before swapping. */
export function useStrategy(processor: BatchProcessor, content: StrategyContent): void {
  const strategy = compileStrategy(content);
  (processor as unknown as StrategyAware).setStrategy?.(strategy);
}
