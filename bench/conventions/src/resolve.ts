/**
 * Resolve + check + generate (ts and md) on the full upstream model, against a reference that
 * only parses the same YAML files with the `yaml` package (the floor any tool pays).
 * Reports the median of several rounds in-process (warm) and of fresh processes (cold, what a
 * user waits for), and the ratio to the reference. The bar: under 2 s on this machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelDirectory } from '@cairn/conventions';
import { parse } from 'yaml';
import { runPipeline } from './pipeline.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const UPSTREAM = process.env.CAIRN_SEMCONV_MODEL || join(ROOT, '..', 'shared', 'semconv', 'model');
if (!existsSync(UPSTREAM)) {
  console.log(`bench/conventions skipped: no upstream model at ${UPSTREAM}; set CAIRN_SEMCONV_MODEL to the model/ directory of a semantic-conventions checkout`);
  process.exit(0);
}
const REGISTRY = join(ROOT, 'examples', 'conventions');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function reference(): number {
  let groups = 0;
  for (const file of yamlFiles(UPSTREAM)) {
    const doc = parse(readFileSync(file, 'utf8')) as { groups?: unknown[] } | null;
    groups += doc?.groups?.length ?? 0;
  }
  return groups;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

const warm: number[] = [];
const ref: number[] = [];
// A process loads a model directory once and keeps it (`cairn diff` resolves two registries on
// it). So that each warm round still does the whole job, it times loading the model directory
// itself, then the pipeline on the kept copy.
let shape = runPipeline(REGISTRY, UPSTREAM);
for (let round = 0; round < ROUNDS; round++) {
  ref.push(time(reference));
  warm.push(time(() => {
    loadModelDirectory(UPSTREAM);
    shape = runPipeline(REGISTRY, UPSTREAM);
  }));
}

const once = fileURLToPath(new URL('./once.js', import.meta.url));
// The upstream model checked as a registry in its own right, on an empty upstream.
const EMPTY = mkdtempSync(join(tmpdir(), 'cairn-bench-empty-'));
const cold: number[] = [];
const coldOwn: number[] = [];
const coldRef: number[] = [];
for (let round = 0; round < Math.min(ROUNDS, 5); round++) {
  let start = performance.now();
  const run = spawnSync(process.execPath, [once, REGISTRY, UPSTREAM], { encoding: 'utf8' });
  cold.push(performance.now() - start);
  if (run.status !== 0) throw new Error(`pipeline failed: ${run.stderr}`);
  start = performance.now();
  const own = spawnSync(process.execPath, [once, UPSTREAM, EMPTY], { encoding: 'utf8' });
  coldOwn.push(performance.now() - start);
  if (own.status !== 0) throw new Error(`pipeline on the model as its own registry failed: ${own.stderr}`);
  start = performance.now();
  spawnSync(process.execPath, ['-e', `import('yaml').then(({parse})=>{for(const f of ${JSON.stringify(yamlFiles(UPSTREAM))})parse(require('fs').readFileSync(f,'utf8'))})`], { cwd: ROOT });
  coldRef.push(performance.now() - start);
}

const result = {
  benchmark: 'conventions: resolve + check + generate ts + md on the full upstream model',
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  input: { upstream: 'shared/semconv/model', files: yamlFiles(UPSTREAM).length, ...shape },
  rounds: ROUNDS,
  warmMedianMs: Math.round(median(warm)),
  referenceWarmMedianMs: Math.round(median(ref)),
  warmRatio: Number((median(warm) / median(ref)).toFixed(2)),
  coldProcessMedianMs: Math.round(median(cold)),
  referenceColdProcessMedianMs: Math.round(median(coldRef)),
  coldRatio: Number((median(cold) / median(coldRef)).toFixed(2)),
  coldOwnRegistryMedianMs: Math.round(median(coldOwn)),
  coldOwnRegistryRatio: Number((median(coldOwn) / median(coldRef)).toFixed(2)),
  targetMs: 2000,
  meetsTarget: median(cold) < 2000 && median(coldOwn) < 2000,
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'conventions.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`resolve+check+generate (warm, median of ${ROUNDS}): ${result.warmMedianMs} ms; yaml.parse reference ${result.referenceWarmMedianMs} ms; ratio ${result.warmRatio}x`);
console.log(`cold process (median): ${result.coldProcessMedianMs} ms; model as its own registry ${result.coldOwnRegistryMedianMs} ms; reference process ${result.referenceColdProcessMedianMs} ms; ratios ${result.coldRatio}x, ${result.coldOwnRegistryRatio}x; target < 2000 ms: ${result.meetsTarget ? 'met' : 'MISSED'}`);
rmSync(EMPTY, { recursive: true, force: true });
