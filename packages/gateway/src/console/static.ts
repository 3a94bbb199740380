// The console's page under /ui: one HTML shell, one script and one stylesheet, bundled by
// esbuild at build time (scripts/build-console.mjs) into dist/console/ui. Nothing comes from a
// CDN; the page works offline.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AdminRoutes } from '../telemetry/admin.js';

const ASSETS: readonly { path: string; file: string; type: string }[] = [
  { path: '/ui', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/ui/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/ui/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { path: '/ui/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
];

/** Same-origin only, no inline script, no framing: the page needs nothing else. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const UI_DIR = fileURLToPath(new URL('../../dist/console/ui/', import.meta.url));

export function staticRoutes(routes: AdminRoutes, dir = UI_DIR): void {
  for (const asset of ASSETS) {
    let body: Buffer | undefined;
    routes.add('GET', asset.path, (_request, res) => {
      try {
        body ??= readFileSync(`${dir}${asset.file}`);
      } catch {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('the console is not built: run `npm run build` (scripts/build-console.mjs bundles it)\n');
        return undefined;
      }
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS }).end(body);
      return undefined;
    });
  }
}
