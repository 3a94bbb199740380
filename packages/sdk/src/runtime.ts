// The one piece of module state: what `init` (or the testing kit) set up. The field helpers read
// it on every call, so production keeps `checker` undefined and pays one branch.
import type { FieldChecker } from './dev-check.js';
import type { FieldPolicy } from './policy.js';
import { TraceFieldsTable } from './trace-fields/table.js';

export type Mode = 'development' | 'test' | 'production';

export interface Runtime {
  readonly mode: Mode;
  readonly table: TraceFieldsTable;
  readonly policy: FieldPolicy | undefined;
  readonly checker: FieldChecker | undefined;
}

let current: Runtime = { mode: 'production', table: new TraceFieldsTable(), policy: undefined, checker: undefined };

export function runtime(): Runtime {
  return current;
}

export function setRuntime(next: Runtime): void {
  current = next;
}

/** `CAIRN_MODE`, else NODE_ENV (`production` and `test` as they are, anything else development). */
export function modeFromEnv(env: NodeJS.ProcessEnv = process.env): Mode {
  const explicit = env['CAIRN_MODE'];
  if (explicit === 'development' || explicit === 'test' || explicit === 'production') return explicit;
  const nodeEnv = env['NODE_ENV'];
  return nodeEnv === 'production' ? 'production' : nodeEnv === 'test' ? 'test' : 'development';
}
