/**
 * The fleet's own headscale with OpenID Connect, end to end through the product's CLI: a fleet file with
 * `controlServer.oidc` (a real provider, test/helpers/oidc-provider.ts; the client secret from an env
 * variable): `alpha` gets a key minted inside the server and is served from nothing; `gamma`
 * (`interactiveLogin: true`) waits for a person. Chromium follows gamma's login URL as `status` shows
 * it; a user outside `allowedDomains`, one outside `allowedUsers` and one without the group are each
 * refused by headscale and gamma keeps waiting; a user who passes every filter logs it in and
 * `up`/`status` show it served; a visitor logged in the same way is greeted by the name and email the
 * provider gave. The secret appears in no output and no file.
 *
 * Newest headscale release run here only: headscale's own OIDC behaviour per release is
 * headscale-oidc.test.ts; this is the product's path to it.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../cli/fleet/file.js';
import { launchChromium, type TestBrowser } from '../helpers/browser.js';
import { docker, exec, expectOk, fleets, type TestFleet, waitFor } from '../helpers/engine-fixture.js';
import { oidcLogin } from '../helpers/oidc-login.js';
import { TestOidcProvider } from '../helpers/oidc-provider.js';
import { buildRealTailnetImages, EVENT_BASE_IMAGE, headscaleVersionsToRun, runVisitor, realTailnetReady } from '../helpers/real-tailnet.js';
import { chromium as chromiumBrowser, runId } from '../helpers/requirements.js';

const ready = realTailnetReady();
const chromium = chromiumBrowser();
const VERSION = headscaleVersionsToRun().at(-1)!.replace(/^v/, '');
const SECRET_VAR = 'CS_OIDC_CLIENT_SECRET';
const ADA = {
  sub: 'ada-1',
  preferred_username: 'ada',
  email: 'ada@example.com',
  email_verified: true,
  name: 'Ada Lovelace',
  groups: ['demo'],
};
const BOB = {
  sub: 'bob-2',
  preferred_username: 'bob',
  email: 'bob@example.com',
  email_verified: true,
  name: 'Bob Builder',
  picture: 'https://example.com/bob.png',
  groups: ['demo'],
};
const MALLORY = {
  sub: 'mallory-3',
  preferred_username: 'mallory',
  email: 'mallory@example.net',
  email_verified: true,
  name: 'Mallory',
  groups: ['demo'],
};
/** In the domain and the group, not in allowedUsers. */
const DORA = { sub: 'dora-4', preferred_username: 'dora', email: 'dora@example.com', email_verified: true, name: 'Dora', groups: ['demo'] };
/** In the domain and allowedUsers, without the group. */
const CARL = {
  sub: 'carl-5',
  preferred_username: 'carl',
  email: 'carl@example.com',
  email_verified: true,
  name: 'Carl',
  groups: ['other'],
};
const ALLOWED_USERS = [ADA.email, 'bob@example.com', CARL.email, MALLORY.email];

interface StatusRow {
  event: string;
  tailnet: string;
  url: string | null;
  loginUrl: string | null;
}

