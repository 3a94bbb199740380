// Prints what passes through a destination, for people watching a terminal. Like the Collector's
// debug exporter it never fails a batch for its own sake: output problems are swallowed.
import { decodeLogs, decodeMetrics, decodeTraces, type AnyValue, type BatchView } from '@cairn/otlp';
import type { Exporter, ExportOutcome, OutboundBatch } from '../types.js';
import type { DebugConfig } from './config.js';

/** Where lines go: process.stdout by default, any writable (or a test's collector) otherwise. */
export interface DebugOutput {
  write(text: string): unknown;
}

const MAX_BODY = 120;

export class DebugExporter implements Exporter {
  readonly kind = 'debug';

  constructor(private readonly config: DebugConfig, private readonly output: DebugOutput = process.stdout) {}

  async export(batch: OutboundBatch): Promise<ExportOutcome> {
    let text: string;
    try {
      text = this.describe(batch);
    } catch (err) {
      text = `${batch.signal}: undecodable batch of ${batch.body.length} bytes: ${(err as Error).message}\n`;
    }
    try {
      this.output.write(text);
    } catch { /* a closed stdout must not stop delivery */ }
    return { kind: 'ok' };
  }

  async shutdown(): Promise<void> {}

  private describe(batch: OutboundBatch): string {
    const detailed = this.config.verbosity === 'detailed';
    const out: string[] = [];
    if (batch.signal === 'traces') {
      const view = decodeTraces(batch.body);
      out.push(`traces: ${plural(view.resourceCount, 'resource')}, ${plural(view.spanCount, 'span')}${from(view)}`);
      if (detailed) {
        const c = view.spans();
        while (c.next()) out.push(`  span ${JSON.stringify(c.name)} trace=${c.traceIdHex} span=${c.spanIdHex} ${ms(c.durationNanos)}`);
      }
    } else if (batch.signal === 'logs') {
      const view = decodeLogs(batch.body);
      out.push(`logs: ${plural(view.resourceCount, 'resource')}, ${plural(view.logCount, 'log record')}${from(view)}`);
      if (detailed) {
        const c = view.logs();
        while (c.next()) {
          const trace = c.traceIdHex ? ` trace=${c.traceIdHex}` : '';
          out.push(`  log ${c.severityText || `severity=${c.severityNumber}`} ${clip(show(c.body))}${trace}`);
        }
      }
    } else {
      const view = decodeMetrics(batch.body);
      out.push(`metrics: ${plural(view.resourceCount, 'resource')}, ${plural(view.metricCount, 'metric')}, ${plural(view.dataPointCount, 'data point')}${from(view)}`);
      if (detailed) {
        const m = view.metrics();
        const p = view.dataPoints();
        while (m.next()) {
          const [first, end] = m.pointRange;
          for (let i = first; i < end; i++) {
            p.seek(i);
            const value = p.type === 'number' ? String(p.value) : `count=${p.pointCount} sum=${p.sum}`;
            out.push(`  point ${m.name} ${value}${m.unit ? ` ${m.unit}` : ''}`);
          }
        }
      }
    }
    return `${out.join('\n')}\n`;
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** ` from checkout, cart-api`: the distinct service.name values of the batch's resources. */
function from(view: BatchView): string {
  const names = new Set<string>();
  for (let r = 0; r < view.resourceCount; r++) names.add(view.serviceName(r));
  return names.size ? ` from ${[...names].join(', ')}` : '';
}

function ms(nanos: number): string {
  return `${Math.round(nanos / 1e4) / 100}ms`;
}

function show(v: AnyValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Map) return JSON.stringify(Object.fromEntries([...v].map(([k, x]) => [k, show(x)])));
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return String(v);
}

function clip(s: string): string {
  return s.length > MAX_BODY ? `${s.slice(0, MAX_BODY)}…` : s;
}
