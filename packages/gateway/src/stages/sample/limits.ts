// Limits on a kept span: string attribute values truncated to a length (UTF-8 bytes, on a
// character boundary), attributes past a count removed, events past a count removed. Removed
// attributes and events are added to the span's dropped_*_count, as OTLP asks.
import { ValueType, type AttributeCursor, type BatchEditor, type SpanCursor } from '@cairn/otlp';
import { truncate } from '../redact/pseudonymise.js';
import type { LimitsDocument } from './config.js';
import type { DecisionCount } from './counts.js';

const DROPPED_ATTRIBUTES_COUNT = 10;
const EVENTS = 11;
const DROPPED_EVENTS_COUNT = 12;

export interface LimitCounts {
  length: DecisionCount;
  attributes: DecisionCount;
  events: DecisionCount;
}

/**
 * Applies `limits` to span `i` (the cursor's position) through `editor`, or only counts what they
 * would do when `editor` is undefined (dry run). `kept` counts spans changed, `dropped` values
 * truncated or removed.
 */
export function applyLimits(spans: SpanCursor, i: number, limits: LimitsDocument, attrs: AttributeCursor, editor: BatchEditor<'span'> | undefined, counts: LimitCounts): void {
  const maxLength = limits.max_attribute_value_length;
  const maxAttributes = limits.max_attributes_per_span;
  if (maxLength !== undefined || maxAttributes !== undefined) {
    spans.attributes(attrs);
    let n = 0;
    let removed = 0;
    let truncated = 0;
    while (attrs.next()) {
      n++;
      if (maxAttributes !== undefined && n > maxAttributes) {
        editor?.deleteAttribute('span', i, attrs.key);
        removed++;
        continue;
      }
      if (maxLength !== undefined && attrs.valueType === ValueType.String && attrs.valueTo - attrs.valueAt > maxLength) {
        editor?.setAttribute('span', i, attrs.key, truncate(attrs.stringValue!, maxLength));
        truncated++;
      }
    }
    if (removed > 0) {
      editor?.setField('span', i, DROPPED_ATTRIBUTES_COUNT, spans.droppedAttributesCount + removed);
      counts.attributes.kept++;
      counts.attributes.dropped += removed;
    }
    if (truncated > 0) {
      counts.length.kept++;
      counts.length.dropped += truncated;
    }
  }
  const maxEvents = limits.max_events_per_span;
  if (maxEvents !== undefined) {
    const events = spans.eventCount;
    if (events > maxEvents) {
      editor?.keepFirst('span', i, EVENTS, maxEvents).setField('span', i, DROPPED_EVENTS_COUNT, spans.droppedEventsCount + events - maxEvents);
      counts.events.kept++;
      counts.events.dropped += events - maxEvents;
    }
  }
}
