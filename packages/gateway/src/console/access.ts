// Who may use the console and the admin API (the admin listener's `authorize`). On loopback
// everything is open, as the issue asks; off loopback a request needs an admin token or a team
// token, either as `Authorization: Bearer` or through the session cookie a login hands out.
// Tokens are compared as SHA-256 digests in constant time, like the receivers' tenant tokens.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { compilePatterns } from '../auth/tokens.js';
import { isLoopback } from '../config/checks.js';
import type { TenantConfig } from '../config/types.js';
import { FULL_ACCESS, type AdminAccess, type Authorize } from '../telemetry/admin.js';

export const SESSION_COOKIE = 'cairn_session';
/** The header a cookie session must echo on state-changing requests (double submit). */
export const CSRF_HEADER = 'x-cairn-csrf';

/**
 * A team's services as the `ReadonlySet` of the admin API's contract: `has` matches the team's
 * `auth.tenants` patterns (`cart-*`), so handlers filter with `access.services.has(service)`
 * whether a team names services or patterns. Iterating gives the patterns.
 */
export class ServicePatterns extends Set<string> {
  private readonly test: (service: string) => boolean;
  constructor(patterns: readonly string[]) {
    super(patterns);
    this.test = compilePatterns(patterns);
  }
  override has(service: string): boolean {
    return this.test(service);
  }
}

/** Paths served without credentials: the login page's assets, login itself, liveness. */
const PUBLIC = new Set(['/ui', '/ui/', '/ui/app.js', '/ui/app.css', '/api/login', '/api/logout', '/api/session', '/healthz', '/readyz']);
/** Figures of every tenant and service (the ledger's findings name services): admins only, off loopback. */
const ADMIN_ONLY_GET = new Set(['/metrics', '/api/strategy/ledger']);
/** State-changing requests a team token may make (they change nothing of the gateway's). */
const TEAM_POST = new Set(['/api/login', '/api/logout', '/api/strategy/try']);

export interface Identity {
  access: AdminAccess;
  /** `loopback`, `admin`, or the team's tenant name. */
  who: string;
  via: 'loopback' | 'bearer' | 'session';
  csrf?: string;
}

interface Session {
  identity: Identity;
  expires: number;
}

export interface ConsoleAccessOptions {
  adminDigests: readonly Buffer[];
  tenants: readonly TenantConfig[];
  /** Whether the peer's address is this machine; tests inject a stricter one. */
  isLocal?: (remoteAddress: string | undefined) => boolean;
  now?: () => number;
  sessionTtlMs?: number;
  maxSessions?: number;
}

const NO_ACCESS: AdminAccess = { admin: false, services: new Set() };

export class ConsoleAccess {
  private readonly sessions = new Map<string, Session>();
  private readonly isLocal: (remoteAddress: string | undefined) => boolean;
  private readonly now: () => number;
  private readonly ttl: number;
  private readonly maxSessions: number;
  private readonly teams: { digests: Buffer[]; identity: Identity }[];

  constructor(private readonly options: ConsoleAccessOptions) {
    this.isLocal = options.isLocal ?? ((address) => address !== undefined && isLoopback(address));
    this.now = options.now ?? Date.now;
    this.ttl = options.sessionTtlMs ?? 12 * 3600_000;
    this.maxSessions = options.maxSessions ?? 1000;
    this.teams = options.tenants.map((t) => ({
      digests: t.tokenDigests,
      identity: { access: { admin: false, services: new ServicePatterns(t.services) }, who: t.name, via: 'bearer' as const },
    }));
  }

