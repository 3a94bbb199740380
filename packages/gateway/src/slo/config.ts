// `slos:` of cairn.yaml → SloSet. A path that does not exist is a config problem (a typo must not
// silently turn SLOs off); a glob that matches nothing is a warning. What is wrong inside an
// SLO file never stops the gateway: that SLO is listed as broken (slo/openslo.ts).
import type { Problem } from '../config/env.js';
import type { SloSet } from './definition.js';
import { expandSloPaths } from './files.js';
import { loadSloFiles } from './openslo.js';

export function slosOf(raw: string | string[], base: string, problems: Problem[], warnings: Problem[]): SloSet {
  const patterns = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((p): p is string => typeof p === 'string') : [];
  const { files, missing } = expandSloPaths(patterns, base);
  for (const m of missing) {
    const path = typeof raw === 'string' ? ['slos'] : ['slos', m.index];
    if (/[*?]/.test(m.pattern)) warnings.push({ path, message: `${m.pattern} matches no file` });
    else problems.push({ path, message: `file ${m.pattern} does not exist (relative paths resolve against the config file's folder)` });
  }
  return loadSloFiles(files);
}
