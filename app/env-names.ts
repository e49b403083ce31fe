/**
 * The environment variables through which an event's render (cli/render/service.ts) tells the app its
 * real setup, and which the app reads (config.ts). One source of truth for both sides: app/ stands alone
 * (it is the image's payload), so the names live here and cli/ imports them.
 */
export const APP_ENV = {
  /** The event's invite link: strangers get a button and a QR code to join. */
  inviteLink: 'DEMO_INVITE_LINK',
  /** The node's public URL (og:url, og:image). */
  tailscaleUrl: 'TAILSCALE_URL',
  /**
   * The docker-mod's Funnel switch: Funnel is on when it is defined at all (even as "false"), so the
   * render writes it only when Funnel is on, and the app's texts say "public internet" only then.
   */
  funnel: 'TAILSCALE_FUNNEL',
  /** Comma lists: who may see the friend view, as headscale's OIDC allowed_domains / allowed_users. */
  allowedDomains: 'ALLOWED_DOMAINS',
  allowedUsers: 'ALLOWED_USERS',
} as const;
