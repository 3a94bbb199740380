// What the SLI tap returns with one batch (ProcessResult.slo): per SLO and minute, the weighted
// good, bad and unjudgeable counts, the `good` keys matching events lacked, and the SLOs that
// failed at run time. Plain data: structured-cloned from a processing thread to the main thread.

export interface SloCounts {
  slo: string;
  /** Minutes since the epoch (arrival time in the gateway, event time in `cairn slo replay`). */
  minute: number;
  good: number;
  bad: number;
  unjudgeable: number;
  /** Per key that `good` reads: weighted matching events that did not carry it. */
  missing: Record<string, number>;
}

export interface SloDelta {
  counts: SloCounts[];
  /** SLOs whose expression failed at run time in this batch: disabled from here on. */
  errors: { slo: string; message: string }[];
}

export function isEmptySloDelta(d: SloDelta): boolean {
  return d.counts.length === 0 && d.errors.length === 0;
}
