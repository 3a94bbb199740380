import { isIdentityLike, suggestKey, type RegistryIndex } from '@cairn/conventions';

/** Why a name in a span name is sensitive, and where it belongs instead. */
export interface IdentityMatch {
  /** The registry key to record the value under, when the registry knows one. */
  key?: string;
  /** Set when the registry classifies the field; absent when only the name looks like identity. */
  sensitivity?: 'pii' | 'secret';
}

/** `emailAddress` → email, address; `acme.payment.card.last4` → acme, payment, card, last4. */
function words(name: string): string[] {
  return suggestKey(name).split(/[._]/).filter((word) => word !== '');
}

/**
 * Recognizes identity fields by the names code gives them: the registry's pii and secret keys
 * and aliases (`userId`, `user.email`, `card.last4`), then `isIdentityLike` for fields the
 * registry does not classify (`ipAddress`, `username`). Built once per registry.
 */
export class IdentityNames {
  private readonly index: RegistryIndex | undefined;
  /** Words joined with `.` → the sensitive attribute they name. */
  private readonly byWords = new Map<string, Required<IdentityMatch>>();

  constructor(index?: RegistryIndex) {
    this.index = index;
    if (!index) return;
    for (const attribute of index.registry.attributes) {
      const sensitivity = attribute.sensitivity;
      if (sensitivity !== 'pii' && sensitivity !== 'secret') continue;
      const match = { key: attribute.key, sensitivity };
      for (const alias of attribute.aliases) this.byWords.set(words(alias).join('.'), match);
      // Code names a field by its last words (`card.last4`, `cardToken`); one word (`id`) is too vague.
      const parts = words(attribute.key);
      for (let i = 0; i < Math.max(1, parts.length - 1); i++) {
        const suffix = parts.slice(i).join('.');
        if (!this.byWords.has(suffix)) this.byWords.set(suffix, match);
      }
    }
  }

  /** `segments` are the names along an identifier or member chain: `req.user.id` → req, user, id. */
  match(segments: readonly string[]): IdentityMatch | undefined {
    const flat = segments.flatMap(words);
    for (let i = 0; i < flat.length; i++) {
      const hit = this.byWords.get(flat.slice(i).join('.'));
      if (hit) return hit;
    }
    const snake = segments.map(suggestKey);
    // At least two names, so `server.address` is judged as a whole and not as `address`.
    for (let i = 0; i <= snake.length - Math.min(2, snake.length); i++) {
      const key = snake.slice(i).join('.');
      const found = this.index?.lookup(key);
      const attribute = found && found.kind !== 'unknown' ? found.attribute : undefined;
      // The registry is the authority: a field it calls public or internal is not flagged by name.
      if (attribute?.sensitivity === 'public' || attribute?.sensitivity === 'internal') return undefined;
      if (isIdentityLike(key)) {
        const canonical = found?.kind === 'deprecated' ? found.canonical : attribute?.key;
        return canonical === undefined ? {} : { key: canonical };
      }
    }
    return undefined;
  }
}
