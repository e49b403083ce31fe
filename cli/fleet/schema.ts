/**
 * The fleet file's schema: the single definition of what a fleet file may say. The JSON Schema that
 * editors use (`demo-fleet schema`) is generated from it, so the two cannot drift. Rules that JSON Schema
 * cannot say (time zones known to this Node, cross-field rules) are zod refinements: the CLI checks them,
 * editors do not.
 *
 * The rules follow what the Tailscale docker-mod can do (it runs `tailscale serve|funnel --bg
 * --<mode>=443 http://localhost:5000`, and has no variable for `--advertise-tags`), and nothing depends on
 * the clock: `year` is written in the file, so a render on 1 January is the render of 31 December.
 */
import * as z from 'zod';
import { headscaleConfigProblems, headscaleSettings } from './headscale-release.js';
import { FLEET_ID } from './identity.js';
import { eventHostname, serveMode } from './naming.js';
import { appdataLocationProblem } from './system-dirs.js';
import { TAG, tagProblem } from './tags.js';

/** Event names become hostnames, container names and image tags: DNS labels. */
export const EVENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_LABEL_HINT = 'lowercase letters, digits and "-", at most 63, not starting or ending with "-"';
/** A DNS label (and so a tailnet hostname) is at most 63 characters. */
const MAX_HOSTNAME = 63;

/**
 * Control characters: C0 (line breaks, tab, NUL, ESC), DEL, C1, and the Unicode line and paragraph
 * separators. Every value the fleet file gives is passed on as one line (an env variable, a compose or
 * env file line, a terminal line), and the URL parser silently drops a tab or line break: refuse them.
 */
