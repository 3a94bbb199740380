// Sampling for one processing thread: a DestinationSampler per destination whose strategy entry
// has `sampling:`, built when the strategy is (re)loaded, run per routed destination after
// redact. Traces only: logs and metrics pass unsampled.
import type { TracesView } from '@cairn/otlp';
import type { CompiledStrategy } from '../../strategy/types.js';
import type { SamplingDelta } from './counts.js';
import { DestinationSampler, type SampleOutcome } from './sampler.js';
import { samplesSpans } from './config.js';

export class SamplingStage {
  private readonly samplers = new Map<string, DestinationSampler>();

  /** `clock`: a monotonic time in ms (intervals of the dynamic sampler and budgets). */
  constructor(strategy: CompiledStrategy, private readonly clock: () => number = () => performance.now()) {
    const threads = strategy.threads ?? 1;
    for (const [name, dest] of strategy.destinations) {
      if (dest.sampling && samplesSpans(dest.sampling)) this.samplers.set(name, new DestinationSampler(name, dest.sampling, threads));
    }
  }

  /** Whether `destination` samples (has `sampling:` in its strategy entry). */
  has(destination: string): boolean {
    return this.samplers.has(destination);
  }

  /**
   * Samples the request for one destination. `view` is the decoded request when `bytes` is its
   * very buffer (redact changed nothing), saving a second decode; otherwise `decode` reads
   * `bytes` (redact's output) with the processor's limits.
   */
  sample(destination: string, bytes: Uint8Array, view: TracesView, tenant: string, decode: (bytes: Uint8Array) => TracesView): SampleOutcome {
    const sampler = this.samplers.get(destination)!;
    const traces = view.bytes === bytes ? view : decode(bytes);
    return sampler.sample(traces, tenant, this.clock());
  }

  /** What every destination's sampler decided since the last call; undefined when nothing. */
  take(): SamplingDelta | undefined {
    const destinations = [];
    for (const sampler of this.samplers.values()) {
      const delta = sampler.recorder.take();
      if (delta) destinations.push(delta);
    }
    return destinations.length > 0 ? { destinations } : undefined;
  }
}
