/**
 * The config file of the fleet's own headscale (the control-server accessory), rendered from the fleet
 * file's `controlServer:` block, and the per-version refusals checked before anything runs. Pure: no
 * I/O. The OIDC client secret is never in this file: headscale reads it from OIDC_SECRET_ENV.
 *
 * What differs between the supported releases (file:line at each tag, juanfont/headscale):
 * - `oidc.expiry` (node expiry of OIDC-registered nodes; default 180d, "0" = never) exists up to 0.28
 *   (hscontrol/types/config.go v0.26.1 lines 320, 943–957; v0.28.0 lines 384, 1036–1050). 0.29 refuses
 *   to start when it is set ("has been removed. Please use node.expiry": config.go v0.29.3 line 559) and
 *   reads `node.expiry` instead (lines 446, 497–514) — which applies to EVERY non-tagged node, pre-auth
 *   keys included, not only OIDC ones (NodeConfig, lines 81–87; state/state.go lines 1900–1906), and
 *   defaults to "0" (never) where `oidc.expiry` defaulted to 180d.
 * - `oidc.email_verified_required` exists from 0.28 (CHANGELOG v0.29.3 line 428; config.go v0.28.0 lines
 *   388, 1035; default true). 0.26/0.27 would ignore the key silently (viper has no unknown-key check)
 *   and trust an unverified email for allowed_domains/allowed_users (hscontrol/oidc.go v0.26.1 lines
 *   269–282), so it is refused there rather than written.
 * - `oidc.strip_email_domain` and `oidc.map_legacy_users` are fatal since 0.26 (config.go v0.26.1 lines
 *   368–369, v0.29.3 lines 542–543): never written.
 * - `randomize_client_port` is fatal in 0.29 (config.go v0.29.3 lines 545–553): never written (false is
 *   every version's default).
 * - `ephemeral_node_inactivity_timeout` is deprecated in 0.29 (line 556, a warning): not written, the
 *   defaults do.
 * - headscale refuses a `server_url` whose host is `dns.base_domain` or inside it (isSafeServerURL,
 *   config.go v0.26.1 line 890/997, v0.29.3 same check): MagicDNS would take the server's name over.
 * - `dns.base_domain` is required with MagicDNS (config.go v0.29.3 line 965); `noise.private_key_path`
 *   is required (line 582); an empty DERP map aborts the start (test/fixtures/real-tailnet/README.md).
 */

export const HEADSCALE_CONFIG_PATH = '/etc/headscale/config.yaml'; // in the accessory container
export const HEADSCALE_STATE_DIR = '/var/lib/headscale'; // db, noise + DERP keys, unix socket

/**
 * The env variable the accessory gets the OIDC client secret from (never in the config file).
 * headscale's viper reads every key from `HEADSCALE_<KEY with . → _>` as well (SetEnvPrefix
 * "headscale", replacer "." → "_", AutomaticEnv: config.go v0.26.1 lines 277–280, v0.28.0 339–342,
 * v0.29.3 392–395), and `oidc.client_secret` is read with viper.GetString (v0.26.1 line 867, v0.29.3
 * line 1178). Checked on the binaries: test/integration/headscale-oidc.test.ts logs in with it.
 */
export const OIDC_SECRET_ENV = 'HEADSCALE_OIDC_CLIENT_SECRET';

/** The minors demo-fleet renders a config for. */
export const SUPPORTED_MINORS = [26, 27, 28, 29] as const;

export interface HeadscaleSettings {
  version: string; // "0.26.1" … "0.29.3" (no leading v); supported minors 26–29
  serverUrl: string; // server_url: what nodes and browsers use; OIDC redirect is <serverUrl>/oidc/callback
  listenPort: number; // listen_addr 0.0.0.0:<port>
  baseDomain: string; // dns.base_domain (MagicDNS)
  prefixes: { v4: string; v6: string };
  embeddedDerp: boolean; // true: embedded DERP region only; false: Tailscale's public DERP map
  oidc?: {
    issuer: string;
    clientId: string;
    scope: string[];
    pkce: boolean /* S256 */;
    allowedDomains: string[];
    allowedUsers: string[];
    allowedGroups: string[];
    /** Node expiry of OIDC-registered nodes, e.g. "180d", "0" = never; unset: the version's default (see above). */
    expiry?: string;
    useExpiryFromToken: boolean;
    emailVerifiedRequired?: boolean; // only 0.28+
  };
}

