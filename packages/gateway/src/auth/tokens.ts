import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthConfig } from '../config/types.js';

/** Who sent a batch, and which services it may speak for. */
export interface Tenant {
  name: string;
  /** Tests a `service.name`; compiled once from the team's patterns. */
  owns(service: string): boolean;
}

export type AuthResult = { ok: true; tenant: Tenant } | { ok: false; reason: 'missing' | 'invalid' };

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

  /** The header value as sent (`Bearer abc`, or the bare token for a custom header). */
  authenticate(headerValue: string | undefined): AuthResult {
    const token = this.extract(headerValue);
    if (token === undefined) return this.anonymous ? { ok: true, tenant: this.anonymous } : { ok: false, reason: 'missing' };
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

  private extract(value: string | undefined): string | undefined {
    if (value === undefined || value === '') return undefined;
    if (this.header !== 'authorization') return value.trim();
    const match = /^Bearer\s+(.+)$/i.exec(value.trim());
    return match ? match[1]!.trim() : undefined;
  }
}

/** The digest to put in `token_sha256` for a token. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