describe.skipIf(!ready || !chromium.ok)(`the control server with OIDC (headscale ${VERSION})`, () => {
  const make = fleets();
  const secret = randomBytes(24).toString('hex');
  const subnet = 150 + (Number.parseInt(runId.replace(/\D/g, '').slice(-2) || '0', 10) % 50);
  const network = `demo-fleet-cso-${runId}`;
  const gateway = `10.${subnet}.78.1`;
  const serverIp = `10.${subnet}.78.10`;
  const serverUrl = `http://${serverIp}:8080`;
  const baseDomain = 'oidc.tailnet.test';
  const visitorName = `demo-fleet-cso-${runId}-visitor`;
  let f: TestFleet;
  let idp: TestOidcProvider;
  let browser: TestBrowser;
  let year = 0;
  const fqdn = (event: string) => `${event}${year}.${baseDomain}`;
  const up = () => f.cli(['up', '--base-image', EVENT_BASE_IMAGE, '--wait-timeout', '60']);
  const status = async () =>
    Object.fromEntries((JSON.parse((await f.cli(['status', '--json'])).stdout) as StatusRow[]).map((r) => [r.event, r]));

  beforeAll(async () => {
    await buildRealTailnetImages();
    await docker([
      'network',
      'create',
      '--internal',
      '--subnet',
      `10.${subnet}.78.0/24`,
      '--gateway',
      gateway,
      '--label',
      `dev.demo-fleet.test=${network}`,
      network,
    ]);
    idp = await TestOidcProvider.start({
      host: gateway,
      clientSecret: secret,
      redirectUris: [`${serverUrl}/oidc/callback`],
      users: [ADA, BOB, MALLORY, DORA, CARL],
    });
    browser = await launchChromium();
    f = await make({ events: { alpha: [], gamma: ['--interactive-login'] }, keyless: ['alpha', 'gamma'], env: { [SECRET_VAR]: secret } });
    const block = [
      `network: ${network}`,
      'controlServer:',
      `  version: "${VERSION}"`,
      '  image: demo-fleet-test/headscale',
      `  url: ${serverUrl}`,
      `  ip: ${serverIp}`,
      `  baseDomain: ${baseDomain}`,
      '  oidc:',
      `    issuer: ${idp.issuer}`,
      `    clientId: ${idp.clientId}`,
      `    clientSecret: { env: ${SECRET_VAR} }`,
      '    scope: [openid, profile, email, groups]',
      '    allowedDomains: [example.com]',
      `    allowedUsers: [${ALLOWED_USERS.join(', ')}]`,
      '    allowedGroups: [demo]',
      '',
    ].join('\n');
    await writeFile(f.file, `${await readFile(f.file, 'utf8')}${block}`);
    year = (await loadFleet(f.file)).fleet.year;
  });

  afterAll(async () => {
    await exec('docker', ['rm', '-f', visitorName]);
    await f?.cli(['down', '--with-control-server']);
    await exec('docker', ['rm', '-f', f?.container('headscale') ?? 'none']);
    await browser?.close();
    await idp?.close();
    await exec('docker', ['network', 'rm', network]);
  });

  it('1. up from nothing: headscale with OIDC, alpha served with a key minted inside it; gamma waits for a person, with its login URL (exit 9)', async () => {
    const r = await up();
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/alpha: minted auth key/);
    expect(r.stderr).not.toMatch(/gamma: minted auth key/);
    const rows = await status();
    expect(rows.alpha).toMatchObject({ tailnet: 'served', url: `http://${fqdn('alpha')}:443` });
    const gamma = rows.gamma!;
    expect(gamma.tailnet).toBe('waiting for login');
    expect(gamma.loginUrl).toMatch(new RegExp(`^${serverUrl.replaceAll('.', '\\.')}/register/`));
  });

  it.each([
    ['outside allowedDomains', MALLORY],
    ['outside allowedUsers', DORA],
    ['without the group', CARL],
  ])('2. a user %s is refused by headscale; the event keeps waiting', async (_why, user) => {
    const gamma = (await status()).gamma!;
    const outcome = await oidcLogin(browser, gamma.loginUrl!, user.preferred_username);
    expect(outcome.status).toBeGreaterThanOrEqual(400);
    expect(outcome.text.toLowerCase()).toMatch(/unauthori[sz]ed|not allowed|forbidden|domain|group|user/);
    expect((await status()).gamma).toMatchObject({ tailnet: 'waiting for login' });
  });

  it('3. a user inside logs the event in through the provider; up and status show it served', async () => {
    const gamma = (await status()).gamma!;
    const outcome = await oidcLogin(browser, gamma.loginUrl!, ADA.preferred_username);
    expect(outcome.status, outcome.text).toBeLessThan(400);
    await waitFor('gamma served', async () => (await status()).gamma?.tailnet === 'served', 90_000, 1_000);
    const r = expectOk(await up(), 'up after the login');
    expect(r.stdout).toMatch(/gamma\s+keep\s/); // nothing to change: up exits 0 and keeps it
    expect((await status()).gamma).toMatchObject({ tailnet: 'served', url: `http://${fqdn('gamma')}:443` });
    const users = JSON.parse(
      (await exec('docker', ['exec', f.container('headscale'), 'headscale', 'users', 'list', '-o', 'json'])).stdout,
    ) as Array<{ name: string; email?: string; display_name?: string }>;
    expect(users.find((u) => u.email === ADA.email)).toMatchObject({ display_name: ADA.name });
  });

  it('4. a visitor logged in through OIDC is greeted by the name and email the provider gave', async () => {
    const visitor = await runVisitor(visitorName, ['--network', network, '--label', `dev.demo-fleet.test=${network}`]);
    await docker(['exec', '-d', visitorName, 'tailscale', 'up', `--login-server=${serverUrl}`, '--hostname=bob-laptop']);
    const authUrl = await waitFor('visitor login URL', async () => (await visitor.status()).AuthURL || undefined, 60_000);
    expect((await oidcLogin(browser, authUrl, BOB.preferred_username)).status).toBeLessThan(400);
    await visitor.waitRunning();
    const page = await visitor.fetch(fqdn('gamma'), 443, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Now we're friends, ${BOB.name} (${BOB.email})`);
    expect(page.body).toContain(BOB.picture);
  });

  it('5. the client secret is in no output, no compose file and no fleet file', async () => {
    for (const run of f.runs) {
      expect(run.result.stdout).not.toContain(secret);
      expect(run.result.stderr).not.toContain(secret);
    }
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = path.join(dir, n);
        return statSync(p).isDirectory() ? (n === 'appdata' ? [] : files(p)) : [p];
      });
    for (const file of files(f.dir)) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
  });
});