/** The minor of a "0.x.y" version, or undefined when it is not one. */
export function headscaleMinor(version: string): number | undefined {
  const m = /^0\.(\d+)\.\d+$/.exec(version.trim());
  return m ? Number(m[1]) : undefined;
}

/** headscale's duration syntax (prometheus model.ParseDuration: units y w d h m s ms, combined) or "0". */
const EXPIRY = /^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;

/** Version refusals, checked at fleet-file validation: field is a path under the fleet file's `controlServer`, e.g. 'oidc.emailVerifiedRequired'; message is one line naming the fix. */
export function headscaleConfigProblems(s: HeadscaleSettings): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const minor = headscaleMinor(s.version);
  if (minor === undefined || !(SUPPORTED_MINORS as readonly number[]).includes(minor)) {
    problems.push({
      field: 'version',
      message: `headscale ${s.version} is not supported: set a release of 0.26–0.29, e.g. "0.29.3" (no leading v)`,
    });
  }
  let server: URL | undefined;
  try {
    server = new URL(s.serverUrl);
  } catch {
    // below
  }
  if (!server || !/^https?:$/.test(server.protocol) || server.pathname.replace(/\/$/, '') !== '') {
    problems.push({ field: 'url', message: `"${s.serverUrl}" is not an http(s) URL without a path: set e.g. https://hs.example.com` });
  }
  const domain = s.baseDomain.trim().toLowerCase().replace(/\.$/, '');
  const host = server?.hostname.toLowerCase();
  if (host && domain && (host === domain || host.endsWith(`.${domain}`))) {
    problems.push({
      field: 'baseDomain',
      message: `MagicDNS base domain "${s.baseDomain}" contains the server's host ${host} (MagicDNS would take its name over; headscale refuses it): choose a domain the server is not in, e.g. tailnet.${domain}`,
    });
  }
  if (!Number.isInteger(s.listenPort) || s.listenPort < 1 || s.listenPort > 65535) {
    problems.push({ field: 'listenPort', message: `${s.listenPort} is not a TCP port: set 1–65535` });
  }
  const o = s.oidc;
  if (o && minor !== undefined) {
    if (o.expiry !== undefined && !EXPIRY.test(o.expiry)) {
      problems.push({
        field: 'oidc.expiry',
        message: `"${o.expiry}" is not a headscale duration: write e.g. "180d", "12h" or "0" (never)`,
      });
    }
    if (o.emailVerifiedRequired !== undefined && minor < 28) {
      problems.push({
        field: 'oidc.emailVerifiedRequired',
        message: `headscale ${s.version} has no email_verified_required (from 0.28 on): remove it or set version 0.28 or newer`,
      });
    }
    if (!o.scope.includes('openid')) {
      problems.push({
        field: 'oidc.scope',
        message: 'the scopes must include "openid": add it (headscale asks for openid, profile, email by default)',
      });
    }
    if (o.allowedGroups.length > 0 && !o.scope.includes('groups')) {
      problems.push({
        field: 'oidc.scope',
        message: 'allowedGroups needs the groups claim: add "groups" to scope (or the provider must send groups without it)',
      });
    }
  }
  return problems;
}

/** A YAML scalar: JSON's double-quoted string is valid YAML and escapes everything that needs it. */
const q = (v: string): string => JSON.stringify(v);
const list = (items: string[], indent: string): string =>
  items.length === 0 ? ' []' : `\n${items.map((i) => `${indent}- ${q(i)}`).join('\n')}`;