const CONTROL_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';
const CONTROL_NAMES: Record<string, string> = { '\n': 'a line break', '\r': 'a carriage return', '\t': 'a tab', '\u0000': 'NUL' };
function controlCharacterProblem(input: unknown): string {
  const found = typeof input === 'string' ? new RegExp(`[${CONTROL_CHARACTERS}]`).exec(input)?.[0] : undefined;
  if (found === undefined) return 'contains a control character: remove it';
  const code = `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CONTROL_NAMES[found] ?? (found === '\u2028' || found === '\u2029' ? 'a line separator' : undefined);
  return `contains a control character (${name ? `${code}, ${name}` : code}): remove it (the value is passed on as one line of text)`;
}
/** First check of every text field: abort, so the field gets this one message, not a follow-on one too. */
const oneLinePattern = new RegExp(`^[^${CONTROL_CHARACTERS}]*$`);
const oneLine = () => z.regex(oneLinePattern, { abort: true, error: (iss) => controlCharacterProblem(iss.input) });
/** A text field: a string without control characters. */
const text = () => z.string().check(oneLine());

const httpUrl = z.string().check(oneLine(), z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }));
/** The duration forms parseDuration (cli/util/duration.ts) reads. */
const DURATION = /^\d+(ms|s|m|h)$/;
const duration = z.string().regex(DURATION, { error: 'must be a duration like "500ms", "10s", "2m" or "1h"' });

/** YAML 1.2 (what the yaml package reads) takes yes/no/on/off as text, where YAML 1.1 took booleans. */
const BOOLEAN_WORD = /^(y|yes|n|no|on|off|true|false)$/i;
const boolean = () =>
  z.boolean({
    error: (iss) =>
      typeof iss.input === 'string' && BOOLEAN_WORD.test(iss.input)
        ? `expected boolean, got the text "${iss.input}": use true or false (unquoted; YAML reads yes/no/on/off as text)`
        : undefined,
  });

let knownZones: Set<string> | undefined;
/**
 * Why `tz` is not a time zone the container's tzdata knows, or undefined when it is. Accepted: the
 * names Intl lists, UTC and Etc/UTC (Node lists neither), and other names ICU knows written exactly
 * (aliases such as Asia/Kolkata or Europe/Kyiv, which older Nodes do not list but tzdata has). TZ is
 * looked up as a file name in the container, so the case must be exact.
 */
function timeZoneProblem(tz: string): string | undefined {
  knownZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  if (knownZones.has(tz)) return undefined;
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  if (resolved === tz) return undefined;
  if (resolved && resolved.toLowerCase() === tz.toLowerCase()) {
    return `time zone "${tz}" is written in the wrong case: use ${resolved} (the container looks the name up as a file)`;
  }
  if (resolved && tz.split('/').every((part) => /^[A-Z]/.test(part))) return undefined; // an alias, e.g. US/Eastern
  const last = tz.split('/').pop()!.toLowerCase();
  const guess = resolved ?? [...knownZones].find((zone) => zone.split('/').pop()!.toLowerCase() === last);
  return `unknown time zone "${tz}": use an IANA name like ${guess ?? 'Europe/Berlin, America/New_York or Etc/UTC'}`;
}

const timeZone = text()
  .min(1)
  .superRefine((tz, ctx) => {
    const problem = timeZoneProblem(tz);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const YEAR_BOUNDS = { min: 2000, max: 2999 } as const;

/** What an authKey that matches neither source says: both given (one would be dropped), or neither. */
function authKeySourceError(input: unknown): string {
  const keys = input && typeof input === 'object' ? Object.keys(input) : [];
  if (keys.includes('env') && keys.includes('file'))
    return 'both env and file given, but an event takes one key source: keep only one of them';
  return 'must be one key source: env: <VARIABLE> (the key in an environment variable) or file: <path>';
}

export const AuthKeySource = z
  .union(
    [
      z.strictObject({
        env: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' })
          .describe('Name of the environment variable that holds the auth key at render time'),
      }),
      z.strictObject({
        file: z.string().min(1).describe('Path of a file holding the auth key (relative to the fleet file)'),
      }),
    ],
    { error: (iss) => (iss.code === 'invalid_union' ? authKeySourceError(iss.input) : undefined) },
  )
  .superRefine((source, ctx) => {
    // Checked on the union, not in its file branch: a failed branch would be reported as "must be one key source".
    if ('file' in source && !oneLinePattern.test(source.file))
      ctx.addIssue({ code: 'custom', path: ['file'], message: controlCharacterProblem(source.file) });
  });

/**
 * `keys:` — demo-fleet mints one short-lived auth key per new event node through the control server's
 * API (Tailscale, or headscale when `loginServer` is set) and revokes it once the node is up. This block
 * says how to reach the API; like `authKey`, it never holds a secret itself, only where to read one.
 */
export const KeysSchema = z
  .strictObject({
    apiToken: AuthKeySource.optional().describe('Tailscale: where the API access token (tskey-api-…) is read from'),
    oauthClient: z
      .strictObject({
        id: text().min(1).describe('The OAuth client ID (not a secret)'),
        secret: AuthKeySource.describe('Where the OAuth client secret (tskey-client-…) is read from'),
      })
      .optional()
      .describe('Tailscale: an OAuth client (scopes auth_keys, devices:core) exchanged for an access token; needs tags'),
    tailnet: text().min(1).default('-').describe('Tailscale: the tailnet (default "-": the one of the token)'),
    apiKey: AuthKeySource.optional().describe('headscale: where the API key (`headscale apikeys create`) is read from'),
    user: text().min(1).optional().describe('headscale: the user the nodes belong to (required before 0.28)'),
    headscaleVersion: z
      .string()
      .regex(/^v?0\.\d+(\.\d+)?$/, { error: 'must be a headscale release like "0.28" or "v0.26.1"' })
      .optional()
      .describe('headscale: the release it runs; read from the server when left out'),
    apiUrl: httpUrl.optional().describe('API base URL; default https://api.tailscale.com, or loginServer for headscale'),
    tags: z
      .array(z.string().regex(TAG, { error: (iss) => tagProblem(String(iss.input), false) }))
      .default([])
      .describe('Tags for minted keys (required with an OAuth client, which must own them)'),
    expiry: duration.default('1h').describe('How long a minted key stays valid if nothing revokes it (default 1h)'),
  })
  .describe('Mint one single-use auth key per new event node through the control server API (never the secrets themselves)');

/** headscale releases the control server accessory supports (their config keys differ: tailnet/headscale-config.ts). */
export const HEADSCALE_RELEASE = /^v?0\.(2[6-9])\.\d+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
/** A CIDR prefix, v4 or v6 (headscale parses it with netip.ParsePrefix). */
const PREFIX = /^[0-9a-fA-F:.]+\/\d{1,3}$/;
/** headscale user names: a letter first, then letters, digits, "-", ".", "_" (at least two characters). */
const HEADSCALE_USER = /^[A-Za-z][A-Za-z0-9._-]+$/;

/**
 * `controlServer:` — demo-fleet runs headscale itself, as an accessory container `<name>-headscale` next
 * to the events: its config is rendered from here, its state (database, noise and DERP keys) lives under
 * appdata, and the events log in to it with keys `up` mints inside it. OpenID Connect (`oidc:`) follows
 * headscale's reference (issuer, client, PKCE, allowed_* filters: a user must pass every one configured).
 * The client secret is read from an env variable or a file at `up`, never written here or to compose.
 */
export const OidcSchema = z
  .strictObject({
    issuer: httpUrl.describe('The OpenID provider (its /.well-known/openid-configuration must answer)'),
    clientId: text().min(1).describe('The confidential client headscale logs in as'),
    clientSecret: AuthKeySource.describe('Where the client secret is read from (env: VAR or file: path); never the secret itself'),
    scope: z.array(text().min(1)).default(['openid', 'profile', 'email']).describe('Scopes asked for (add "groups" for allowedGroups)'),
    pkce: boolean().default(true).describe('PKCE with S256 (recommended by headscale; the provider must allow it)'),
    allowedDomains: z.array(text().min(1)).default([]).describe("Only users whose email's domain is listed"),
    allowedUsers: z.array(text().min(1)).default([]).describe('Only these email addresses'),
    allowedGroups: z.array(text().min(1)).default([]).describe('Only members of one of these groups (the groups claim)'),
    expiry: text().min(1).optional().describe('How long a node logged in through OIDC stays logged in (headscale default 180d; 0: never)'),
    useExpiryFromToken: boolean().default(false).describe("Nodes expire with the provider's access token instead"),
    emailVerifiedRequired: boolean().optional().describe('Refuse users whose email is not verified (headscale 0.28+)'),
  })
  .describe('OpenID Connect login for the control server (headscale documentation: OpenID Connect)');

export const ControlServerSchema = z
  .strictObject({
    version: z
      .string()
      .regex(HEADSCALE_RELEASE, { error: 'must be a headscale release from 0.26 to 0.29, like "0.29.3"' })
      .transform((v) => v.replace(/^v/, ''))
      .describe('headscale release the accessory runs (0.26.x-0.29.x); a change backs its database up first'),
    image: z
      .string()
      .regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*$/, { error: 'must be an image repository without a tag, e.g. headscale/headscale' })
      .default('headscale/headscale')
      .describe('Image repository; runs <image>:v<version> (the official image by default)'),
    url: httpUrl.describe("headscale's public URL (server_url): what nodes and browsers use; the events' login server"),
    listenPort: z.number().int().min(1).max(65535).default(8080).describe('Port headscale listens on in its container'),
    publish: z
      .string()
      .regex(/^((\d{1,3}\.){3}\d{1,3}:)?\d{1,5}$/, { error: 'must be a host port like "8080" or "127.0.0.1:8080"' })
      .optional()
      .describe('Publish listenPort on the host (e.g. "127.0.0.1:8080" for a reverse proxy on the VPS)'),
    ip: z
      .string()
      .regex(IPV4, { error: 'must be an IPv4 address on the fleet network' })
      .optional()
      .describe("A fixed address on the fleet's network (its subnet must contain it)"),
    baseDomain: z
      .string()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: 'must be a DNS name like demo.example.net' })
      .describe("MagicDNS base domain: events are <hostname>.<baseDomain>; must differ from the server's host"),
    prefixes: z
      .strictObject({
        v4: z.string().regex(PREFIX, { error: 'must be a CIDR prefix like 100.64.0.0/10' }).default('100.64.0.0/10'),
        v6: z.string().regex(PREFIX, { error: 'must be a CIDR prefix like fd7a:115c:a1e0::/48' }).default('fd7a:115c:a1e0::/48'),
      })
      .default({ v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48' })
      .describe('Tailnet address ranges'),
    embeddedDerp: boolean().default(true).describe("Run headscale's own DERP relay (false: Tailscale's public DERP servers)"),
    user: z
      .string()
      .regex(HEADSCALE_USER, { error: 'must start with a letter, then letters, digits, ".", "-" or "_" (at least 2 characters)' })
      .default('demo-fleet')
      .describe('The headscale user the event nodes belong to (created by up)'),
    oidc: OidcSchema.optional(),
  })
  .describe("Run headscale as the fleet's own control server (an accessory container), optionally with OpenID Connect login");

/**
 * `tailscale serve` modes that work through the docker-mod, which always proxies to
 * http://localhost:<port>: tcp and tls-terminated-tcp refuse an http:// target, so a node with them
 * serves nothing.
 */
const SERVE_MODES = ['https', 'http'] as const;
export const ServeMode = z.enum(SERVE_MODES, {
  error: (iss) =>
    iss.input === 'tcp' || iss.input === 'tls-terminated-tcp'
      ? `serve mode "${iss.input}" does not work through the Tailscale docker-mod (it serves http://localhost:5000, which ${iss.input} refuses): use https, or http on headscale`
      : `must be https or http (got ${JSON.stringify(iss.input)})`,
});

