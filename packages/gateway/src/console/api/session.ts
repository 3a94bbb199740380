// POST /api/login, POST /api/logout, GET /api/session: the console's login with an admin or
// team token. The session lives in a cookie the page's scripts cannot read (HttpOnly) and that
// no other site's request carries (SameSite=Strict); the CSRF token goes back in the body.
import type { AdminRoutes } from '../../telemetry/admin.js';
import { SESSION_COOKIE } from '../access.js';
import { readJson, withBody } from './body.js';
import type { ConsoleContext } from './context.js';

function servicesOf(services: 'all' | ReadonlySet<string>): 'all' | string[] {
  return services === 'all' ? 'all' : [...services].sort();
}

export function sessionRoutes(routes: AdminRoutes, ctx: ConsoleContext): void {
  routes.add('POST', '/api/login', ({ req }, res) => withBody(async () => {
    const body = await readJson(req, 4096);
    const token = (body as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || !/^[\x21-\x7e]{1,512}$/.test(token)) return { status: 400, body: { error: 'CAIRN_CONSOLE_LOGIN: the body must be { "token": "<admin or team token>" }' } };
    const session = ctx.access.login(token);
    if (!session) {
      ctx.logger.warn({ code: 'CAIRN_CONSOLE_LOGIN', remote: req.socket.remoteAddress }, 'console: login with an unknown token');
      return { status: 401, body: { error: 'CAIRN_CONSOLE_LOGIN: not an admin or team token' } };
    }
    ctx.logger.info({ code: 'CAIRN_CONSOLE_LOGIN', who: session.identity.who, remote: req.socket.remoteAddress }, `console: ${session.identity.who} logged in`);
    const answer = { who: session.identity.who, admin: session.identity.access.admin, services: servicesOf(session.identity.access.services), csrf: session.csrf };
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': session.cookie, 'cache-control': 'no-store' }).end(JSON.stringify(answer));
    return undefined;
  }));

  routes.add('POST', '/api/logout', ({ req }, res) => {
    ctx.access.logout(req);
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` }).end('{"ok":true}');
    return undefined;
  });

  routes.add('GET', '/api/session', ({ req }) => {
    const identity = ctx.access.identify(req);
    if ('refused' in identity || identity.who === 'nobody') return { status: 200, body: { authenticated: false, login_required: true } };
    return { status: 200, body: { authenticated: true, login_required: false, who: identity.who, via: identity.via, admin: identity.access.admin, services: servicesOf(identity.access.services), csrf: identity.csrf ?? null } };
  });
}
