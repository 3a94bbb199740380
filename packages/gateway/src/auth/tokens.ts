import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthConfig } from '../config/types.js';

/** Who sent a batch, and which services it may speak for. */
export interface Tenant {
  name: string;
  /** Tests a `service.name`; compiled once from the team's patterns. */
  owns(service: string): boolean;
}

export type AuthResult = { ok: true; tenant: Tenant } | { ok: false; reason: 'missing' | 'malformed' | 'invalid' };

/** `checkout`, `cart-*`, `*`: `*` matches any run of characters; everything else is literal. */
export function compilePatterns(patterns: readonly string[]): (service: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const wildcards = patterns.filter((p) => p.includes('*')).map((p) => new RegExp(`^${p.split('*').map(escape).join('.*')}$`));
  return (service) => exact.has(service) || wildcards.some((re) => re.test(service));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Team tokens. The config holds only SHA-256 digests; an offered token is hashed and compared
 * with every digest in constant time, so neither the comparison nor which tenant matched leaks
 * through timing.
 */
export class TokenAuthenticator {
  private readonly tenants: { digests: Buffer[]; tenant: Tenant }[];
  private readonly anonymous: Tenant | undefined;
  readonly header: string;

  constructor(config: AuthConfig) {
    this.header = config.header;
    this.tenants = config.tenants.map((t) => ({ digests: t.tokenDigests, tenant: { name: t.name, owns: compilePatterns(t.services) } }));
    this.anonymous = config.anonymous && { name: config.anonymous.tenant, owns: compilePatterns(config.anonymous.services) };
  }

  /**
   * The header value as sent (`Bearer abc`, or the bare token for a custom header). Only an
   * absent header is "no token": a header in any other shape (`Basic …`, `Bearer` alone, two
   * spaces, non-ASCII) is refused, never read as anonymous, so what a proxy or backend may make
   * of it cannot differ from what the gateway decided.
   */
  authenticate(headerValue: string | undefined): AuthResult {
    if (headerValue === undefined) return this.anonymous ? { ok: true, tenant: this.anonymous } : { ok: false, reason: 'missing' };
    const token = this.extract(headerValue);
    if (token === undefined) return { ok: false, reason: 'malformed' };
    const digest = createHash('sha256').update(token).digest();
    let found: Tenant | undefined;
    for (const { digests, tenant } of this.tenants) {
      for (const candidate of digests) {
        // No early exit: every digest is compared, whatever matched.
        if (timingSafeEqual(digest, candidate) && !found) found = tenant;
      }
    }
    return found ? { ok: true, tenant: found } : { ok: false, reason: 'invalid' };
  }

  /** The token, or undefined when the value is not exactly `Bearer <token>` (or `<token>`). */
  private extract(value: string): string | undefined {
    // Visible ASCII only: RFC 6750's b64token is narrower still, and no token of ours needs more.
    const match = this.header === 'authorization' ? /^Bearer ([\x21-\x7e]+)$/i.exec(value) : /^([\x21-\x7e]+)$/.exec(value);
    return match?.[1];
  }
}

/** The digest to put in `token_sha256` for a token. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