/** The targets a fleet can deploy to (cli/targets/open.ts picks one). */
export const TARGET_KINDS = ['docker', 'swarm'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const EventSchema = z
  .strictObject({
    inviteLink: httpUrl.optional().describe('Tailnet invite link shown to internet strangers (DEMO_INVITE_LINK)'),
    funnel: boolean().default(false).describe('Open the demo to the internet with Tailscale Funnel'),
    hostname: z
      .string()
      .regex(EVENT_NAME, { error: `must be a DNS label (${DNS_LABEL_HINT})` })
      .optional()
      .describe('Tailnet hostname; default <event><year>'),
    year: z.number().int().min(YEAR_BOUNDS.min).max(YEAR_BOUNDS.max).optional().describe('Overrides the fleet year for this event'),
    serveMode: ServeMode.optional().describe(
      'tailscale serve mode: https (default; needed for Funnel) or http (default with a headscale login server, which issues no certificates)',
    ),
    tz: timeZone.optional().describe('Time zone of this event (TZ), an IANA name like America/New_York'),
    ssh: boolean().default(false).describe('Enable Tailscale SSH into the container'),
    authKey: AuthKeySource.optional().describe('Where the auth key comes from; never the key itself'),
    interactiveLogin: boolean()
      .default(false)
      .describe('Mint no key for this node (keys: or controlServer:): it waits for a person to log it in, e.g. through OIDC'),
    node: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'must be a Swarm node ID or hostname (letters, digits, "_", ".", "-")' })
      .optional()
      .describe('target: swarm only: the node (hostname or ID) that runs this event; picked on its first deploy when absent'),
  })
  .describe('One conference event: one container');

