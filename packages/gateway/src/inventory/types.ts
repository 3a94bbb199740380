// The inventory's data: what one batch carried, as a processing thread returns it with the
// processed batch (`result.inventory`, structured-cloned), and the config that shapes it.
// Never a value, except enum values and values of keys the registry declares `public`.
import type { Signal } from '@cairn/otlp';

/** Where an attribute sits. Resource and scope attributes are counted once per resource / scope. */
export type Place = 'resource' | 'scope' | 'span' | 'event' | 'link' | 'log' | 'point';
export const PLACES: readonly Place[] = ['resource', 'scope', 'span', 'event', 'link', 'log', 'point'];

/** One attribute key in one group, for one batch (or summed over many). */
export interface AttributeDelta {
  key: string;
  place: Place;
  /** Weaver type names seen: `string`, `int`, `double`, `boolean`, `string[]`, `bytes`, `any`… */
  types: string[];
  /** Events carrying it, re-weighted by the incoming sample rate. */
  count: number;
  /** Events carrying it as received. */
  observed: number;
  /** Bytes of the attribute (key and value as encoded), as received. */
  bytes: number;
  /** MergeableSketch.toBytes() of the values' hashes. */
  sketch: Uint8Array;
  /** Value counts, only for enum keys and keys declared `public` (bounded). */
  values?: Record<string, number>;
  /** PII detector hits on values of a key not declared pii/secret: detector → values matched. */
  findings?: Record<string, number>;
  /** String values the detectors looked at (a bounded sample per batch). */
  scanned?: number;
}

/** One (service, signal, name, kind): a span name, metric name, log event name, or `(resource)` / `(scope) NAME`. */
export interface GroupDelta {
  service: string;
  signal: Signal;
  name: string;
  /** Span kind (`server`, `client`…); '' for other signals. */
  kind: string;
  /** Records (spans, log records, data points, or resources/scopes for those groups), re-weighted. */
  events: number;
  observed: number;
  /** Spans that carried no attribute of the org's registry. */
  narrow: number;
  /** Spans with status ERROR, and of those the narrow ones (no business context). */
  errors: number;
  errorsNarrow: number;
  /** A few span names are enough for a report; the group's own name is the example. */
  attributes: AttributeDelta[];
}

export interface RouteDelta {
  service: string;
  route: string;
  spans: number;
  narrow: number;
}

export interface InventoryDelta {
  groups: GroupDelta[];
  routes: RouteDelta[];
  /** Groups or keys past the per-batch bounds, counted under `(other)`. */
  overflow: number;
}

export interface InventoryConfig {
  enabled: boolean;
  /** Bucket width in ms (default one hour). */
  bucketMs: number;
  /** How long buckets are kept, in ms (default 30 days). */
  retentionMs: number;
  /** Most attribute rows kept per bucket; past it, new keys are counted under `(other)`. */
  maxAttributes: number;
  /** Most of a processing thread's time the tap may take (0–1]; past it, batches are recorded with a probability and weighted. 1: every batch. */
  maxShare: number;
}

export const DEFAULT_INVENTORY: InventoryConfig = { enabled: false, bucketMs: 3_600_000, retentionMs: 30 * 86_400_000, maxAttributes: 20_000, maxShare: 0.15 };

export const OTHER = '(other)';
