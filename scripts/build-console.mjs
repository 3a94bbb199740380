// Bundles the web console (packages/gateway/console-ui) into packages/gateway/dist/console/ui:
// one script, one stylesheet and the HTML shell, served by the admin listener under /ui.
// Everything (Preact, htm, uPlot) is bundled in: nothing is fetched from a CDN at run time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../packages/gateway/', import.meta.url));
const out = `${root}dist/console/ui/`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: `${root}console-ui/src/main.ts`, 'app-css': `${root}console-ui/app.css` },
  outdir: out,
  entryNames: '[name]',
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  logLevel: 'warning',
  absWorkingDir: root,
});
// esbuild names the CSS entry's output after the entry: serve it as app.css.
copyFileSync(`${out}app-css.css`, `${out}app.css`);
copyFileSync(`${root}console-ui/index.html`, `${out}index.html`);
