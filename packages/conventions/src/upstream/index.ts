import type { Finding } from '../findings.js';
import { byKey, type Attribute, type Group, type UpstreamInfo } from '../model.js';
import { definitionsOf } from '../resolve.js';
import { loadSourceRegistry } from '../source/load.js';
import { loadPackageUpstream } from './package.js';

/** The OpenTelemetry conventions an org registry resolves on top of. */
export interface UpstreamRegistry {
  info: UpstreamInfo;
  attributes: Attribute[];
  groups: Group[];
  findings: Finding[];
}

let builtin: UpstreamRegistry | undefined;

/** The built-in upstream (cached: it is the same for the life of the process) or a model directory. */
export function loadUpstream(source: { kind: 'builtin' } | { kind: 'dir'; path: string }): UpstreamRegistry {
  if (source.kind === 'builtin') return (builtin ??= loadPackageUpstream());
  return loadModelDirectory(source.path);
}

/** A full upstream `model/` directory in Weaver v1 format, e.g. semantic-conventions' own. */
export function loadModelDirectory(dir: string): UpstreamRegistry {
  const source = loadSourceRegistry(dir);
  const definitions = definitionsOf(source, 'upstream');
  const attributes = [...definitions.attributes.values()].sort(byKey);
  return {
    info: { kind: 'dir', path: dir, attributeCount: attributes.length },
    attributes,
    groups: definitions.groups,
    findings: [...source.findings, ...definitions.findings],
  };
}
