/**
 * A freshly minted auth key (Tailscale) or pre-auth key (headscale). `key` is the secret: it goes to the
 * caller only, and printing or serialising this object shows `<redacted>` instead.
 */
import { inspect } from 'node:util';

export class MintedKey {
  constructor(
    /** The key's ID, to revoke/expire it later (not secret). */
    readonly id: string,
    /** The secret to hand to the node (TAILSCALE_AUTHKEY). */
    readonly key: string,
    readonly expires: Date | undefined,
    /** headscale: the ID of the user the key belongs to (needed to expire it on 0.26–0.27). */
    readonly userId?: string,
  ) {}

  toJSON(): object {
    return { id: this.id, key: '<redacted>', expires: this.expires, ...(this.userId !== undefined ? { userId: this.userId } : {}) };
  }

  [inspect.custom](): string {
    const user = this.userId !== undefined ? `, userId: ${this.userId}` : '';
    return `MintedKey { id: ${this.id}, key: <redacted>, expires: ${this.expires?.toISOString() ?? 'never'}${user} }`;
  }
}

/** A date from an API answer, or undefined when missing or not a date. */
export function answerDate(text: string | undefined | null): Date | undefined {
  if (!text) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
