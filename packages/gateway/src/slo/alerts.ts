// Alert states: ok → (pending, while `alertAfter` runs) → firing → resolved → firing … Each
// transition to firing or resolved is an event: it is recorded, notified and counted.

export type AlertStateName = 'ok' | 'firing' | 'resolved';

export interface AlertState {
  state: AlertStateName;
  /** When the current state began (ms), null for an alert that never fired. */
  since: number | null;
  /** While the condition holds but `alertAfter` has not passed: when it began to hold. */
  pendingSince: number | null;
}

export function initialAlertState(): AlertState {
  return { state: 'ok', since: null, pendingSince: null };
}

/**
 * One evaluation: returns the transition it made (`firing`, `resolved`) or undefined. `holds`
 * is the alert's condition at `at`; `forMinutes` is how long it must hold first.
 */
export function stepAlert(s: AlertState, holds: boolean, at: number, forMinutes: number): 'firing' | 'resolved' | undefined {
  if (holds) {
    if (s.state === 'firing') return undefined;
    s.pendingSince ??= at;
    if (at - s.pendingSince < forMinutes * 60_000) return undefined;
    s.state = 'firing';
    s.since = at;
    s.pendingSince = null;
    return 'firing';
  }
  s.pendingSince = null;
  if (s.state !== 'firing') return undefined;
  s.state = 'resolved';
  s.since = at;
  return 'resolved';
}
