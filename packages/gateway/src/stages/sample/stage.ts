// Sampling for one processing thread: a DestinationSampler per destination whose strategy entry
// has `sampling:`, built when the strategy is (re)loaded, run per routed destination after
// redact. Traces only: logs and metrics pass unsampled.
import type { TracesView } from '@cairn/otlp';
import type { CompiledStrategy } from '../../strategy/types.js';
import type { SamplingDelta } from './counts.js';
import { ContentInvariance, type ContentLens } from '../invariance.js';
import { DestinationSampler, type SampleOutcome, type SamplePlan } from './sampler.js';
import { samplesSpans } from './config.js';

export class SamplingStage {
  private readonly samplers = new Map<string, DestinationSampler>();
  /** Destinations whose sampler reads only what the content walk leaves as sent (`decidesBeforeContent`). */
  private readonly first = new Set<string>();

  /** `clock`: a monotonic time in ms (intervals of the dynamic sampler and budgets). */
  constructor(strategy: CompiledStrategy, private readonly clock: () => number = () => performance.now()) {
    const threads = strategy.threads ?? 1;
    const invariance = new ContentInvariance(strategy);
    for (const [name, dest] of strategy.destinations) {
      if (!dest.sampling || !samplesSpans(dest.sampling)) continue;
      const sampler = new DestinationSampler(name, dest.sampling, threads);
      this.samplers.set(name, sampler);
      if (sampler.decidesBeforeContent((key, use) => invariance.key(dest, key, use), invariance.names(dest))) this.first.add(name);
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

  /**
   * Whether `destination` decides on the request before its content walk: the gateway then
   * walks only the kept spans (`decide`, `dropUnkept`, the walk, `stampKept`), and the output is
   * the one `sample` gives after the walk (stages/invariance.ts; decide-first.property.test.ts).
   */
  decidesFirst(destination: string): boolean {
    return this.first.has(destination);
  }

  /** Decides every span of `view` (the request the content walk would read) for `destination`. */
  decide(destination: string, view: TracesView, tenant: string, lens: ContentLens): SamplePlan {
    return this.samplers.get(destination)!.decide(view, tenant, this.clock(), lens);
  }

  /** `view` without the spans `plan` drops; `view.bytes` itself when it keeps them all. */
  dropUnkept(destination: string, view: TracesView, plan: SamplePlan): Uint8Array {
    return plan.kept === view.spanCount ? view.bytes : this.samplers.get(destination)!.dropUnkept(view, plan);
  }

  /** The walked kept spans with their weights written. */
  stampKept(destination: string, view: TracesView, plan: SamplePlan): Uint8Array {
    return this.samplers.get(destination)!.stampKept(view, plan);
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
