// Runs every compiled test file (`dist/**/*.test.js`) of the workspaces with node's test runner.
// Node 20's `--test` takes no globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['packages', 'bench', 'examples'];
const files = [];
function walk(dir, inDist) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, inDist || name === 'dist');
    else if (inDist && name.endsWith('.test.js')) files.push(path);
  }
}
for (const root of roots) walk(root, false);
const only = process.argv.slice(2);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
if (selected.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
// A test that hangs fails after TEST_TIMEOUT_MS instead of holding the run (the slowest test, the
// kill -9 crash test, takes ~10 s here and ~40 s on a loaded machine). --test-force-exit ends a
// file whose failed test left a server or timer open, once its tests are done.
const TEST_TIMEOUT_MS = Number(process.env.CAIRN_TEST_TIMEOUT_MS ?? 180_000);
// The last resort, well inside CI's 90 minutes: the whole run is killed after 40.
const RUN_TIMEOUT_MS = 40 * 60_000;
// The preload makes each test file's stdout blocking, so --test-force-exit loses no verdict.
const preload = new URL('./test-preload.mjs', import.meta.url).href;
const result = spawnSync(process.execPath, ['--import', preload, '--test', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`, '--test-force-exit', ...selected.sort()], { stdio: 'inherit', timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' });
if (result.error) console.error(`test run stopped: ${result.error.message}`);
process.exit(result.status ?? 1);