/**
 * Event names as record keys. Checked in superRefine below (for a message naming the event); the JSON
 * Schema gets the same pattern through `override` in fleetJsonSchema, so editors flag a bad name too.
 */
const EventNameKey = z.string();

export const HealthSchema = z.strictObject({
  interval: duration.default('10s'),
  timeout: duration.default('3s'),
  retries: z.number().int().min(1).max(100).default(3),
  startPeriod: duration.default('2m'),
});

const FleetBase = z.strictObject({
  name: z
    .string()
    .regex(EVENT_NAME, { error: `must be a DNS label (${DNS_LABEL_HINT})` })
    .default('id-demo')
    .describe('Fleet name: containers are <name>-<event>; a deploy lock is per fleet'),
  id: z
    .string()
    .regex(FLEET_ID, {
      error:
        'must be 12 characters a-z, 2-7 as `demo-fleet init` writes it: delete the `id:` line and run `demo-fleet init` for a new identity (or copy the `id:` of the fleet file whose containers this one should act on)',
    })
    .optional()
    .describe('Fleet identity, written by init/add: copies of this file share it; up/down touch only containers carrying it'),
  image: z
    .string()
    .regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*$/, { error: 'must be an image repository without a tag, e.g. ghcr.io/you/demo-id-headers' })
    .default('demo-fleet/id-headers-demo')
    .describe('Image repository; each event runs <image>:<event>'),
  baseImage: text()
    .min(1)
    .default('ghcr.io/linuxserver/baseimage-alpine:3.22')
    .describe('Base image of the app image (a linuxserver base with s6-overlay /init)'),
  pull: boolean().default(false).describe('up pulls published images instead of building'),
  year: z
    .number({
      error: (iss) =>
        iss.input === undefined
          ? `missing: add the line \`year: ${new Date().getFullYear()}\` (the year of your events: hostnames are <event><year>, state dirs <appdata>/<year>/<event>)`
          : undefined,
    })
    .int()
    .min(YEAR_BOUNDS.min)
    .max(YEAR_BOUNDS.max)
    .describe('Year of the events (required): hostnames are <event><year>, node state lives at <appdata>/<year>/<event>'),
  appdata: text()
    .min(1)
    // ":" splits a Docker bind ("src:dst"), a newline breaks the env/compose line, ".." walks out of it.
    .refine((p) => !/[:\n\r]/.test(p) && !p.split(/[\\/]/).includes('..'), {
      error: 'must be a plain directory path: no ":", no line breaks, no ".." (Docker binds <appdata>/<year>/<event> into the container)',
    })
    .superRefine((p, ctx) => {
      const problem = appdataLocationProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('./appdata')
    .describe('State dirs live at <appdata>/<year>/<event>; a relative path is relative to the fleet file'),
  puid: z.number().int().min(0).default(1000),
  pgid: z.number().int().min(0).default(1000),
  tz: timeZone.default('Etc/UTC').describe('Time zone of the containers (TZ), an IANA name like Europe/Berlin'),
  dockerMods: z.array(text().min(1)).default(['ghcr.io/tailscale-dev/docker-mod:main']),
  loginServer: httpUrl.optional().describe('headscale URL (TAILSCALE_LOGIN_SERVER); Tailscale when absent'),
  network: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { error: 'must be a Docker network name (letters, digits, "_", ".", "-")' })
    .optional()
    .describe(
      "Docker network the event containers join (it must exist, e.g. the one a self-hosted headscale is on); the engine's default bridge when absent",
    ),
  tailnetDomain: z
    .string()
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: 'must be a DNS name like tail1234.ts.net' })
    .optional()
    .describe('MagicDNS domain; sets TAILSCALE_URL=https://<hostname>.<tailnetDomain>'),
  health: HealthSchema.default(HealthSchema.parse({})),
  keys: KeysSchema.optional(),
  controlServer: ControlServerSchema.optional(),
  target: z
    .enum(TARGET_KINDS, { error: (iss) => `must be docker or swarm (got ${JSON.stringify(iss.input)})` })
    .default('docker')
    .describe(
      'Where events run: docker (one engine: DOCKER_HOST or the Docker context) or swarm (services on a Docker Swarm, through a manager)',
    ),
  events: z.record(EventNameKey, EventSchema).default({}),
});

