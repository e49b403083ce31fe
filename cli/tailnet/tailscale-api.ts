/**
 * The Tailscale API (api.tailscale.com/api/v2), the part demo-fleet needs: mint one auth key per new
 * event node, revoke keys, find devices by hostname, delete devices after the conference.
 *
 * Auth: an API access token (`tskey-api-…`, sent as a Bearer token), or an OAuth client whose ID and
 * secret are exchanged at POST /api/v2/oauth/token (client credentials grant) for an access token that is
 * cached until shortly before it expires. Keys minted through an OAuth client must carry tags the client
 * owns; the client needs the `auth_keys` scope to mint/revoke keys and `devices:core` to list/delete
 * devices.
 *
 * Shapes follow the published description (test/fixtures/api/tailscale-v2-openapi.yaml): createKey,
 * deleteKey, listTailnetDevices, deleteDevice. The minted key goes to the caller only and is redacted when
 * the returned object is printed or serialised.
 */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { parseAnswer, Transport, type Hints, type HttpOptions } from './http.js';
import { answerDate, MintedKey } from './minted.js';

export { MintedKey } from './minted.js';

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

export interface AuthKeyRequest {
  /** Tags for the node (required with OAuth: the client must own them). */
  tags?: string[];
  /** Seconds until the key expires (the API's default is 90 days; pass something short). */
  expirySeconds: number;
  /** At most 50 characters: letters, digits, spaces and hyphens (see authKeyDescription). */
  description?: string;
  reusable?: boolean;
  ephemeral?: boolean;
  preauthorized?: boolean;
}

export interface TailscaleDevice {
  /** The legacy numeric ID. */
  id: string;
  /** The preferred ID (what deleteDevice uses). */
  nodeId: string;
  /** MagicDNS name, e.g. `berlin2026.tail1234.ts.net`. */
  name: string;
  /** The machine name in the admin console. */
  hostname: string;
  tags: string[];
}

const DESCRIPTION = /^[A-Za-z0-9 -]{0,50}$/;

/**
 * A description the API accepts ("a maximum of 50 alphanumeric characters. Hyphens and spaces are also
 * allowed"): other characters become hyphens, the rest is cut at 50.
 */
export function authKeyDescription(text: string): string {
  return text.replace(/[^A-Za-z0-9 -]/g, '-').slice(0, 50);
}

const KeySchema = z.object({
  id: z.string().min(1),
  key: z.string().min(1),
  expires: z.string().optional(),
});

const DevicesSchema = z.object({
  devices: z
    .array(
      z.object({
        id: z.string().default(''),
        nodeId: z.string().min(1),
        name: z.string().default(''),
        hostname: z.string().default(''),
        tags: z.array(z.string()).nullish(),
      }),
    )
    .nullish(),
});

const TokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

const OAUTH_CONSOLE = 'admin console → Settings → Trust credentials';

export class TailscaleApi {
  readonly host: string;
  private readonly base: URL;
  private readonly tailnet: string;
  private readonly auth: TailscaleAuth;
  private readonly transport: Transport;
  private readonly refreshMarginMs: number;
  /** Secrets that must never appear in a message: credentials, tokens, minted keys. */
  private readonly secrets = new Set<string>();
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

  private get oauth(): boolean {
    return 'oauthClientId' in this.auth;
  }

  private url(...segments: string[]): URL {
    const root = this.base.pathname.replace(/\/$/, '');
    return new URL(`${root}/api/v2/${segments.map(encodeURIComponent).join('/')}`, this.base);
  }

  private hints(call: string, scope: string, notFound: string, extra = ''): Hints {
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

  private noTailnet(): string {
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
  private async call(spec: Omit<Parameters<Transport['request']>[0], 'headers'>): Promise<Awaited<ReturnType<Transport['request']>>> {
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

  /** Mint an auth key: single-use, not ephemeral and pre-authorized unless asked otherwise. */
  async createAuthKey(request: AuthKeyRequest): Promise<MintedKey> {
    const call = 'create auth key';
    const tags = request.tags ?? [];
    if (request.description !== undefined && !DESCRIPTION.test(request.description)) {
      throw new UsageError(
        `auth key description ${JSON.stringify(request.description)}: the Tailscale API takes at most 50 letters, digits, spaces and hyphens`,
      );
    }
    if (!Number.isInteger(request.expirySeconds) || request.expirySeconds <= 0) {
      throw new UsageError(`auth key expiry ${request.expirySeconds}: a positive number of seconds`);
    }
    if (this.oauth && tags.length === 0) {
      throw new UsageError('an auth key minted through an OAuth client must carry tags (e.g. tag:demo) that the client owns');
    }
    const result = await this.call({
      call,
      method: 'POST',
      url: this.url('tailnet', this.tailnet, 'keys'),
      json: {
        keyType: 'auth',
        capabilities: {
          devices: {
            create: {
              reusable: request.reusable ?? false,
              ephemeral: request.ephemeral ?? false,
              preauthorized: request.preauthorized ?? true,
              tags,
            },
          },
        },
        expirySeconds: request.expirySeconds,
        ...(request.description !== undefined ? { description: request.description } : {}),
      },
      hints: this.hints(
        call,
        'auth_keys',
        this.noTailnet(),
        tags.length ? ` and own the tags ${tags.join(', ')} (tagOwners in the policy file)` : '',
      ),
    });
    const key = parseAnswer(this.transport, call, result, (b) => KeySchema.parse(b));
    this.secrets.add(key.key);
    return new MintedKey(key.id, key.key, answerDate(key.expires));
  }

  /** Revoke an auth key (devices that registered with it stay). */
  async deleteAuthKey(id: string): Promise<void> {
    const call = `delete auth key ${id}`;
    await this.call({
      call,
      method: 'DELETE',
      url: this.url('tailnet', this.tailnet, 'keys', id),
      hints: this.hints(call, 'auth_keys', 'no such key (revoked already?)'),
    });
  }

  async listDevices(): Promise<TailscaleDevice[]> {
    const call = 'list devices';
    const result = await this.call({
      call,
      method: 'GET',
      url: this.url('tailnet', this.tailnet, 'devices'),
      hints: this.hints(call, 'devices:core:read', this.noTailnet()),
    });
    const answer = parseAnswer(this.transport, call, result, (b) => DevicesSchema.parse(b));
    return (answer.devices ?? []).map((d) => ({ id: d.id, nodeId: d.nodeId, name: d.name, hostname: d.hostname, tags: d.tags ?? [] }));
  }

  /**
   * Devices whose machine name, or the first label of whose MagicDNS name, is `hostname` (case does not
   * matter). A re-registered node may be named `<hostname>-1`: that is a different name, not a match.
   */
  async findDevicesByHostname(hostname: string): Promise<TailscaleDevice[]> {
    const want = hostname.toLowerCase();
    return (await this.listDevices()).filter((d) => d.hostname.toLowerCase() === want || d.name.toLowerCase().split('.')[0] === want);
  }

  /** Delete a device by its nodeId (or legacy numeric id). */
  async deleteDevice(id: string): Promise<void> {
    const call = `delete device ${id}`;
    await this.call({
      call,
      method: 'DELETE',
      url: this.url('device', id),
      hints: this.hints(call, 'devices:core', 'no such device (deleted already?)'),
    });
  }
}
