// Hands a compiled strategy to a BatchProcessor: the one place where loader and engine meet.
import type { BatchProcessor } from '../pipeline/process.js';
import { compileStrategy } from './compile.js';
import type { StrategyContent } from './content.js';

/** Compiles `content` on this thread and swaps it into `processor`; throws before swapping. */
export function useStrategy(processor: BatchProcessor, content: StrategyContent): void {
  processor.setStrategy(compileStrategy(content));
}
