// ExportMetricsServiceRequest as a lazy view. Field numbers: opentelemetry/proto/metrics/v1/metrics.proto.
import type { DecodeOptions } from '../wire/limits.js';
import { BatchEditor } from '../batch/edit.js';
import { BatchView, IndexedCursor, Level, NestedCursor } from '../batch/view.js';
import type { AttributeCursor } from '../batch/attributes.js';
import { keepHiddenClass } from '../batch/anchor.js';
import { schema } from '../schema/otlp.js';

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary' | 'empty';
export type DataPointType = 'number' | 'histogram' | 'exponentialHistogram' | 'summary';

const METRIC_TYPES: [number, MetricType][] = [[5, 'gauge'], [7, 'sum'], [9, 'histogram'], [10, 'exponentialHistogram'], [11, 'summary']];
/** MetricType by the field number of the metric's data (0: none). */
const METRIC_TYPE_OF_FIELD: MetricType[] = ['empty'];
for (const [no, type] of METRIC_TYPES) METRIC_TYPE_OF_FIELD[no] = type;

const NUMBER_POINT = schema.get('NumberDataPoint');
/** By schema type id of a data point: its DataPointType and the field numbers of its attributes and exemplars (0: none). */
const POINT_TYPE: DataPointType[] = [];
const POINT_ATTRIBUTES: number[] = [];
const POINT_EXEMPLARS: number[] = [];
for (const [t, type] of [
  [NUMBER_POINT, 'number'], [schema.get('HistogramDataPoint'), 'histogram'],
  [schema.get('ExponentialHistogramDataPoint'), 'exponentialHistogram'], [schema.get('SummaryDataPoint'), 'summary'],
] as const) {
  POINT_TYPE[t.id] = type;
  POINT_ATTRIBUTES[t.id] = t.attrField;
  POINT_EXEMPLARS[t.id] = t.byJson.get('exemplars')?.no ?? 0;
}

/** A view over an ExportMetricsServiceRequest (or MetricsData: same wire shape). */
export class MetricsView extends BatchView {
  constructor(bytes: Uint8Array, options?: DecodeOptions) {
    super(bytes, 'metrics', options);
  }

  /** Starts recording edits; `encode()` writes the edited request. */
  edit(): BatchEditor<'resource' | 'scope' | 'metric' | 'point'> {
    return new BatchEditor(this);
  }

  get metricCount(): number {
    return this.countAt(Level.Record);
  }

  get dataPointCount(): number {
    return this.countAt(Level.Point);
  }

  /** The data points of metric `m`: `[first, end)`. */
  metricPoints(m: number): [number, number] {
    return this.childRange(Level.Record, m);
  }

  metrics(): MetricCursor {
    return new MetricCursor(this);
  }

  /** A cursor over all data points of all metrics, in wire order. */
  dataPoints(): DataPointCursor {
    return new DataPointCursor(this);
  }
}

/** Validates and indexes a protobuf ExportMetricsServiceRequest. Throws OtlpDecodeError. */
export function decodeMetrics(bytes: Uint8Array, options?: DecodeOptions): MetricsView {
  return new MetricsView(bytes, options);
}

export class MetricCursor extends IndexedCursor {
  constructor(view: MetricsView) {
    super(view, Level.Record);
  }

  get scopeIndex(): number { return this.parentIndex; }
  get resourceIndex(): number { return this.view.scopeResource(this.parentIndex); }
  get name(): string { return this.str(1); }
  get description(): string { return this.str(2); }
  get unit(): string { return this.str(3); }
  get type(): MetricType { return METRIC_TYPE_OF_FIELD[this.dataField()]!; }
  /** AggregationTemporality of a sum or histogram: 1 delta, 2 cumulative, 0 unspecified. */
  get aggregationTemporality(): number {
    const no = this.dataField();
    return no === 0 || no === 5 || no === 11 ? 0 : this.subUint(no, 2);
  }
  get isMonotonic(): boolean { return this.has(7) && this.subUint(7, 3) !== 0; }
  /** The data points of this metric: `[first, end)` indexes for `DataPointCursor.seek`. */
  get pointRange(): [number, number] { return this.view.childRange(Level.Record, this.index); }
  metadata(cursor?: AttributeCursor): AttributeCursor { return this.attrs(12, cursor); }

