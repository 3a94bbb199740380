// W3C baggage for trace fields. Outgoing: only the fields the policy lets travel, and no pii or
// secret key at all, whoever put it in the baggage. Incoming: allowlisted entries become trace
// fields of the local root.
import { propagation, trace, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import type { FieldPolicy } from '../policy.js';
import { REMOTE_TRACE_FIELDS } from './remote.js';
import type { TraceFieldsTable } from './table.js';

export class TraceFieldsPropagator implements TextMapPropagator {
  private readonly w3c = new W3CBaggagePropagator();

  constructor(
    private readonly table: TraceFieldsTable,
    private readonly policy: FieldPolicy | undefined,
  ) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const policy = this.policy;
    let baggage = propagation.getBaggage(context) ?? propagation.createBaggage();
    if (policy !== undefined) {
      for (const [key] of baggage.getAllEntries()) {
        const sensitivity = policy.sensitivityOf(key);
        if (sensitivity === 'pii' || sensitivity === 'secret') baggage = baggage.removeEntry(key);
      }
      const traceId = trace.getSpanContext(context)?.traceId;
      const fields = traceId === undefined ? undefined : this.table.get(traceId)?.fields;
      if (fields !== undefined) {
        for (const key in fields) {
          const value = fields[key];
          if (value === undefined || Array.isArray(value) || !policy.mayPropagate(key)) continue;
          baggage = baggage.setEntry(key, { value: String(value) });
        }
      }
    }
    if (baggage.getAllEntries().length > 0) this.w3c.inject(propagation.setBaggage(context, baggage), carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.w3c.extract(context, carrier, getter);
    const baggage = propagation.getBaggage(extracted);
    const policy = this.policy;
    if (baggage === undefined || policy === undefined) return extracted;
    let fields: Record<string, string | number | boolean> | undefined;
    for (const [key, entry] of baggage.getAllEntries()) {
      if (!policy.mayPropagate(key)) continue;
      const value = policy.fromBaggage(key, entry.value);
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') (fields ??= {})[key] = value;
    }
    return fields === undefined ? extracted : extracted.setValue(REMOTE_TRACE_FIELDS, fields);
  }

  fields(): string[] {
    return this.w3c.fields();
  }
}
