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

export const FleetSchema = z
  .strictObject({
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
    events: z.record(EventNameKey, EventSchema).default({}),
  })
  .superRefine((fleet, ctx) => {
    if (fleet.keys) keysProblems(fleet.keys, fleet.loginServer !== undefined, ctx);
    for (const [name, event] of Object.entries(fleet.events)) {
      if (!EVENT_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: ['events', name], message: `event name "${name}" must be a DNS label (${DNS_LABEL_HINT})` });
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