export const FleetSchema = FleetBase
  // before the default network is filled in: a fixed address needs a network the user made, with a subnet
  .superRefine((fleet, ctx) => {
    if (fleet.controlServer?.ip && !fleet.network)
      ctx.addIssue({
        code: 'custom',
        path: ['controlServer', 'ip'],
        message: 'a fixed address needs a network with a subnet: add network: <a Docker network you made with --subnet>',
      });
  })
  // A control server of the fleet's own is the events' login server, on a network they share: set here,
  // once, so everything downstream (env, serve mode, refusals) reads loginServer and network as usual.
  .transform((fleet) =>
    fleet.controlServer
      ? {
          ...fleet,
          loginServer: fleet.loginServer ?? fleet.controlServer.url,
          network: fleet.network ?? defaultNetwork(fleet.name),
          tailnetDomain: fleet.tailnetDomain ?? fleet.controlServer.baseDomain,
        }
      : fleet,
  )
  .superRefine((fleet, ctx) => {
    if (fleet.controlServer) controlServerProblems(fleet, ctx);
    swarmProblems(fleet, ctx);
    if (fleet.keys) keysProblems(fleet.keys, fleet.loginServer !== undefined, ctx);
    for (const [name, event] of Object.entries(fleet.events)) {
      if (!EVENT_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: ['events', name], message: `event name "${name}" must be a DNS label (${DNS_LABEL_HINT})` });
      }
      if (event.interactiveLogin && event.authKey) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', name, 'interactiveLogin'],
          message: 'an event logs in with its authKey or interactively, not both: remove authKey or interactiveLogin',
        });
      }
      if (fleet.loginServer && event.funnel) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', name, 'funnel'],
          message: 'headscale has no Funnel: set funnel: false, or remove loginServer to use Tailscale',
        });
      }
      if (fleet.loginServer && event.serveMode === 'https') {
        ctx.addIssue({
          code: 'custom',
          path: ['events', name, 'serveMode'],
          message: 'headscale issues no HTTPS certificates, so https serves nothing: use serveMode: http (the default with loginServer)',
        });
      }
      if (!fleet.loginServer && event.funnel && serveMode(fleet, event) !== 'https') {
        ctx.addIssue({
          code: 'custom',
          path: ['events', name, 'funnel'],
          message: `Funnel needs serve mode https (\`tailscale funnel\` has no --${serveMode(fleet, event)}): remove serveMode: ${serveMode(fleet, event)}, or set funnel: false`,
        });
      }
      const hostname = eventHostname(fleet, name, event);
      if (event.hostname === undefined && EVENT_NAME.test(name) && hostname.length > MAX_HOSTNAME) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', name, 'hostname'],
          message: `the default hostname "${hostname}" (<event><year>) is ${hostname.length} characters, over the ${MAX_HOSTNAME} a DNS label allows: give the event its own hostname: of at most ${MAX_HOSTNAME} (add --hostname <name>)`,
        });
      }
    }
  });