  /** The admin listener's `authorize`. */
  readonly authorize: Authorize = (req) => {
    const url = pathOf(req);
    const identity = this.identify(req);
    if ('refused' in identity) return identity;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      const csrf = this.checkStateChange(req, identity);
      if (csrf) return csrf;
    }
    if (identity.who === 'nobody') return PUBLIC.has(url) ? NO_ACCESS : { refused: 401, message: 'CAIRN_CONSOLE_LOGIN: off loopback the admin API needs an admin or team token (Authorization: Bearer, or log in at /ui)' };
    if (identity.access.admin) return identity.access;
    if ((method === 'GET' && ADMIN_ONLY_GET.has(url)) || (method !== 'GET' && !TEAM_POST.has(url))) {
      return { refused: 403, message: `CAIRN_CONSOLE_ADMIN: ${method} ${url} needs the admin token; team ${identity.who} may read only` };
    }
    return identity.access;
  };

  /** Who the request is, or a refusal for credentials that are offered but wrong or ambiguous. */
  identify(req: IncomingMessage): Identity | { refused: number; message: string } {
    if (this.isLocal(req.socket.remoteAddress)) {
      // DNS rebinding: a web page's name made to point at 127.0.0.1 would otherwise reach the
      // open loopback console from the operator's own browser, as its own origin.
      if (!loopbackHost(req.headers.host)) return { refused: 403, message: `CAIRN_CONSOLE_HOST: on loopback the console answers only to a loopback Host (localhost, 127.0.0.1, [::1]), not ${JSON.stringify(req.headers.host ?? '')}` };
      return { access: FULL_ACCESS, who: 'loopback', via: 'loopback' };
    }
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer ([\x21-\x7e]+)$/i.exec(authorization);
      const identity = match ? this.byToken(match[1]!) : undefined;
      return identity ?? { refused: 401, message: 'CAIRN_CONSOLE_TOKEN: the bearer token is not an admin or team token' };
    }
    const cookies = sessionCookies(req.headers.cookie);
    // Two session cookies could be read either way by a proxy and by us: neither is used.
    if (cookies.length > 1) return { refused: 400, message: `CAIRN_CONSOLE_SESSION: ${cookies.length} ${SESSION_COOKIE} cookies in one request` };
    if (cookies.length === 1) {
      const session = this.sessions.get(digestOf(cookies[0]!));
      if (session && session.expires > this.now()) return session.identity;
      return { refused: 401, message: 'CAIRN_CONSOLE_SESSION: the session has expired or is unknown; log in again' };
    }
    return { access: NO_ACCESS, who: 'nobody', via: 'bearer' };
  }

  /** The admin or team a token belongs to. Every digest is compared, whatever matched first. */
  byToken(token: string): Identity | undefined {
    const digest = createHash('sha256').update(token).digest();
    let found: Identity | undefined;
    for (const candidate of this.options.adminDigests) {
      if (candidate.length === digest.length && timingSafeEqual(digest, candidate) && !found) found = { access: FULL_ACCESS, who: 'admin', via: 'bearer' };
    }
    for (const team of this.teams) {
      for (const candidate of team.digests) {
        if (candidate.length === digest.length && timingSafeEqual(digest, candidate) && !found) found = team.identity;
      }
    }
    return found;
  }

  /** Starts a session for a token; the cookie value and the CSRF token go back to the browser. */
  login(token: string): { cookie: string; csrf: string; identity: Identity } | undefined {
    const found = this.byToken(token);
    if (!found) return undefined;
    this.expire();
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const identity: Identity = { ...found, via: 'session', csrf };
    this.sessions.set(digestOf(id), { identity, expires: this.now() + this.ttl });
    const cookie = `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.ttl / 1000)}`;
    return { cookie, csrf, identity };
  }

  logout(req: IncomingMessage): void {
    for (const id of sessionCookies(req.headers.cookie)) this.sessions.delete(digestOf(id));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * A state-changing request must not come from another site. It must be JSON (a cross-site
   * form cannot send that without a CORS preflight, which this listener never allows), an
   * `Origin` it carries must be this listener's own, and a cookie session must echo its CSRF
   * token in a header. A bearer token is never sent by a browser on its own.
   */
  private checkStateChange(req: IncomingMessage, identity: Identity): { refused: number; message: string } | undefined {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return { refused: 415, message: 'CAIRN_CONSOLE_CSRF: state-changing requests must be Content-Type: application/json' };
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
      return { refused: 403, message: `CAIRN_CONSOLE_CSRF: Origin ${origin} is not this listener (${req.headers.host})` };
    }
    if (identity.via === 'session') {
      const sent = req.headers[CSRF_HEADER];
      const expected = Buffer.from(identity.csrf ?? '');
      const given = Buffer.from(typeof sent === 'string' ? sent : '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { refused: 403, message: `CAIRN_CONSOLE_CSRF: a session's state-changing request needs its ${CSRF_HEADER} header` };
    }
    return undefined;
  }

  private expire(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expires <= now) this.sessions.delete(key);
    // Bounded: a flood of logins evicts the oldest sessions rather than growing without end.
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
  }
}

function digestOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://admin.invalid').pathname;
  } catch {
    return '';
  }
}

/** Every `cairn_session` value in a Cookie header. */
export function sessionCookies(header: string | undefined): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** `localhost`, `127.x.y.z` or `[::1]`, with or without a port. */
export function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  if (host.startsWith('[')) return /^\[::1\](:\d+)?$/.test(host);
  return isLoopback(host.replace(/:\d+$/, ''));
}
