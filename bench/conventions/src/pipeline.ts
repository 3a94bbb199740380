import { checkRegistry, generateMarkdown, generateTypeScript, loadRegistry } from '@cairn/conventions';

/** What `cairn check` + `cairn generate ts|md` do for a registry on the full upstream model. */
export function runPipeline(registryDir: string, upstreamDir: string): { attributes: number; findings: number; tsBytes: number; mdFiles: number } {
  const loaded = loadRegistry(registryDir, { upstream: upstreamDir });
  const checked = checkRegistry(loaded.registry, loaded.findings);
  const ts = generateTypeScript(loaded.registry, { scope: 'all' });
  const md = generateMarkdown(loaded.registry, { scope: 'all' });
  return { attributes: loaded.registry.attributes.length, findings: checked.findings.length, tsBytes: ts.length, mdFiles: md.size };
}