/**
 * What the Swarm target cannot take (yet), and `node:` outside it. The control server is an accessory
 * container beside the events on one engine; on a Swarm its place (and the events' way to it) is not
 * built, so a fleet there names a control server it runs itself.
 */
const MAX_SERVICE_NAME = 63;

function swarmProblems(fleet: z.infer<typeof FleetBase>, ctx: z.RefinementCtx): void {
  if (fleet.target === 'swarm' && fleet.controlServer) {
    ctx.addIssue({
      code: 'custom',
      path: ['controlServer'],
      message:
        'target: swarm does not run the control server (not built yet): run headscale yourself and set loginServer: <its URL>, or use target: docker',
    });
  }
  if (fleet.target === 'swarm') {
    // swarmkit refuses service names over 63 characters (a DNS label)
    for (const name of Object.keys(fleet.events)) {
      const service = `${fleet.name}-${name}`;
      if (service.length > MAX_SERVICE_NAME) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', name],
          message: `its Swarm service ${service} is ${service.length} characters, over the ${MAX_SERVICE_NAME} Swarm allows: shorten the fleet's name: or the event's name`,
        });
      }
    }
    return;
  }
  for (const [name, event] of Object.entries(fleet.events)) {
    if (event.node !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['events', name, 'node'],
        message: 'node: places an event on a Swarm node: remove it, or set target: swarm',
      });
    }
  }
}

