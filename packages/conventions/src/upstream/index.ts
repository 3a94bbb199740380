import { resolve } from 'node:path';
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
const directories = new Map<string, UpstreamRegistry>();

/**
 * The built-in upstream or a model directory, each loaded once per process (`cairn diff` resolves
 * two registries on one upstream). A directory is keyed by its absolute path and by the path as
 * given, which its locations and `info.path` repeat. Callers share the result and must not change
 * it: resolveRegistry copies the attributes it refines.
 */
export function loadUpstream(source: { kind: 'builtin' } | { kind: 'dir'; path: string }): UpstreamRegistry {
  if (source.kind === 'builtin') return (builtin ??= loadPackageUpstream());
  const key = `${resolve(source.path)}\0${source.path}`;
  let upstream = directories.get(key);
  if (!upstream) {
    upstream = loadModelDirectory(source.path);
    directories.set(key, upstream);
  }
  return upstream;
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
