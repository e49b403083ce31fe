/**
 * A REAL OpenID provider for integration tests: the npm package `oidc-provider` (a certified OpenID
 * Connect implementation), run in this process on an address the test picks — for the real tailnet,
 * the gateway address of the run's own Docker network, which the containers on that network and
 * Chromium on the host both reach under the same issuer URL (see RealTailnet.gatewayAddress()).
 *
 *   const idp = await TestOidcProvider.start({ host: gw, clientSecret, redirectUris: [`${hs}/oidc/callback`], users });
 *   // headscale: oidc.issuer = idp.issuer, oidc.client_id = idp.clientId, the secret through its env
 *   await idp.close();
 *
 * - One confidential client (`client_secret_basic` or `client_secret_post`, as the relying party picks),
 *   authorization code flow only, PKCE required (oidc-provider 9 knows only S256).
 * - Users are the test's: `sub`, `email`, `email_verified`, `name`, `preferred_username`, `picture`,
 *   `groups`, returned for the scopes `openid`, `email`, `profile`, `groups` — in the userinfo response
 *   AND in the ID token (`conformIdTokenClaims: false`): headscale checks its filters on the ID token's
 *   claims before it reads userinfo (hscontrol/oidc.go v0.26.1 lines 263–282).
 * - The login is a form of our own at `/interaction/<uid>`: one text field `username` (a user's
 *   `preferred_username` or `sub`) and a submit button "Sign in"; an unknown name gets the form again
 *   with "unknown user". Consent is granted with the login (the client is first-party here).
 * - Plain http: the issuer is `http://<host>:<port>` (go-oidc compares the issuer string only).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface OidcTestUser {
  /** The stable subject; headscale's provider id is `<issuer>/<sub>`. */
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  picture?: string;
  groups?: string[];
}

export interface TestOidcProviderOptions {
  /** The address to listen on, also the issuer's host (an IP the containers and the browser reach). */
  host: string;
  /** 0 (default): any free port. */
  port?: number;
  clientId?: string;
  clientSecret: string;
  /** The relying party's redirect URIs (headscale: `<server_url>/oidc/callback`); settable later. */
  redirectUris?: string[];
  users: OidcTestUser[];
  /** Lifetime of access tokens in seconds (default 3600). */
  accessTokenTtl?: number;
  /** Lifetime of ID tokens in seconds (default 3600). */
  idTokenTtl?: number;
}

/** What the provider saw, for assertions and failure messages. */
export interface OidcEvent {
  kind: 'authorization' | 'login' | 'token' | 'userinfo';
  detail: Record<string, unknown>;
}

const CLAIMS_BY_SCOPE: Record<string, string[]> = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'preferred_username', 'picture'],
  groups: ['groups'],
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      text += d;
    });
    req.on('end', () => resolve(new URLSearchParams(text)));
    req.on('error', reject);
  });
}

export class TestOidcProvider {
  readonly clientId: string;
  readonly events: OidcEvent[] = [];
  private readonly users = new Map<string, OidcTestUser>();
  private provider!: Provider;
  private server!: Server;
  private redirectUris: string[];
  issuer = '';

  private constructor(private readonly options: TestOidcProviderOptions) {
    this.clientId = options.clientId ?? 'headscale';
    this.redirectUris = options.redirectUris ?? [];
    for (const u of options.users) this.users.set(u.sub, u);
  }

  static async start(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
    const p = new TestOidcProvider(options);
    await p.listen();
    return p;
  }

  /** The user a login name means: its `preferred_username`, else its `sub`. */
  user(login: string): OidcTestUser | undefined {
    return [...this.users.values()].find((u) => u.preferred_username === login) ?? this.users.get(login);
  }

  /** Replace the relying party's redirect URIs (the client is re-made: the old one's grants are gone). */
  setRedirectUris(uris: string[]): void {
    this.redirectUris = uris;
    this.provider = this.makeProvider();
  }

  private makeProvider(): Provider {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' };
    const configuration: Configuration = {
      clients: [
        {
          client_id: this.clientId,
          client_secret: this.options.clientSecret,
          redirect_uris: this.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      // the relying party may also send the secret in the body (Go's oauth2 tries basic first)
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      jwks: { keys: [jwk as never] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      pkce: { required: () => true },
      scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
      claims: CLAIMS_BY_SCOPE,
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
      ttl: {
        AccessToken: this.options.accessTokenTtl ?? 3600,
        IdToken: this.options.idTokenTtl ?? 3600,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
      },
      findAccount: (_ctx, sub) => {
        const u = this.users.get(sub);
        if (!u) return undefined;
        return {
          accountId: sub,
          claims: () => ({
            sub: u.sub,
            ...(u.email !== undefined && { email: u.email }),
            ...(u.email_verified !== undefined && { email_verified: u.email_verified }),
            ...(u.name !== undefined && { name: u.name }),
            ...(u.preferred_username !== undefined && { preferred_username: u.preferred_username }),
            ...(u.picture !== undefined && { picture: u.picture }),
            ...(u.groups !== undefined && { groups: u.groups }),
          }),
        };
      },
      renderError: (ctx, out) => {
        ctx.type = 'html';
        ctx.body = `<!doctype html><title>oidc error</title><h1>${escapeHtml(String(out.error))}</h1><p>${escapeHtml(String(out.error_description ?? ''))}</p>`;
      },
    };
    const provider = new Provider(this.issuer, configuration);
    provider.on('authorization.accepted', (ctx: KoaContextWithOIDC) =>
      this.events.push({ kind: 'authorization', detail: { ...ctx.oidc.params } }),
    );
    provider.on('grant.success', (ctx: KoaContextWithOIDC) =>
      this.events.push({ kind: 'token', detail: { client: ctx.oidc.client?.clientId, authMethod: ctx.oidc.client?.clientAuthMethod } }),
    );
    provider.on('grant.error', (_ctx: KoaContextWithOIDC, err: Error) =>
      this.events.push({
        kind: 'token',
        detail: { error: err.message, description: (err as { error_description?: string }).error_description },
      }),
    );
    provider.on('userinfo.error', (_ctx: KoaContextWithOIDC, err: Error) =>
      this.events.push({ kind: 'userinfo', detail: { error: err.message } }),
    );
    return provider;
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`test provider: ${String(err)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.issuer = `http://${this.options.host}:${port}`;
    this.provider = this.makeProvider();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
    if (!m) {
      this.provider.callback()(req, res);
      return;
    }
    const details = await this.provider.interactionDetails(req, res);
    if (req.method === 'POST' && m[2]) {
      const form = await readBody(req);
      const login = form.get('username') ?? '';
      const user = this.user(login);
      if (!user) {
        this.loginPage(res, details.uid, `unknown user ${login}`);
        return;
      }
      this.events.push({ kind: 'login', detail: { sub: user.sub, login } });
      // the client is first-party: consent to what it asked, with the login
      const grant = new this.provider.Grant({ accountId: user.sub, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      await this.provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (details.prompt.name === 'consent' && details.session?.accountId) {
      const grant = new this.provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      await this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    this.loginPage(res, details.uid);
  }

  private loginPage(res: ServerResponse, uid: string, error = ''): void {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html>
<html><head><title>Test identity provider: sign in</title></head>
<body>
<h1>Sign in</h1>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="username" autocomplete="off" autofocus></label>
<button type="submit">Sign in</button>
</form>
</body></html>`);
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
