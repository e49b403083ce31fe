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

// What a release takes is a fleet-file rule (checked when the file is read): fleet/headscale-release.ts.
import { type HeadscaleSettings, headscaleMinor } from '../fleet/headscale-release.js';

export { type HeadscaleSettings, headscaleConfigProblems, headscaleMinor, SUPPORTED_MINORS } from '../fleet/headscale-release.js';

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

/** The embedded DERP server's STUN port (UDP); published beside the listen port when that is published. */
export const STUN_PORT = 3478;

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
      `    stun_listen_addr: ${q(`0.0.0.0:${STUN_PORT}`)}`,
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
