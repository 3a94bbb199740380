// Shared by live-check's tests: the example registry and the upstream model, resolved once per file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRegistry, loadUpstream, resolveRegistry, type ResolvedRegistry } from '@cairn/conventions';

export const EXAMPLE_REGISTRY = fileURLToPath(new URL('../../../../examples/conventions', import.meta.url));
/** CAIRN_SEMCONV_MODEL, or the snapshot beside the repository (../shared/semconv/model). */
export const UPSTREAM_MODEL = process.env.CAIRN_SEMCONV_MODEL || fileURLToPath(new URL('../../../../../shared/semconv/model', import.meta.url));
export const SKIP_WITHOUT_MODEL: string | false = existsSync(UPSTREAM_MODEL) ? false : `no upstream model at ${UPSTREAM_MODEL}: set CAIRN_SEMCONV_MODEL`;

let example: ResolvedRegistry | undefined;
/** The example org registry on the installed upstream package. */
export function exampleRegistry(): ResolvedRegistry {
  example ??= loadRegistry(EXAMPLE_REGISTRY).registry;
  return example;
}

/** The upstream model alone, as `cairn live-check --upstream MODEL` checks against it. */
export function upstreamRegistry(): ResolvedRegistry {
  const source = { kind: 'dir' as const, path: UPSTREAM_MODEL };
  return resolveRegistry({ root: '', files: [], groups: [], findings: [] }, { name: 'upstream', namespaces: [], upstream: source, policies: {} }, loadUpstream(source)).registry;
}