/** The Docker network of a fleet with a control server and no `network:`: created by `up`. */
export function defaultNetwork(fleetName: string): string {
  return `${fleetName}-tailnet`;
}

type ParsedFleet = Omit<z.output<typeof FleetBase>, 'loginServer'> & { loginServer?: string | undefined };

/** What a fleet file with `controlServer:` cannot also say, and what the chosen headscale release refuses. */
function controlServerProblems(fleet: ParsedFleet, ctx: z.RefinementCtx): void {
  const control = fleet.controlServer!;
  const issue = (field: Array<string | number>, message: string) => ctx.addIssue({ code: 'custom', path: field, message });
  if (fleet.loginServer !== control.url)
    issue(['loginServer'], 'the control server is the login server: remove loginServer (events log in to controlServer.url)');
  if (fleet.keys) issue(['keys'], 'events get their auth keys from the control server: remove the keys block (up mints them inside it)');
  if (fleet.events.headscale)
    issue(
      ['events', 'headscale'],
      `event "headscale" would take the control server's container name ${fleet.name}-headscale: rename the event`,
    );
  for (const p of headscaleConfigProblems(headscaleSettings(control))) issue(['controlServer', ...p.field.split('.')], p.message);
}

/** `keys:` fields that belong to the other control server, or missing credentials. */
function keysProblems(keys: z.output<typeof KeysSchema>, headscale: boolean, ctx: z.RefinementCtx): void {
  const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: ['keys', field], message });
  const tailscaleOnly = ['apiToken', 'oauthClient'] as const;
  const headscaleOnly = ['apiKey', 'user', 'headscaleVersion'] as const;
  keys.tags.forEach((tag, i) => {
    // Tailscale's rule is the field's own check; what headscale adds is checked here, knowing the server.
    const problem = headscale && TAG.test(tag) ? tagProblem(tag, true) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: ['keys', 'tags', i], message: problem });
  });
  if (headscale) {
    for (const f of tailscaleOnly)
      if (keys[f] !== undefined) issue(f, `${f} is for Tailscale, but loginServer makes this a headscale fleet: use keys.apiKey`);
    if (!keys.apiKey)
      issue('apiKey', 'missing: headscale mints keys with an API key (`headscale apikeys create`): add apiKey: { env: HEADSCALE_API_KEY }');
    return;
  }
  for (const f of headscaleOnly)
    if (keys[f] !== undefined) issue(f, `${f} is for headscale (with loginServer): on Tailscale use keys.apiToken or keys.oauthClient`);
  if (keys.apiToken && keys.oauthClient) issue('oauthClient', 'give apiToken or oauthClient, not both');
  if (!keys.apiToken && !keys.oauthClient)
    issue('apiToken', 'missing: Tailscale mints keys with an API access token or an OAuth client: add apiToken: { env: TS_API_TOKEN }');
  if (keys.oauthClient && keys.tags.length === 0)
    issue('tags', 'keys minted through an OAuth client must carry tags the client owns: add tags: [tag:demo]');
}

export type Fleet = z.output<typeof FleetSchema>;
export type FleetEvent = z.output<typeof EventSchema>;
export type FleetInput = z.input<typeof FleetSchema>;
export type EventInput = z.input<typeof EventSchema>;
export type FleetKeys = z.output<typeof KeysSchema>;

/** JSON Schema of the fleet file, for editors (yaml-language-server) and `demo-fleet schema`. */
export function fleetJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(FleetSchema, {
      io: 'input',
      unrepresentable: 'any',
      override: (ctx) => {
        if (ctx.zodSchema === EventNameKey) Object.assign(ctx.jsonSchema, { pattern: EVENT_NAME.source });
      },
    }),
    title: 'demo-fleet fleet file',
  };
}
