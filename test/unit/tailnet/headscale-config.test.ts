import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  HEADSCALE_STATE_DIR,
  type HeadscaleSettings,
  headscaleConfigProblems,
  OIDC_SECRET_ENV,
  renderHeadscaleConfig,
} from '../../../cli/tailnet/headscale-config.js';

type Oidc = NonNullable<HeadscaleSettings['oidc']>;

function settings(version: string, oidc: Partial<Oidc> | null = {}): HeadscaleSettings {
  return {
    version,
    serverUrl: 'https://hs.example.com',
    listenPort: 8080,
    baseDomain: 'tailnet.example.net',
    prefixes: { v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48' },
    embeddedDerp: true,
    ...(oidc && {
      oidc: {
        issuer: 'https://sso.example.com',
        clientId: 'headscale',
        scope: ['openid', 'profile', 'email', 'groups'],
        pkce: true,
        allowedDomains: ['example.com'],
        allowedUsers: [],
        allowedGroups: ['demo'],
        useExpiryFromToken: false,
        ...oidc,
      },
    }),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document, looked into by key
const yamlOf = (s: HeadscaleSettings): any => parse(renderHeadscaleConfig(s));

describe('renderHeadscaleConfig', () => {
  it('writes what every version needs to start (the real-tailnet baseline) and the fleet settings', () => {
    for (const version of ['0.26.1', '0.27.1', '0.28.0', '0.29.3']) {
      const c = yamlOf(settings(version, null));
      expect(c.server_url).toBe('https://hs.example.com');
      expect(c.listen_addr).toBe('0.0.0.0:8080');
      expect(c.noise.private_key_path).toBe(`${HEADSCALE_STATE_DIR}/noise_private.key`);
      expect(c.database).toEqual({ type: 'sqlite', sqlite: { path: `${HEADSCALE_STATE_DIR}/db.sqlite`, write_ahead_log: true } });
      expect(c.unix_socket).toBe(`${HEADSCALE_STATE_DIR}/headscale.sock`);
      expect(c.prefixes).toEqual({ v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48', allocation: 'sequential' });
      expect(c.dns).toMatchObject({ magic_dns: true, base_domain: 'tailnet.example.net', override_local_dns: false });
      expect(c.derp.server.enabled).toBe(true);
      expect(c.derp.urls).toEqual([]);
      expect(c.oidc).toBeUndefined();
      // keys some version refuses or warns about are never written
      for (const k of ['randomize_client_port', 'ephemeral_node_inactivity_timeout', 'node']) expect(c).not.toHaveProperty(k);
    }
  });

  it("without the embedded DERP: Tailscale's public DERP map", () => {
    const c = yamlOf({ ...settings('0.29.3', null), embeddedDerp: false });
    expect(c.derp.server.enabled).toBe(false);
    expect(c.derp.urls).toEqual(['https://controlplane.tailscale.com/derpmap/default']);
    expect(c.derp.auto_update_enabled).toBe(true);
  });

  it('writes the OIDC block, never a client secret (it comes from the env)', () => {
    const text = renderHeadscaleConfig(settings('0.28.0'));
    const c = parse(text);
    expect(c.oidc).toEqual({
      only_start_if_oidc_is_available: true,
      issuer: 'https://sso.example.com',
      client_id: 'headscale',
      scope: ['openid', 'profile', 'email', 'groups'],
      pkce: { enabled: true, method: 'S256' },
      allowed_domains: ['example.com'],
      allowed_users: [],
      allowed_groups: ['demo'],
      use_expiry_from_token: false,
    });
    expect(text).not.toMatch(/client_secret/);
    expect(text).not.toMatch(/strip_email_domain|map_legacy_users/);
    expect(text).toContain(OIDC_SECRET_ENV);
    expect(OIDC_SECRET_ENV).toBe('HEADSCALE_OIDC_CLIENT_SECRET');
  });

  it('expiry: oidc.expiry up to 0.28, node.expiry in 0.29 (which refuses oidc.expiry)', () => {
    for (const v of ['0.26.1', '0.27.1', '0.28.0']) {
      const c = yamlOf(settings(v, { expiry: '30d' }));
      expect(c.oidc.expiry).toBe('30d');
      expect(c).not.toHaveProperty('node');
    }
    const c29 = yamlOf(settings('0.29.3', { expiry: '30d' }));
    expect(c29.oidc).not.toHaveProperty('expiry');
    expect(c29.node).toEqual({ expiry: '30d' });
    // unset: each version's own default, nothing written
    expect(yamlOf(settings('0.29.3'))).not.toHaveProperty('node');
    expect(yamlOf(settings('0.26.1')).oidc).not.toHaveProperty('expiry');
    expect(yamlOf(settings('0.28.0', { expiry: '0' })).oidc.expiry).toBe('0');
  });

  it('email_verified_required only from 0.28', () => {
    expect(yamlOf(settings('0.28.0', { emailVerifiedRequired: false })).oidc.email_verified_required).toBe(false);
    expect(yamlOf(settings('0.29.3', { emailVerifiedRequired: true })).oidc.email_verified_required).toBe(true);
    expect(yamlOf(settings('0.26.1', { emailVerifiedRequired: false })).oidc).not.toHaveProperty('email_verified_required');
  });

  it('quotes values YAML would read otherwise (a domain list entry like "on", a colon)', () => {
    const c = yamlOf(settings('0.29.3', { allowedDomains: ['on', 'a: b'], allowedUsers: ['#x@example.com'] }));
    expect(c.oidc.allowed_domains).toEqual(['on', 'a: b']);
    expect(c.oidc.allowed_users).toEqual(['#x@example.com']);
  });
});

describe('headscaleConfigProblems', () => {
  it('none for a good fleet on each supported version', () => {
    for (const v of ['0.26.1', '0.27.1', '0.28.0', '0.29.3']) expect(headscaleConfigProblems(settings(v, { expiry: '180d' }))).toEqual([]);
    expect(headscaleConfigProblems(settings('0.28.0', { emailVerifiedRequired: false }))).toEqual([]);
  });

  it('refuses versions outside 0.26–0.29 and a leading v', () => {
    for (const v of ['0.25.1', '0.30.0', 'v0.29.3', 'latest']) {
      expect(headscaleConfigProblems(settings(v)).map((p) => p.field)).toEqual(['version']);
    }
  });

  it('emailVerifiedRequired before 0.28 is refused, naming the fix', () => {
    const p = headscaleConfigProblems(settings('0.27.1', { emailVerifiedRequired: true }));
    expect(p).toEqual([{ field: 'oidc.emailVerifiedRequired', message: expect.stringMatching(/0\.28 or newer/) }]);
    expect(p[0]!.message).not.toContain('\n');
  });

  it('refuses a MagicDNS base domain that holds the server host', () => {
    for (const baseDomain of ['hs.example.com', 'example.com']) {
      const p = headscaleConfigProblems({ ...settings('0.29.3'), baseDomain });
      expect(p.map((x) => x.field)).toEqual(['baseDomain']);
    }
  });

  it('refuses an expiry headscale cannot parse, a bad URL, port and scopes', () => {
    expect(headscaleConfigProblems(settings('0.26.1', { expiry: '30 days' })).map((p) => p.field)).toEqual(['oidc.expiry']);
    expect(headscaleConfigProblems(settings('0.29.3', { expiry: '1w2d' }))).toEqual([]);
    expect(headscaleConfigProblems({ ...settings('0.29.3'), serverUrl: 'hs.example.com' }).map((p) => p.field)).toEqual(['url']);
    expect(headscaleConfigProblems({ ...settings('0.29.3'), listenPort: 0 }).map((p) => p.field)).toEqual(['listenPort']);
    expect(headscaleConfigProblems(settings('0.29.3', { scope: ['profile', 'email'], allowedGroups: [] })).map((p) => p.field)).toEqual([
      'oidc.scope',
    ]);
    expect(headscaleConfigProblems(settings('0.29.3', { scope: ['openid', 'email'] })).map((p) => p.message)).toEqual([
      expect.stringContaining('"groups"'),
    ]);
  });
});
