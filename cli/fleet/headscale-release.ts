/**
 * What each headscale release of the control server accessory takes, as fleet-file rules: a setting the
 * chosen release does not have (or that makes it refuse to start) is refused when the file is read, not
 * when headscale refuses to start. tailnet/headscale-config.ts renders the config from the same settings;
 * its header cites each release's source for the differences checked here.
 */
import type * as z from 'zod';
import type { ControlServerSchema } from './schema.js';

type ControlServer = z.output<typeof ControlServerSchema>;

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

/** The settings headscale's config is rendered from, out of the fleet file's `controlServer:` block. */
export function headscaleSettings(control: ControlServer): HeadscaleSettings {
  const oidc = control.oidc;
  return {
    version: control.version,
    serverUrl: control.url,
    listenPort: control.listenPort,
    baseDomain: control.baseDomain,
    prefixes: control.prefixes,
    embeddedDerp: control.embeddedDerp,
    ...(oidc
      ? {
          oidc: {
            issuer: oidc.issuer,
            clientId: oidc.clientId,
            scope: oidc.scope,
            pkce: oidc.pkce,
            allowedDomains: oidc.allowedDomains,
            allowedUsers: oidc.allowedUsers,
            allowedGroups: oidc.allowedGroups,
            ...(oidc.expiry !== undefined ? { expiry: oidc.expiry } : {}),
            useExpiryFromToken: oidc.useExpiryFromToken,
            ...(oidc.emailVerifiedRequired !== undefined ? { emailVerifiedRequired: oidc.emailVerifiedRequired } : {}),
          },
        }
      : {}),
  };
}
