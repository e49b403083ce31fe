/**
 * What every call to the Tailscale API (api.tailscale.com/api/v2) shares: the base URL and tailnet, the
 * transport with the secrets it scrubs from messages, the hints a failed call gives, and the Bearer token.
 *
 * Auth: an API access token (`tskey-api-…`, sent as a Bearer token), or an OAuth client whose ID and
 * secret are exchanged at POST /api/v2/oauth/token (client credentials grant) for an access token that is
 * cached until shortly before it expires.
 */
import * as z from 'zod';
import { type CallSpec, type Hints, type HttpOptions, type HttpResult, parseAnswer, Transport } from './http.js';

export const TAILSCALE_API = 'https://api.tailscale.com';

export type TailscaleAuth =
  | { apiToken: string }
  | {
      oauthClientId: string;
      oauthClientSecret: string;
      /** Scopes to ask for; all of the client's scopes when left out. */
      scopes?: string[];
    };

export interface TailscaleApiOptions extends HttpOptions {
  auth: TailscaleAuth;
  /** Defaults to https://api.tailscale.com (tests point it at a local server). */
  baseUrl?: string;
  /** Defaults to `-`: the tailnet of the token. */
  tailnet?: string;
  /** Exchange a new OAuth access token this long before the cached one expires (default 60 s). */
  refreshMarginMs?: number;
}

const TokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

const OAUTH_CONSOLE = 'admin console → Settings → Trust credentials';

export class TailscaleConnection {
  readonly host: string;
  readonly tailnet: string;
  readonly transport: Transport;
  /** Secrets that must never appear in a message: credentials, tokens, minted keys. */
  readonly secrets = new Set<string>();
  private readonly base: URL;
  private readonly auth: TailscaleAuth;
  private readonly refreshMarginMs: number;
  /** The OAuth access token and when to stop using it (shortly before it expires). */
  private cached: { token: string; refreshAt: number } | undefined;
  private exchanging: Promise<string> | undefined;

  constructor(options: TailscaleApiOptions) {
    this.base = new URL(options.baseUrl ?? TAILSCALE_API);
    this.host = this.base.host;
    this.tailnet = options.tailnet ?? '-';
    this.auth = options.auth;
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    if ('apiToken' in this.auth) this.secrets.add(this.auth.apiToken);
    else this.secrets.add(this.auth.oauthClientSecret);
    this.transport = new Transport('Tailscale', this.host, () => [...this.secrets], options);
  }

  get oauth(): boolean {
    return 'oauthClientId' in this.auth;
  }

  url(...segments: string[]): URL {
    const root = this.base.pathname.replace(/\/$/, '');
    return new URL(`${root}/api/v2/${segments.map(encodeURIComponent).join('/')}`, this.base);
  }

  hints(call: string, scope: string, notFound: string, extra = ''): Hints {
    return {
      unauthorized: this.oauth
        ? `the OAuth access token was refused: check the OAuth client, or make a new one (${OAUTH_CONSOLE})`
        : 'the API access token is wrong, revoked or expired: make a new one (admin console → Settings → Keys) and configure it',
      forbidden: this.oauth
        ? `the OAuth client may not ${call}: give it the \`${scope}\` scope${extra} (${OAUTH_CONSOLE})`
        : `the API access token's user may not ${call}: use an admin's token${extra}`,
      notFound,
    };
  }

  noTailnet(): string {
    return `tailnet \`${this.tailnet}\` not found: check the tailnet setting (\`-\` is the token's own tailnet)`;
  }

  /** The Bearer token for API calls: the API access token, or a cached/exchanged OAuth access token. */
  private async token(): Promise<string> {
    if ('apiToken' in this.auth) return this.auth.apiToken;
    if (this.cached && this.transport.now() < this.cached.refreshAt) return this.cached.token;
    // Concurrent calls share one exchange.
    this.exchanging ??= this.exchange().finally(() => {
      this.exchanging = undefined;
    });
    return this.exchanging;
  }

  private async exchange(): Promise<string> {
    const auth = this.auth as Extract<TailscaleAuth, { oauthClientId: string }>;
    const call = 'exchange OAuth client credentials for an access token';
    const form: Record<string, string> = {
      grant_type: 'client_credentials',
      client_id: auth.oauthClientId,
      client_secret: auth.oauthClientSecret,
    };
    if (auth.scopes?.length) form.scope = auth.scopes.join(' ');
    const result = await this.transport.request({
      call,
      method: 'POST',
      url: this.url('oauth', 'token'),
      form,
      hints: {
        unauthorized: `the OAuth client ID or secret was refused: check both, or make a new OAuth client (${OAUTH_CONSOLE})`,
        forbidden: `the OAuth client may not get tokens: check it (${OAUTH_CONSOLE})`,
        notFound: 'no OAuth token endpoint at this URL: check the API base URL',
      },
    });
    const answer = parseAnswer(this.transport, call, result, (b) => TokenSchema.parse(b));
    this.secrets.add(answer.access_token);
    // Re-exchange `refreshMarginMs` before expiry, or halfway through a token shorter than twice that.
    const lifetime = answer.expires_in * 1000;
    this.cached = { token: answer.access_token, refreshAt: this.transport.now() + lifetime - Math.min(this.refreshMarginMs, lifetime / 2) };
    return answer.access_token;
  }

  /**
   * An authenticated call. With OAuth, a 401 on a cached token (revoked or expired early) drops the
   * cache and the call is made once more with a fresh token.
   */
  async call(spec: Omit<CallSpec, 'headers'>): Promise<HttpResult> {
    const token = await this.token();
    try {
      return await this.transport.request({ ...spec, headers: { authorization: `Bearer ${token}` } });
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (!this.oauth || status !== 401 || this.cached?.token !== token) throw err;
      this.cached = undefined;
      const fresh = await this.token();
      return this.transport.request({ ...spec, headers: { authorization: `Bearer ${fresh}` } });
    }
  }
}
