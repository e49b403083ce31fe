/** The fleet file's `controlServer:` block: what it sets for the events, and what it refuses (one issue per field). */
import { describe, expect, it } from 'vitest';
import { FleetSchema } from '../../../cli/fleet/schema.js';
import { eventEnvironment } from '../../../cli/render/service.js';

const base = {
  year: 2026,
  events: { alpha: {} },
  controlServer: { version: '0.29.3', url: 'http://10.1.2.3:8080', baseDomain: 'demo.tailnet.test' },
};

function issues(input: unknown): Array<{ path: string; message: string }> {
  const r = FleetSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('controlServer in the fleet file', () => {
  it('makes its URL the login server, gives the events a network and http serve, and fills the defaults', () => {
    const fleet = FleetSchema.parse({ ...base, name: 'acme' });
    expect(fleet.loginServer).toBe('http://10.1.2.3:8080');
    expect(fleet.network).toBe('acme-tailnet');
    expect(fleet.controlServer).toMatchObject({
      version: '0.29.3',
      image: 'headscale/headscale',
      listenPort: 8080,
      embeddedDerp: true,
      user: 'demo-fleet',
      prefixes: { v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48' },
    });
    const env = new Map(eventEnvironment(fleet, 'alpha', fleet.events.alpha!));
    expect(env.get('TAILSCALE_LOGIN_SERVER')).toBe('http://10.1.2.3:8080');
    expect(env.get('TAILSCALE_SERVE_MODE')).toBe('http');
  });

  it('keeps a network the file names, and takes "v0.28.0" as 0.28.0', () => {
    const fleet = FleetSchema.parse({ ...base, network: 'mine', controlServer: { ...base.controlServer, version: 'v0.28.0' } });
    expect(fleet.network).toBe('mine');
    expect(fleet.controlServer?.version).toBe('0.28.0');
  });

  it.each([
    [{ loginServer: 'https://hs.example.com' }, 'loginServer', /the control server is the login server: remove loginServer/],
    [{ keys: { apiKey: { env: 'K' } } }, 'keys', /remove the keys block/],
    [{ events: { headscale: {} } }, 'events.headscale', /control server's container name .*-headscale: rename the event/],
    [{ controlServer: { ...base.controlServer, version: '0.25.1' } }, 'controlServer.version', /from 0\.26 to 0\.29/],
    [{ controlServer: { ...base.controlServer, ip: '10.1.2.3' } }, 'controlServer.ip', /needs a network with a subnet/],
    [
      { controlServer: { ...base.controlServer, url: 'https://hs.demo.tailnet.test' } },
      'controlServer.baseDomain',
      /contains the server's host hs\.demo\.tailnet\.test/,
    ],
    [
      { controlServer: { ...base.controlServer, version: '0.26.1', oidc: oidc({ emailVerifiedRequired: true }) } },
      'controlServer.oidc.emailVerifiedRequired',
      /0\.26\.1 has no email_verified_required.*0\.28/,
    ],
    [
      { controlServer: { ...base.controlServer, oidc: { ...oidc(), clientSecret: 's3cret' } } },
      'controlServer.oidc.clientSecret',
      /key source/,
    ],
    [{ events: { alpha: { funnel: true } } }, 'events.alpha.funnel', /headscale has no Funnel/],
  ])('refuses %j at %s', (extra, field, message) => {
    const found = issues({ ...base, ...extra });
    expect(found.map((i) => i.path)).toContain(field);
    expect(found.find((i) => i.path === field)?.message).toMatch(message);
  });

  it('takes a full oidc block with the secret from the environment; the app filters as headscale does, and knows its URL', () => {
    const fleet = FleetSchema.parse({
      ...base,
      controlServer: {
        ...base.controlServer,
        oidc: oidc({
          allowedGroups: ['demo'],
          scope: ['openid', 'profile', 'email', 'groups'],
          allowedDomains: ['example.com'],
          expiry: '30d',
        }),
      },
    });
    expect(fleet.controlServer?.oidc).toMatchObject({
      pkce: true,
      scope: ['openid', 'profile', 'email', 'groups'],
      allowedGroups: ['demo'],
      expiry: '30d',
    });
    const env = new Map(eventEnvironment(fleet, 'alpha', fleet.events.alpha!));
    expect(env.get('ALLOWED_DOMAINS')).toBe('example.com');
    expect(env.has('ALLOWED_USERS')).toBe(false);
    expect(env.get('TAILSCALE_URL')).toBe('http://alpha2026.demo.tailnet.test:443');
  });
});

function oidc(extra: Record<string, unknown> = {}) {
  return { issuer: 'http://10.1.2.4:3000', clientId: 'headscale', clientSecret: { env: 'OIDC_SECRET' }, ...extra };
}
