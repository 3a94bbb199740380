// After a build: every workspace's `bin` is executable and linked in node_modules/.bin, so
// `npx cairn …` works from the repository root. tsc writes files without the run bit, and npm
// links bins at install time, when dist/ does not exist yet.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const workspace of workspaces) {
  const manifest = join(root, workspace, 'package.json');
  if (!existsSync(manifest)) continue;
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
  if (!bin || typeof bin !== 'object') continue;
  for (const [name, target] of Object.entries(bin)) {
    const file = join(root, workspace, target);
    if (!existsSync(file)) continue;
    chmodSync(file, 0o755);
    const link = join(root, 'node_modules', '.bin', name);
    mkdirSync(dirname(link), { recursive: true });
    let present = false;
    try {
      present = lstatSync(link) !== undefined;
    } catch {
      // No link yet.
    }
    if (present && existsSync(link)) continue;
    if (present) unlinkSync(link); // dangling: made before the build
    symlinkSync(relative(dirname(link), file), link);
  }
}
