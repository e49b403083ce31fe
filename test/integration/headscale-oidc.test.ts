/**
 * OpenID Connect login on the REAL headscale (each version of scripts/tailnet-binaries.sh), with the
 * config the product renders (cli/tailnet/headscale-config.ts renderHeadscaleConfig) and the client
 * secret only in headscale's env (OIDC_SECRET_ENV), against a REAL OpenID provider (the npm package
 * oidc-provider, test/helpers/oidc-provider.ts) and headless Chromium doing what a person does.
 *
 * Per version, on a tailnet of this run's own (RealTailnet: `--internal` network): the provider runs in
 * this process bound to the network's gateway address, so headscale (a container) and Chromium (the
 * host) reach the same issuer URL. Real tailscaled nodes run `tailscale up` without a key; Chromium
 * follows the login URL → the provider's login form → /oidc/callback (0.29: the confirmation page and
 * its CSRF-protected POST) → the node registers under the OIDC user.
 *
 * Filters (a user must pass each configured one): allowed_domains [example.com], allowed_users [the
 * emails below], allowed_groups [demo]; refusals are headscale's own answer as the browser sees it.
 * Expiry: `expiry: 30d` (oidc.expiry ≤ 0.28, node.expiry in 0.29), then use_expiry_from_token.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeadscaleSettings, headscaleMinor, OIDC_SECRET_ENV, renderHeadscaleConfig } from '../../cli/tailnet/headscale-config.js';
import { launchChromium, type TestBrowser } from '../helpers/browser.js';
import { exec, waitFor } from '../helpers/engine-fixture.js';
import { type OidcTestUser, TestOidcProvider } from '../helpers/oidc-provider.js';
import {
  buildRealTailnetImages,
  type HeadscaleNode,
  type HeadscaleUser,
  headscaleImage,
  headscaleVersionsToRun,
  RealTailnet,
  TAILSCALE_VERSION,
  type TailnetNode,
  tailnetBinaries,
} from '../helpers/real-tailnet.js';
import { chromium, dockerEngine, runId } from '../helpers/requirements.js';

const engine = dockerEngine();
const binaries = engine.ok ? tailnetBinaries() : { ok: false };
const browserReq = engine.ok && binaries.ok ? chromium() : { ok: false };
const VERSIONS = headscaleVersionsToRun();

const ADA: OidcTestUser = {
  sub: 'ada-0001',
  email: 'ada@example.com',
  email_verified: true,
  name: 'Ada Lovelace',
  preferred_username: 'ada',
  picture: 'https://example.com/ada.png',
  groups: ['demo', 'staff'],
};
/** Outside allowed_domains (but in allowed_users and the group: only the domain refuses her). */
const EVE: OidcTestUser = {
  sub: 'eve-0002',
  email: 'eve@evil.example',
  email_verified: true,
  name: 'Eve',
  preferred_username: 'eve',
  groups: ['demo'],
};
/** Not in allowed_users (domain and group fine). */
const CARL: OidcTestUser = {
  sub: 'carl-0003',
  email: 'carl@example.com',
  email_verified: true,
  name: 'Carl',
  preferred_username: 'carl',
  groups: ['demo'],
};
/** Without the group (domain and user fine). */
const DORA: OidcTestUser = {
  sub: 'dora-0004',
  email: 'dora@example.com',
  email_verified: true,
  name: 'Dora',
  preferred_username: 'dora',
  groups: ['other'],
};
/** Passes every list, but the provider does not vouch for the email. */
const BEN: OidcTestUser = {
  sub: 'ben-0005',
  email: 'ben@example.com',
  email_verified: false,
  name: 'Ben Unverified',
  preferred_username: 'ben',
  groups: ['demo'],
};
/** For the expiry-from-token login (filters as the others). */
const FAY: OidcTestUser = {
  sub: 'fay-0006',
  email: 'fay@example.com',
  email_verified: true,
  name: 'Fay',
  preferred_username: 'fay',
  groups: ['demo'],
};
const USERS = [ADA, EVE, CARL, DORA, BEN, FAY];
const ALLOWED_USERS = ['ada@example.com', 'eve@evil.example', 'dora@example.com', 'ben@example.com', 'fay@example.com'];
/** Token lifetimes that differ, to see which one use_expiry_from_token takes. */
const ACCESS_TOKEN_TTL = 3_000;
const ID_TOKEN_TTL = 5_400;
const DAY = 86_400;

interface BrowserOutcome {
  /** Status and text of headscale's last answer the browser got (/oidc/callback or /register/confirm). */
  status: number;
  text: string;
  /** Whether the 0.29 confirmation page was shown (and submitted). */
  confirmed: boolean;
  urls: string[];
}