  private dataField(): number {
    let found = 0;
    for (const [no] of METRIC_TYPES) if (this.has(no)) found = no;
    return found;
  }
}

export class DataPointCursor extends IndexedCursor {
  constructor(view: MetricsView) {
    super(view, Level.Point);
  }

  /** Index of the metric this point belongs to. */
  get metricIndex(): number { return this.parentIndex; }
  get type(): DataPointType { return POINT_TYPE[this.typeId] ?? 'number'; }
  get startTimeUnixNano(): bigint { return this.fixed64(2); }
  get timeUnixNano(): bigint { return this.fixed64(3); }
  /** A number point's value: as_double or as_int (number, or bigint beyond 2^53); undefined if neither. */
  get value(): number | bigint | undefined {
    if (this.type !== 'number') return undefined;
    if (this.has(6)) return this.sfixed64(6);
    return this.double(4);
  }
  /** `count` of a histogram, exponential histogram or summary (the population size; 0n for number points). */
  get pointCount(): bigint { return this.type === 'number' ? 0n : this.fixed64(4); }
  /** sum of a histogram, exponential histogram or summary (undefined when absent). */
  get sum(): number | undefined { return this.type === 'number' ? undefined : this.double(5); }
  get min(): number | undefined {
    const t = this.type;
    return t === 'histogram' ? this.double(11) : t === 'exponentialHistogram' ? this.double(12) : undefined;
  }
  get max(): number | undefined {
    const t = this.type;
    return t === 'histogram' ? this.double(12) : t === 'exponentialHistogram' ? this.double(13) : undefined;
  }
  get flags(): number {
    const t = this.type;
    return this.uint(t === 'number' ? 8 : t === 'summary' ? 8 : 10);
  }
  attributes(cursor?: AttributeCursor): AttributeCursor { return this.attrs(POINT_ATTRIBUTES[this.typeId] ?? NUMBER_POINT.attrField, cursor); }
  /** Positions `cursor` (or a new one) before the point's first exemplar (summary points have none). */
  exemplars(cursor?: ExemplarCursor): ExemplarCursor {
    const field = POINT_EXEMPLARS[this.typeId] ?? 0;
    return (cursor ?? new ExemplarCursor(this.buf)).reset(this.buf, this.start, field === 0 ? this.start : this.end, field);
  }
}

/** Exemplar entries of one data point. */
export class ExemplarCursor extends NestedCursor {
  get timeUnixNano(): bigint { return this.fixed64(2); }
  /** as_double or as_int (number, or bigint beyond 2^53); undefined if neither. */
  get value(): number | bigint | undefined { return this.has(6) ? this.sfixed64(6) : this.double(3); }
  get traceIdHex(): string { return this.hex(5); }
  get spanIdHex(): string { return this.hex(4); }
  /** The raw id bytes: a view over the input, not a copy. */
  get traceId(): Uint8Array { return this.bytes(5); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  traceIdLength(): number { return this.idLength(5, 16); }
  get spanId(): Uint8Array { return this.bytes(4); }
  /** The id's length in place (0 absent), or -1 when it has its full size and is all zeros. */
  spanIdLength(): number { return this.idLength(4, 8); }
  filteredAttributes(cursor?: AttributeCursor): AttributeCursor { return this.attrs(7, cursor); }
}

// See anchor.ts.
const anchorView = new MetricsView(new Uint8Array(0));
keepHiddenClass([anchorView.metrics(), anchorView.dataPoints(), anchorView.edit(), new ExemplarCursor(anchorView.bytes)]);