/** YAML text of headscale's config for `s`; call headscaleConfigProblems first (it assumes none). */
export function renderHeadscaleConfig(s: HeadscaleSettings): string {
  const minor = headscaleMinor(s.version) ?? 0;
  const lines: string[] = [];
  const add = (...l: string[]) => lines.push(...l);
  add(
    `# headscale ${s.version} for this fleet, written by demo-fleet: edits here are replaced on the next \`up\`.`,
    `server_url: ${q(s.serverUrl)}`,
    `listen_addr: ${q(`0.0.0.0:${s.listenPort}`)}`,
    '# metrics and gRPC only inside the container; the CLI uses the unix socket',
    `metrics_listen_addr: "127.0.0.1:9090"`,
    `grpc_listen_addr: "127.0.0.1:50443"`,
    'grpc_allow_insecure: false',
    `unix_socket: ${q(`${HEADSCALE_STATE_DIR}/headscale.sock`)}`,
    'unix_socket_permission: "0770"',
    'noise:',
    `  private_key_path: ${q(`${HEADSCALE_STATE_DIR}/noise_private.key`)}`,
    'prefixes:',
    `  v4: ${q(s.prefixes.v4)}`,
    `  v6: ${q(s.prefixes.v6)}`,
    '  allocation: sequential',
  );
  if (s.embeddedDerp) {
    add(
      '# relays: only the DERP server built into headscale (its host and port come from server_url)',
      'derp:',
      '  server:',
      '    enabled: true',
      '    region_id: 999',
      '    region_code: "headscale"',
      '    region_name: "demo-fleet headscale"',
      '    stun_listen_addr: "0.0.0.0:3478"',
      `    private_key_path: ${q(`${HEADSCALE_STATE_DIR}/derp_server_private.key`)}`,
      '    automatically_add_embedded_derp_region: true',
      '  urls: []',
      '  paths: []',
      '  auto_update_enabled: false',
      '  update_frequency: "24h"',
    );
  } else {
    add(
      "# relays: Tailscale's public DERP map, refreshed daily",
      'derp:',
      '  server:',
      '    enabled: false',
      '  urls:',
      '    - "https://controlplane.tailscale.com/derpmap/default"',
      '  paths: []',
      '  auto_update_enabled: true',
      '  update_frequency: "24h"',
    );
  }
  add(
    'disable_check_updates: true',
    'database:',
    '  type: sqlite',
    '  sqlite:',
    `    path: ${q(`${HEADSCALE_STATE_DIR}/db.sqlite`)}`,
    '    write_ahead_log: true',
    'log:',
    '  level: info',
    '  format: text',
    'dns:',
    '  magic_dns: true',
    `  base_domain: ${q(s.baseDomain)}`,
    "  # keep the nodes' own resolvers (true would need global nameservers)",
    '  override_local_dns: false',
    '  nameservers:',
    '    global: []',
    'logtail:',
    '  enabled: false',
  );
  const o = s.oidc;
  if (o?.expiry !== undefined && minor >= 29) {
    add('# 0.29 moved oidc.expiry here; it applies to every node not registered with a tag', 'node:', `  expiry: ${q(o.expiry)}`);
  }
  if (o) {
    add(
      `# OpenID Connect login; the client secret comes from the environment (${OIDC_SECRET_ENV})`,
      'oidc:',
      '  # refuse to start rather than fall back to CLI registration when the provider is unreachable',
      '  only_start_if_oidc_is_available: true',
      `  issuer: ${q(o.issuer)}`,
      `  client_id: ${q(o.clientId)}`,
      `  scope:${list(o.scope, '    ')}`,
      '  pkce:',
      `    enabled: ${o.pkce}`,
      '    method: S256',
      '  # a user must pass every list that is not empty',
      `  allowed_domains:${list(o.allowedDomains, '    ')}`,
      `  allowed_users:${list(o.allowedUsers, '    ')}`,
      `  allowed_groups:${list(o.allowedGroups, '    ')}`,
      `  use_expiry_from_token: ${o.useExpiryFromToken}`,
    );
    if (o.expiry !== undefined && minor < 29) add(`  expiry: ${q(o.expiry)}`);
    if (o.emailVerifiedRequired !== undefined && minor >= 28) add(`  email_verified_required: ${o.emailVerifiedRequired}`);
  }
  return `${lines.join('\n')}\n`;
}