/** Seconds since the epoch of a node's expiry (headscale JSON: {seconds}). */
function expirySeconds(n: HeadscaleNode | undefined): number {
  return Number(n?.expiry?.seconds ?? 0);
}

describe.skipIf(!engine.ok || !binaries.ok || !browserReq.ok)(
  `headscale OIDC login with a real provider (tailscale ${TAILSCALE_VERSION})`,
  () => {
    let browser: TestBrowser;

    beforeAll(async () => {
      await buildRealTailnetImages();
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
    });

    /** Chromium follows `authUrl` like a person: the provider's form as `login`, then headscale's pages. */
    async function browserLogin(authUrl: string, login: string): Promise<BrowserOutcome> {
      const context = await browser.context({});
      const page = await context.newPage();
      const urls: string[] = [];
      let last: { status: number; url: string } | undefined;
      page.on('response', (r) => {
        urls.push(`${r.status()} ${r.request().method()} ${r.url()}`);
        if (/\/oidc\/callback|\/register\/confirm\//.test(r.url())) last = { status: r.status(), url: r.url() };
      });
      try {
        await page.goto(authUrl);
        await page.getByLabel('Username').fill(login);
        await Promise.all([page.waitForURL(/\/oidc\/callback/), page.getByRole('button', { name: 'Sign in' }).click()]);
        await page.waitForLoadState('load');
        let confirmed = false;
        const confirm = page.getByRole('button', { name: 'Confirm registration' });
        if (await confirm.count()) {
          confirmed = true;
          await Promise.all([page.waitForURL(/\/register\/confirm\//), confirm.click()]);
          await page.waitForLoadState('load');
        }
        const text = await page.locator('body').innerText();
        return { status: last?.status ?? 0, text, confirmed, urls };
      } finally {
        await context.close();
      }
    }

    describe.each(VERSIONS)('headscale %s', (version) => {
      const minor = headscaleMinor(version.replace(/^v/, '')) ?? 0;
      const secret = randomBytes(24).toString('hex');
      let tailnet: RealTailnet;
      let idp: TestOidcProvider;
      let settings: HeadscaleSettings;
      let ada: TailnetNode;
      let adaLogin: BrowserOutcome;
      let adaLoggedInAt = 0;
      let waiting: { node: TailnetNode; authUrl: string };
      let booth: TailnetNode;

      const user = async (name: string): Promise<HeadscaleUser & { provider_id?: string; provider?: string }> => {
        const users = await tailnet.headscaleJson<Array<HeadscaleUser & { provider_id?: string; provider?: string }>>(['users', 'list']);
        const u = users.find((x) => x.name === name);
        if (!u) throw new Error(`no headscale user ${name}: ${JSON.stringify(users)}`);
        return u;
      };
      const hsLog = async (): Promise<string> => {
        const r = await exec('docker', ['logs', tailnet.server]);
        return r.stdout + r.stderr;
      };

      beforeAll(async () => {
        tailnet = await RealTailnet.start({
          version,
          name: `oidc${version.replace(/\D/g, '')}`,
          env: { [OIDC_SECRET_ENV]: secret },
          config: async (t) => {
            idp = await TestOidcProvider.start({
              host: await t.gatewayAddress(),
              clientSecret: secret,
              redirectUris: [`${t.serverUrl}/oidc/callback`],
              users: USERS,
              accessTokenTtl: ACCESS_TOKEN_TTL,
              idTokenTtl: ID_TOKEN_TTL,
            });
            settings = {
              version: version.replace(/^v/, ''),
              serverUrl: t.serverUrl,
              listenPort: 8080,
              baseDomain: t.baseDomain,
              prefixes: { v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48' },
              embeddedDerp: true,
              oidc: {
                issuer: idp.issuer,
                clientId: idp.clientId,
                scope: ['openid', 'profile', 'email', 'groups'],
                pkce: true,
                allowedDomains: ['example.com'],
                allowedUsers: ALLOWED_USERS,
                allowedGroups: ['demo'],
                expiry: '30d',
                useExpiryFromToken: false,
              },
            };
            return renderHeadscaleConfig(settings);
          },
        });
        // two nodes wait for a login at once: ada's laptop, and one that the refused users try; an
        // event-like node joins with a key of the fleet's user and serves a header echo
        const [a, w, b] = await Promise.all([
          tailnet.startLoginVisitor({ name: 'ada-laptop' }),
          tailnet.startLoginVisitor({ name: 'kiosk' }),
          tailnet
            .createUser({ name: 'fleet', email: 'fleet@example.com' })
            .then((u) => tailnet.createPreAuthKey({ user: u }))
            .then((k) => tailnet.startVisitor({ name: 'booth', authKey: k.key })),
        ]);
        waiting = w;
        booth = b;
        adaLoggedInAt = Math.floor(Date.now() / 1000);
        adaLogin = await browserLogin(a.authUrl, 'ada');
        ada = a.node;
      });

      afterAll(async () => {
        await tailnet?.cleanup();
        await idp?.close();
      });

      it('a keyless node logs in through the provider: /register → login form → /oidc/callback (0.29: confirm) → registered', async () => {
        expect(
          adaLogin.urls.some((u) => /^302 GET .*\/register\//.test(u)),
          adaLogin.urls.join('\n'),
        ).toBe(true);
        expect(adaLogin.confirmed).toBe(minor >= 29);
        expect(adaLogin.status, adaLogin.urls.join('\n')).toBe(200);
        const st = await ada.waitRunning();
        expect(st.BackendState).toBe('Running');
        const node = await tailnet.node('ada-laptop');
        expect(node?.user?.name).toBe('ada');
        // PKCE S256 went to the provider, and the token request authenticated the confidential client
        const auth = idp.events.find((e) => e.kind === 'authorization');
        expect(auth?.detail).toMatchObject({ code_challenge_method: 'S256', scope: 'openid profile email groups' });
        expect(idp.events.find((e) => e.kind === 'token' && !e.detail.error)?.detail.client).toBe('headscale');
      });

      it('the headscale user carries the claims: name = preferred_username, email (verified), display name, picture, provider id = iss + sub', async () => {
        const u = await user('ada');
        expect(u).toMatchObject({
          name: 'ada',
          email: 'ada@example.com',
          display_name: 'Ada Lovelace',
          profile_pic_url: 'https://example.com/ada.png',
          provider: 'oidc',
          provider_id: `${idp.issuer}/${ADA.sub}`,
        });
      });

      it('serve gives the app the OIDC identity: Tailscale-User-Login = email, -Name = the name claim, -Profile-Pic = picture', async () => {
        // the app: echo the request headers as JSON (node is in the visitor image, from the base fixture)
        const echo = "require('http').createServer((q,s)=>s.end(JSON.stringify(q.headers))).listen(5000,'127.0.0.1')";
        await exec('docker', ['exec', '-d', booth.container, 'node', '-e', echo]);
        const serve = await booth.tailscale(['serve', '--bg', '--http=80', 'http://127.0.0.1:5000']);
        expect(serve.code, serve.stderr).toBe(0);
        await ada.waitRunning();
        const host = `booth.${tailnet.baseDomain}`;
        const res = await waitFor(
          `${host} served to ada`,
          async () => {
            const r = await ada.fetch(host, 80, '/').catch(() => undefined);
            return r?.status === 200 && r.body.startsWith('{') ? r : undefined;
          },
          60_000,
          500,
        );
        const headers = JSON.parse(res.body) as Record<string, string>;
        expect(headers).toMatchObject({
          'tailscale-user-login': 'ada@example.com',
          'tailscale-user-name': 'Ada Lovelace',
          'tailscale-user-profile-pic': 'https://example.com/ada.png',
        });
      });

      it("a user outside allowed_domains, outside allowed_users, or without the group is refused by headscale's own answer; the node stays unregistered", async () => {
        const cases: Array<[OidcTestUser, string]> = [
          [EVE, 'unauthorised domain'],
          [CARL, 'unauthorised user'],
          [DORA, 'unauthorised group'],
        ];
        for (const [who, reason] of cases) {
          const r = await browserLogin(waiting.authUrl, who.preferred_username!);
          expect(r.status, `${who.email}: ${r.urls.join('\n')}`).toBe(401);
          expect(r.confirmed).toBe(false);
          if (minor >= 29) {
            // 0.29 shows a generic page; the reason is only in its log
            expect(r.text).toContain('You are not authorized. Please contact your administrator.');
            expect(await hsLog()).toContain(`user msg: ${reason}`);
          } else {
            expect(r.text.trim()).toBe(reason);
          }
        }
        const st = await waiting.node.status();
        expect(st.BackendState).toBe('NeedsLogin');
        expect(st.HaveNodeKey ?? false).toBe(false);
        expect(await tailnet.node('kiosk')).toBeUndefined();
        const names = (await tailnet.headscaleJson<HeadscaleUser[]>(['users', 'list'])).map((u) => u.name);
        for (const n of ['eve', 'carl', 'dora']) expect(names).not.toContain(n);
      });

      it('an unverified email: refused with email filters from 0.28 (email_verified_required defaults to true); 0.26 lets it in and keeps no email', async () => {
        const r = await browserLogin(waiting.authUrl, 'ben');
        if (minor >= 28) {
          expect(r.status).toBe(401);
          if (minor >= 29) expect(await hsLog()).toContain('user msg: unverified email');
          else expect(r.text.trim()).toBe('unverified email');
          expect(await tailnet.node('kiosk')).toBeUndefined();
        } else {
          expect(r.status).toBe(200);
          await waiting.node.waitRunning();
          const u = await user('ben');
          expect(u.display_name).toBe('Ben Unverified');
          expect(u.email ?? '').toBe('');
          expect((await tailnet.node('kiosk'))?.user?.name).toBe('ben');
        }
      });

      it('the configured expiry (30d) is the OIDC node’s expiry', async () => {
        const exp = expirySeconds(await tailnet.node('ada-laptop'));
        expect(exp).toBeGreaterThanOrEqual(adaLoggedInAt + 30 * DAY - 5);
        expect(exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30 * DAY + 5);
        const st = await ada.status();
        expect(Date.parse(st.Self?.KeyExpiry ?? '') / 1000).toBeCloseTo(exp, -1);
      });

      it('use_expiry_from_token: the node expires with the ID token (not the access token)', async () => {
        await tailnet.reconfigure(
          renderHeadscaleConfig({ ...settings, oidc: { ...settings.oidc!, expiry: undefined, useExpiryFromToken: true } }),
        );
        const fay = await tailnet.startLoginVisitor({ name: 'fay-laptop' });
        const before = Math.floor(Date.now() / 1000);
        const r = await browserLogin(fay.authUrl, 'fay');
        expect(r.status, r.urls.join('\n')).toBe(200);
        await fay.node.waitRunning();
        const after = Math.floor(Date.now() / 1000);
        const exp = expirySeconds(await tailnet.node('fay-laptop'));
        expect(exp).toBeGreaterThanOrEqual(before + ID_TOKEN_TTL - 5);
        expect(exp).toBeLessThanOrEqual(after + ID_TOKEN_TTL + 5);
      });
    });
    describe.each(VERSIONS)('headscale %s: what it refuses at start (`headscale configtest`, no network)', (version) => {
      const v = version.replace(/^v/, '');
      const minor = headscaleMinor(v) ?? 0;
      const base: HeadscaleSettings = {
        version: v,
        serverUrl: 'http://172.30.0.2:8080',
        listenPort: 8080,
        baseDomain: 'tailnet.test',
        prefixes: { v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48' },
        embeddedDerp: true,
      };

      /** `headscale configtest` on `text`: exit code and the last lines it printed. */
      async function configtest(text: string): Promise<{ code: number; out: string }> {
        const dir = await mkdtemp(path.join(tmpdir(), `demo-fleet-oidc-ct-${runId}-`));
        const name = `demo-fleet-oidc-ct-${runId}-${minor}`;
        try {
          await writeFile(path.join(dir, 'config.yaml'), text, { mode: 0o644 });
          const r = await exec('docker', [
            'run',
            '--rm',
            '--name',
            name,
            '--network',
            'none',
            '-v',
            `${dir}:/etc/headscale:ro`,
            '--entrypoint',
            'headscale',
            headscaleImage(version),
            'configtest',
          ]);
          return { code: r.code, out: (r.stdout + r.stderr).trim().split('\n').slice(-3).join('\n') };
        } finally {
          await exec('docker', ['rm', '-f', name]);
          await rm(dir, { recursive: true, force: true });
        }
      }

      it('the rendered config passes; the keys demo-fleet never writes are fatal where the sources say', async () => {
        expect(await configtest(renderHeadscaleConfig(base))).toMatchObject({ code: 0 });
        const stripped = await configtest(`${renderHeadscaleConfig(base)}oidc:\n  strip_email_domain: false\n`);
        expect(stripped.code).not.toBe(0);
        expect(stripped.out).toContain('"oidc.strip_email_domain" configuration key has been removed');
        const oidcExpiry = await configtest(`${renderHeadscaleConfig(base)}oidc:\n  expiry: 30d\n`);
        const randomize = await configtest(`${renderHeadscaleConfig(base)}randomize_client_port: false\n`);
        if (minor >= 29) {
          expect(oidcExpiry.code).not.toBe(0);
          expect(oidcExpiry.out).toContain('"oidc.expiry" configuration key has been removed. Please use "node.expiry" instead.');
          expect(randomize.code).not.toBe(0);
          expect(randomize.out).toContain('"randomize_client_port" configuration key has been removed');
        } else {
          expect(oidcExpiry.code).toBe(0);
          expect(randomize.code).toBe(0);
        }
        const sameDomain = await configtest(renderHeadscaleConfig({ ...base, baseDomain: '172.30.0.2' }));
        expect(sameDomain.code).not.toBe(0);
        expect(sameDomain.out).toContain('server_url cannot use the same domain as base_domain');
      });
    });
  },
);
