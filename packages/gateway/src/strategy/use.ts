// Hands a compiled strategy to a BatchProcessor: the one place where loader and engine meet.
import type { BatchProcessor } from '../pipeline/process.js';
import { compileStrategy } from './compile.js';
import type { StrategyContent } from './content.js';

/** Compiles `content` on this thread and swaps it into `processor`; throws before swapping. */
export function useStrategy(processor: BatchProcessor, content: StrategyContent): void {
  processor.setStrategy(compileStrategy(content));
  processor.setTail(tailDestinations(content));
}

/** Destinations with `sampling.tail` in the strategy. */
export function tailDestinations(content: StrategyContent): ReadonlySet<string> {
  return new Set(Object.entries(content.strategy?.destinations ?? {}).filter(([, d]) => d.tail).map(([name]) => name));
}
